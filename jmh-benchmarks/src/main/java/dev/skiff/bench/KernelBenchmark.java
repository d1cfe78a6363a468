package dev.skiff.bench;

import dev.skiff.bench.peers.Kernels;
import dev.skiff.testsupport.Fixtures;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the kernel benchmarks of compiled runtimes share (zlib, memory.copy and memory.fill, SQLite,
 * Lua, JSON): the four runtimes (and {@code skiff-compiler-grown}, which scripts/bench adds in runs
 * of its own), time per call, one instance of the kernel's module per trial opened
 * by {@link #open}, and its release. JMH takes the annotations, the parameter and the tear-down from
 * here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m"})
public abstract class KernelBenchmark {
  @Param({"skiff-compiler", "chicory-compiler", "wasmtime", "native"})
  public String runtime;

  /** The kernel's module in the chosen runtime, once {@link #open} ran. */
  protected Kernels kernels;

  /** Opens fixture {@code fixture} (e.g. {@code "bench/lua.wasm"}) in the chosen runtime. */
  protected void open(String fixture) {
    kernels = Kernels.open(runtime, Fixtures.wasm(fixture));
  }

  /** Releases the instance, module or native process. */
  @TearDown
  public void tearDown() {
    kernels.close();
  }
}
