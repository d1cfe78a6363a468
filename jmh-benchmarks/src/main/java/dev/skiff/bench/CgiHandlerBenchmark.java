package dev.skiff.bench;

import dev.skiff.Engine;
import dev.skiff.HandlerRequest;
import dev.skiff.HandlerResponse;
import dev.skiff.Skiff;
import dev.skiff.WasmHandler;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.TestFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link WasmHandler} in-process: one CGI request (a POST with a small body) to the echo guest
 * ({@code fixtures/src/serving/echo.c}) in a fresh instance, with the handler's deadline, WASI world,
 * CGI environment and response parsing. Run with {@code -t 2} for requests per second on two cores;
 * {@code HandlerBenchmark.instancePerRequest} is the raw Chicory instance-per-request baseline.
 *
 * <p>{@link #echoRequestHugeMethodsCompiled} is the same request in a JVM run with
 * {@code -XX:-DontCompileHugeMethods}, as {@code skiff serve} runs: HotSpot otherwise never JIT-compiles
 * a method of more than 8,000 bytes of bytecode, and the compiled form of wasi-libc's {@code printf} core
 * (an 8,981-byte Wasm function) is larger, so it stays in the bytecode interpreter.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m"})
public class CgiHandlerBenchmark {
  private static final byte[] BODY = "hello handler".getBytes(StandardCharsets.US_ASCII);
  private Path store;
  private Skiff skiff;
  private WasmHandler handler;

  /** Pulls and compiles the echo guest once. */
  @Setup
  public void setUp() throws IOException {
    store = Files.createTempDirectory("skiff-bench-cgi-");
    skiff = Skiff.builder().store(store).engine(Engine.COMPILER).build();
    handler = WasmHandler.builder(skiff.pull(Fixtures.wasm("serving/echo.wasm").toString())).route("/echo").build();
    HandlerResponse check = request();
    if (check.status() != 200 || !check.bodyText().endsWith("body=hello handler")) {
      throw new IllegalStateException("unexpected response: " + check + " " + check.bodyText());
    }
  }

  /** Closes Skiff and removes its store. */
  @TearDown
  public void tearDown() {
    skiff.close();
    TestFiles.deleteTree(store);
  }

  /** One request, fresh instance. */
  @Benchmark
  public HandlerResponse echoRequest() {
    return request();
  }

  /** One request, fresh instance, in a JVM that JIT-compiles methods of any size. */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"-Xss8m", "-XX:-DontCompileHugeMethods"})
  public HandlerResponse echoRequestHugeMethodsCompiled() {
    return request();
  }

  private HandlerResponse request() {
    return handler.handle(HandlerRequest.builder("POST", "/echo/x").query("a=1")
        .header("Content-Type", "text/plain").header("Host", "localhost:8080")
        .body(new ByteArrayInputStream(BODY), BODY.length).remoteAddress("127.0.0.1").build());
  }
}
