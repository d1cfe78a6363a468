package dev.skiff.bench;

import dev.skiff.bench.peers.NativeKernels;
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
 * The pipe round trip of the native harness with no work: included in every {@code native} figure of
 * {@link ComputeBenchmark}, so readers (and the report) can see it is negligible or subtract it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class NativeRoundTripBenchmark {
  private NativeKernels kernels;

  /** Compiles and starts the harness. */
  @Setup
  public void setUp() {
    kernels = new NativeKernels();
  }

  /** Stops the harness. */
  @TearDown
  public void tearDown() {
    kernels.close();
  }

  /** One {@code nop} request and its answer. */
  @Benchmark
  public long roundTrip() {
    return kernels.call("nop", 1);
  }
}
