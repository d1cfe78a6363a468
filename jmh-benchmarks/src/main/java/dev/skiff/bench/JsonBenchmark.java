package dev.skiff.bench;

import dev.skiff.bench.peers.PeerFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * Real code as a compute kernel: Debian 12's cJSON 1.7.15 ({@code fixtures/cjson}) parsing a JSON
 * document of 2,000 records (about 250 KB), walking it, changing every tenth record and printing it
 * again, one instance per trial, time per call. {@code native} links Debian's libcjson of the same
 * version. Compiled runtimes only, as for zlib.
 */
public class JsonBenchmark extends KernelBenchmark {
  /** Records in the document. */
  public static final int RECORDS = 2000;

  private PeerFunction run;

  /** Loads cJSON in the chosen runtime and writes the document. */
  @Setup
  public void setUp() {
    open("bench/json.wasm");
    kernels.function("json_fill").call(RECORDS);
    run = kernels.function("json_run");
  }

  /** Parse, walk, change and print the document; the checksum of what was printed. */
  @Benchmark
  public long jsonRoundTrip() {
    return run.call(0);
  }
}
