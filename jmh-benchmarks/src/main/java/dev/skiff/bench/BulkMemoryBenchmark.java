package dev.skiff.bench;

import dev.skiff.bench.peers.PeerFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * {@code memory.copy} and {@code memory.fill} as a compute kernel ({@code fixtures/src/bench/bulk.c}):
 * {@link #ROUNDS} rounds of an overlapping 4 MiB memmove, a 64 KiB memset and 64 small memcpys, one
 * instance per trial, time per call. {@code native} is the same C with gcc -O2 and glibc.
 */
public class BulkMemoryBenchmark extends KernelBenchmark {
  /** Rounds per call: 64 MiB moved by memory.copy. */
  public static final int ROUNDS = 16;

  private PeerFunction bulk;

  /** Loads the kernel in the chosen runtime. */
  @Setup
  public void setUp() {
    open("bench/bulk.wasm");
    bulk = kernels.function("bulk");
  }

  /** One call; its checksum. */
  @Benchmark
  public long memoryCopyFill() {
    return bulk.call(ROUNDS);
  }
}
