package dev.skiff.bench;

import dev.skiff.bench.peers.Kernels;
import dev.skiff.bench.peers.PeerFunction;
import dev.skiff.testsupport.Fixtures;
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
 * Real code as a compute kernel: Debian 12's cJSON 1.7.15 ({@code fixtures/cjson}) parsing a JSON
 * document of 2,000 records (about 250 KB), walking it, changing every tenth record and printing it
 * again, one instance per trial, time per call. {@code native} links Debian's libcjson of the same
 * version. Compiled runtimes only, as for zlib.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m"})
public class JsonBenchmark {
  /** Records in the document. */
  public static final int RECORDS = 2000;

  @Param({"skiff-compiler", "chicory-compiler", "wasmtime", "native"})
  public String runtime;

  private Kernels kernels;
  private PeerFunction run;

  /** Loads cJSON in the chosen runtime and writes the document. */
  @Setup
  public void setUp() {
    kernels = Kernels.open(runtime, Fixtures.wasm("bench/json.wasm"));
    kernels.function("json_fill").call(RECORDS);
    run = kernels.function("json_run");
  }

  /** Releases the instance, module or native process. */
  @TearDown
  public void tearDown() {
    kernels.close();
  }

  /** Parse, walk, change and print the document; the checksum of what was printed. */
  @Benchmark
  public long jsonRoundTrip() {
    return run.call(0);
  }
}
