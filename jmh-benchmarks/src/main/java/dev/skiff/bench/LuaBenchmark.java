package dev.skiff.bench;

import dev.skiff.bench.peers.PeerFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Setup;

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
public class LuaBenchmark extends KernelBenchmark {
  /** Records the script makes per call. */
  public static final int RECORDS = 10_000;

  private PeerFunction run;

  /** Loads Lua in the chosen runtime and compiles the script once. */
  @Setup
  public void setUp() {
    open("bench/lua.wasm");
    if (kernels.function("lua_setup").call(0) != 0) {
      throw new IllegalStateException("the Lua script did not load in " + runtime);
    }
    run = kernels.function("lua_run");
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
