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
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m"})
public class SqliteBenchmark {
  /** Rows of the table each call builds and queries. */
  public static final int ROWS = 2_000;

  @Param({"skiff-compiler", "chicory-compiler", "wasmtime", "native"})
  public String runtime;

  private Kernels kernels;
  private PeerFunction run;

  /** Loads SQLite in the chosen runtime. */
  @Setup
  public void setUp() {
    kernels = Kernels.open(runtime, Fixtures.wasm("bench/sqlite.wasm"));
    run = kernels.function("sqlite_run");
  }

  /** Releases the instance, module or native process. */
  @TearDown
  public void tearDown() {
    kernels.close();
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
