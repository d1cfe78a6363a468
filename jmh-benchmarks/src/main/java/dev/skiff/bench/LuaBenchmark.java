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
 * An interpreter running a script, as a compute kernel: Debian 12's Lua 5.4.4 ({@code fixtures/lua})
 * running a script that builds, sorts, formats, matches and hashes {@link #RECORDS} records and makes
 * about 22,000 recursive calls, one instance (one Lua state) per trial, time per call. {@code native}
 * links Debian's liblua5.4 of the same version. Compiled runtimes only, like {@link ZlibBenchmark}.
 *
 * <p>{@link #luaScriptHugeMethodsCompiled} is the same run in a JVM with
 * {@code -XX:-DontCompileHugeMethods}: Lua's interpreter loop ({@code luaV_execute}) and three more of
 * its functions compile to methods of more than 8,000 bytes of bytecode, which HotSpot by default never
 * JIT-compiles (Skiff logs such functions when it loads the code).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m"})
public class LuaBenchmark {
  /** Records the script makes per call. */
  public static final int RECORDS = 10_000;

  @Param({"skiff-compiler", "chicory-compiler", "wasmtime", "native"})
  public String runtime;

  private Kernels kernels;
  private PeerFunction run;

  /** Loads Lua in the chosen runtime and compiles the script once. */
  @Setup
  public void setUp() {
    kernels = Kernels.open(runtime, Fixtures.wasm("bench/lua.wasm"));
    if (kernels.function("lua_setup").call(0) != 0) {
      throw new IllegalStateException("the Lua script did not load in " + runtime);
    }
    run = kernels.function("lua_run");
  }

  /** Releases the instance, module or native process. */
  @TearDown
  public void tearDown() {
    kernels.close();
  }

  /** One run of the script; its checksum. */
  @Benchmark
  public long luaScript() {
    return run.call(RECORDS);
  }

  /** One run of the script in a JVM that JIT-compiles methods of any size. */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"-Xss8m", "-XX:-DontCompileHugeMethods"})
  public long luaScriptHugeMethodsCompiled() {
    return run.call(RECORDS);
  }
}
