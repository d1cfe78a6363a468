package dev.skiff.bench;

import dev.skiff.bench.peers.PeerFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * Real code as a compute kernel: Debian 12's zlib 1.2.13 ({@code fixtures/zlib}) compressing 1 MiB
 * of text-like data at level 6 and decompressing it, one instance per trial, time per call.
 * {@code native} links Debian's libz of the same version. Compiled runtimes only: one call takes
 * the interpreters tens of seconds.
 */
public class ZlibBenchmark extends KernelBenchmark {
  /** Bytes compressed per call. */
  public static final int BYTES = 1 << 20;
  /** Seed of the text. */
  public static final int SEED = 42;

  private PeerFunction deflate;
  private PeerFunction inflate;

  /** Loads zlib in the chosen runtime, fills the text and compresses it once for inflate. */
  @Setup
  public void setUp() {
    open("bench/zlib.wasm");
    kernels.function("zlib_fill").call(SEED);
    deflate = kernels.function("zlib_deflate");
    inflate = kernels.function("zlib_inflate");
    deflate.call(BYTES);
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
