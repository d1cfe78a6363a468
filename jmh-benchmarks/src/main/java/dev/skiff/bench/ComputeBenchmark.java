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
 * Throughput of exported compute functions compiled from C, each reported on its own: from
 * {@code fixtures/src/bench/kernels.c}: FNV-1a over 1 MiB, a sieve up to 2^20, recursive fib(27) and a
 * 128 x 128 f64 matrix product ({@link ZlibBenchmark} has real zlib). One instance per trial, time
 * per call.
 * {@code native} is the same C built with gcc -O2, called over a pipe ({@link NativeRoundTripBenchmark}
 * measures that pipe on its own). {@code graalwasm} is added by scripts/bench on JDK 21+, and
 * {@code skiff-compiler-grown} in runs of its own.
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
  /** Seed of the hashed data. */
  public static final int SEED = 42;
  /** Matrix order. */
  public static final int MATRIX_N = 128;

  @Param({"skiff-compiler", "skiff-interpreter", "chicory-compiler", "chicory-interpreter", "wasmtime", "native"})
  public String runtime;

  private Kernels kernels;
  private PeerFunction hash;
  private PeerFunction sieve;
  private PeerFunction fib;
  private PeerFunction matmul;

  /** Loads the kernels in the chosen runtime and fills the hash input. */
  @Setup
  public void setUp() {
    kernels = Kernels.open(runtime, Fixtures.wasm("bench/kernels.wasm"));
    kernels.function("fill").call(SEED);
    hash = kernels.function("hash");
    sieve = kernels.function("sieve");
    fib = kernels.function("fib");
    matmul = kernels.function("matmul");
  }


  /** Releases the instance, module or native process. */
  @TearDown
  public void tearDown() {
    kernels.close();
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
}
