package dev.skiff.bench;

import dev.skiff.bench.peers.PeerFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Setup;

/**
 * Queries on an in-memory database, as a compute kernel: Debian 12's SQLite 3.40.1
 * ({@code fixtures/sqlite}) building a table of {@link #ROWS} rows in one transaction, indexing it
 * and running lookups, a range scan, aggregates, a join and string functions on it, a fresh database
 * per call, one instance per trial, time per call. {@code native} links Debian's libsqlite3 of the
 * same version. Compiled runtimes only, like {@link ZlibBenchmark}.
 *
 * <p>{@link #sqliteQueriesHugeMethodsCompiled} is the same run in a JVM with
 * {@code -XX:-DontCompileHugeMethods}: SQLite's bytecode engine ({@code sqlite3VdbeExec}) and sixteen
 * more of its functions compile to methods above HotSpot's 8,000-byte limit. The engine itself is too
 * large for C1 and C2 even then ("out of virtual registers", "out of nodes"), so it stays interpreted.
 */
public class SqliteBenchmark extends KernelBenchmark {
  /** Rows of the table each call builds and queries. */
  public static final int ROWS = 2_000;

  private PeerFunction run;

  /** Loads SQLite in the chosen runtime. */
  @Setup
  public void setUp() {
    open("bench/sqlite.wasm");
    run = kernels.function("sqlite_run");
  }

  /** One database built and queried; the checksum of its results. */
  @Benchmark
  public long sqliteQueries() {
    return run.call(ROWS);
  }

  /** The same in a JVM that JIT-compiles methods of any size. */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"-Xss8m", "-XX:-DontCompileHugeMethods"})
  public long sqliteQueriesHugeMethodsCompiled() {
    return run.call(ROWS);
  }
}
