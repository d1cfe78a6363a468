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
 * {@code memory.copy} and {@code memory.fill} as a compute kernel ({@code fixtures/src/bench/bulk.c}):
 * {@link #ROUNDS} rounds of an overlapping 4 MiB memmove, a 64 KiB memset and 64 small memcpys, one
 * instance per trial, time per call. {@code native} is the same C with gcc -O2 and glibc.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m"})
public class BulkMemoryBenchmark {
  /** Rounds per call: 64 MiB moved by memory.copy. */
  public static final int ROUNDS = 16;

  @Param({"skiff-compiler", "chicory-compiler", "wasmtime", "native"})
  public String runtime;

  private Kernels kernels;
  private PeerFunction bulk;

  /** Loads the kernel in the chosen runtime. */
  @Setup
  public void setUp() {
    kernels = Kernels.open(runtime, Fixtures.wasm("bench/bulk.wasm"));
    bulk = kernels.function("bulk");
  }

  /** Releases the instance, module or native process. */
  @TearDown
  public void tearDown() {
    kernels.close();
  }

  /** One call; its checksum. */
  @Benchmark
  public long memoryCopyFill() {
    return bulk.call(ROUNDS);
  }
}
