package dev.skiff.bench;

import dev.skiff.bench.peers.PeerFunction;
import dev.skiff.bench.peers.PeerInstance;
import dev.skiff.bench.peers.PeerModule;
import dev.skiff.bench.peers.Runtime;
import dev.skiff.testsupport.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The instance-per-request pattern with a small request handler ({@code fixtures/src/bench/handler.c}):
 * instantiate, write the request into guest memory, call {@code handle}, read the response, close.
 * {@link #warmCall} is the same request on one long-lived instance: the cost of a call alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m"})
public class HandlerBenchmark {
  /** The request every call handles. */
  public static final byte[] REQUEST =
      "user=alice&items=3&price=1999&coupon=0&region=7&session=42&retry=1".getBytes(StandardCharsets.US_ASCII);
  /** Its expected response. */
  public static final String RESPONSE = "keys=user,items,price,coupon,region,session,retry;pairs=7;sum=2052";

  @Param({"skiff-compiler", "skiff-interpreter", "chicory-compiler", "chicory-interpreter", "wasmtime"})
  public String runtime;

  private PeerModule module;
  private PeerInstance warm;
  private PeerFunction warmHandle;
  private int warmRequest;
  private int warmResponse;

  /** Loads (and for compilers compiles) the handler once. */
  @Setup
  public void setUp() {
    module = Runtime.of(runtime).load(Fixtures.wasm("bench/handler.wasm"));
    warm = module.instantiate();
    warmHandle = warm.function("handle");
    warmRequest = (int) warm.function("request_buffer").call();
    warmResponse = (int) warm.function("response_buffer").call();
  }

  /** Releases the instance and module. */
  @TearDown
  public void tearDown() {
    warm.close();
    module.close();
  }

  /** One request on a fresh instance. */
  @Benchmark
  public byte[] instancePerRequest() {
    return handle(module);
  }

  /** One request on a long-lived instance. */
  @Benchmark
  public byte[] warmCall() {
    warm.write(warmRequest, REQUEST);
    int n = (int) warmHandle.call(REQUEST.length);
    return warm.read(warmResponse, n);
  }

  /** Instantiates, handles {@link #REQUEST} and closes; returns the response bytes. */
  public static byte[] handle(PeerModule module) {
    try (PeerInstance instance = module.instantiate()) {
      int request = (int) instance.function("request_buffer").call();
      instance.write(request, REQUEST);
      int n = (int) instance.function("handle").call(REQUEST.length);
      int response = (int) instance.function("response_buffer").call();
      return instance.read(response, n);
    }
  }
}
