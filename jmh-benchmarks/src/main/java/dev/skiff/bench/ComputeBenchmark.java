package dev.skiff.bench;

import dev.skiff.bench.peers.NativeKernels;
import dev.skiff.bench.peers.PeerFunction;
import dev.skiff.bench.peers.PeerInstance;
import dev.skiff.bench.peers.PeerModule;
import dev.skiff.bench.peers.Runtime;
import dev.skiff.testing.Fixtures;
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
 * Throughput of exported compute functions compiled from C, each reported on its own: from
 * {@code fixtures/src/bench/kernels.c} FNV-1a over 1 MiB, a sieve up to 2^20, recursive fib(27) and a
 * 128 x 128 f64 matrix product; from Debian's zlib ({@code fixtures/zlib}) compressing 1 MiB of
 * text-like data at level 6 and decompressing it. One instance per trial, time per call.
 * {@code native} is the same C built with gcc -O2, called over a pipe ({@link NativeRoundTripBenchmark}
 * measures that pipe on its own). {@code graalwasm} is added by scripts/bench on JDK 21+.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m"})
public class ComputeBenchmark {
  /** Bytes hashed per call. */
  public static final int HASH_BYTES = 1 << 20;
  /** Sieve bound. */
  public static final int SIEVE_N = 1 << 20;
  /** fib argument: about 630 000 calls. */
  public static final int FIB_N = 27;
  /** Seed of the hashed data and of the compressed text. */
  public static final int SEED = 42;
  /** Matrix order. */
  public static final int MATRIX_N = 128;
  /** Bytes compressed per call. */
  public static final int ZLIB_BYTES = 1 << 20;

  @Param({"skiff-compiler", "skiff-interpreter", "chicory-compiler", "chicory-interpreter", "wasmtime", "native"})
  public String runtime;

  private PeerModule module;
  private PeerInstance instance;
  private NativeKernels nativeKernels;
  private PeerFunction hash;
  private PeerFunction sieve;
  private PeerFunction fib;
  private PeerFunction matmul;
  private PeerFunction deflate;
  private PeerFunction inflate;
  private PeerModule zlibModule;
  private PeerInstance zlib;

  /** Loads the kernels in the chosen runtime and fills the hash input. */
  @Setup
  public void setUp() {
    if (runtime.equals("native")) {
      nativeKernels = new NativeKernels();
      nativeKernels.call("fill", SEED);
      hash = nativeKernels.function("hash");
      sieve = nativeKernels.function("sieve");
      fib = nativeKernels.function("fib");
      matmul = nativeKernels.function("matmul");
      nativeKernels.call("zlib_fill", SEED);
      deflate = nativeKernels.function("zlib_deflate");
      inflate = nativeKernels.function("zlib_inflate");
      deflate.call(ZLIB_BYTES);
      return;
    }
    module = Runtime.of(runtime).load(Fixtures.wasm("bench/kernels.wasm"));
    instance = module.instantiate();
    instance.function("fill").call(SEED);
    hash = instance.function("hash");
    sieve = instance.function("sieve");
    fib = instance.function("fib");
    matmul = instance.function("matmul");
    zlibModule = Runtime.of(runtime).load(Fixtures.wasm("bench/zlib.wasm"));
    zlib = zlibModule.instantiate();
    zlib.function("zlib_fill").call(SEED);
    deflate = zlib.function("zlib_deflate");
    inflate = zlib.function("zlib_inflate");
    deflate.call(ZLIB_BYTES); // what inflate decompresses
  }

  /** Releases the instance, module or native process. */
  @TearDown
  public void tearDown() {
    if (nativeKernels != null) {
      nativeKernels.close();
    }
    if (instance != null) {
      instance.close();
    }
    if (zlib != null) {
      zlib.close();
    }
    if (zlibModule != null) {
      zlibModule.close();
    }
    if (module != null) {
      module.close();
    }
  }

  /** FNV-1a over 1 MiB. */
  @Benchmark
  public long hash1MiB() {
    return hash.call(HASH_BYTES);
  }

  /** Primes up to 2^20. */
  @Benchmark
  public long sieve() {
    return sieve.call(SIEVE_N);
  }

  /** Recursive fib(27). */
  @Benchmark
  public long fib27() {
    return fib.call(FIB_N);
  }

  /** 128 x 128 f64 matrix product. */
  @Benchmark
  public long matmul128() {
    return matmul.call(MATRIX_N);
  }

  /** zlib compress2 of 1 MiB at level 6. */
  @Benchmark
  public long zlibDeflate1MiB() {
    return deflate.call(ZLIB_BYTES);
  }

  /** zlib uncompress back to 1 MiB, with its Adler-32. */
  @Benchmark
  public long zlibInflate1MiB() {
    return inflate.call(0);
  }
}
