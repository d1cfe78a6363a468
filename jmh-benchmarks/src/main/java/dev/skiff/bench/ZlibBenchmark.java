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
 * Real code as a compute kernel: Debian 12's zlib 1.2.13 ({@code fixtures/zlib}) compressing 1 MiB
 * of text-like data at level 6 and decompressing it, one instance per trial, time per call.
 * {@code native} links Debian's libz of the same version. Compiled runtimes only: one call takes
 * the interpreters tens of seconds.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m"})
public class ZlibBenchmark {
  /** Bytes compressed per call. */
  public static final int BYTES = 1 << 20;
  /** Seed of the text. */
  public static final int SEED = 42;

  @Param({"skiff-compiler", "chicory-compiler", "wasmtime", "native"})
  public String runtime;

  private Kernels kernels;
  private PeerFunction deflate;
  private PeerFunction inflate;

  /** Loads zlib in the chosen runtime, fills the text and compresses it once for inflate. */
  @Setup
  public void setUp() {
    kernels = Kernels.open(runtime, Fixtures.wasm("bench/zlib.wasm"));
    kernels.function("zlib_fill").call(SEED);
    deflate = kernels.function("zlib_deflate");
    inflate = kernels.function("zlib_inflate");
    deflate.call(BYTES);
  }

  /** Releases the instance, module or native process. */
  @TearDown
  public void tearDown() {
    kernels.close();
  }


  /** compress2 of 1 MiB at level 6. */
  @Benchmark
  public long zlibDeflate1MiB() {
    return deflate.call(BYTES);
  }

  /** uncompress back to 1 MiB, with its Adler-32. */
  @Benchmark
  public long zlibInflate1MiB() {
    return inflate.call(0);
  }
}
