package dev.skiff.internal;

import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;

/**
 * The machine of an instance of compiled code: Chicory's generated machine, plus the instance's globals
 * (imported ones first, as Wasm numbers them) in one array that the global helpers of
 * {@link GlobalAccess} read. Chicory's helpers find a global through {@link Instance#global}, an
 * import-count test, a subtraction and a range test in 75 bytes of bytecode that C2 often leaves as a
 * call in large guest functions; wasm-ld's stack pointer is read and written by most C functions and
 * the scratch globals of {@link FunctionSplitter} by every part, so that lookup was 17-21% of the
 * samples of split Lua and SQLite. The globals of {@link PrivateGlobals}, which no one but the
 * module's code sees, live in a second array, of their values.
 *
 * <p>The arrays are filled on the first call into the instance: Chicory builds the machine before it
 * creates the globals (and sets their initial values), and compiled code runs only inside a call (the
 * start function's too). An instance's globals never change identity once created; this assumes the
 * instance is initialized once, on build, as Skiff's always are.
 */
public final class GlobalsMachine implements Machine {
  private final Machine compiled;
  private final Instance instance;
  /** Globals by Wasm index, filled by {@link #call} before any compiled code runs. */
  private final GlobalInstance[] globals;
  /**
   * The values of the globals that only the module's own code sees (see {@link PrivateGlobals}), by
   * Wasm index, taken from the instance's globals on the first call; the other entries are unused.
   */
  private final long[] values;
  private volatile boolean filled;

  GlobalsMachine(Machine compiled, Instance instance) {
    this.compiled = compiled;
    this.instance = instance;
    this.globals = new GlobalInstance[instance.globalCount()]; // Chicory sizes its own array before it builds the machine
    this.values = new long[globals.length];
  }

  /**
   * Global {@code index} of {@code instance}, for compiled guest code. 30 bytes of bytecode, under C2's
   * {@code MaxInlineSize} (35), so it is inlined even at call sites that are not hot; an instance with
   * another machine takes Chicory's lookup.
   */
  public static GlobalInstance global(int index, Instance instance) {
    Machine machine = instance.getMachine();
    return machine instanceof GlobalsMachine ? ((GlobalsMachine) machine).globals[index] : instance.global(index);
  }

  /**
   * The value of private global {@code index} of {@code instance}, for compiled guest code. Only code
   * that {@link PrivateGlobals} rewrote calls it, which runs under a {@code GlobalsMachine} (see
   * {@link ModuleCompiler#factory}); kept under C2's {@code MaxInlineSize} (35 bytes), so that it is
   * inlined at call sites that are not hot too.
   */
  public static long privateValue(int index, Instance instance) {
    return ((GlobalsMachine) instance.getMachine()).values[index];
  }

  /** Sets private global {@code index} of {@code instance}, for compiled guest code, as {@link #privateValue}. */
  public static void setPrivateValue(long value, int index, Instance instance) {
    ((GlobalsMachine) instance.getMachine()).values[index] = value;
  }

  /**
   * The value of global {@code index} of {@code instance} in its global instance: what the private
   * globals' helpers call instead of {@link #privateValue} in a module whose globals all stay there
   * ({@link PrivateGlobals#settle}).
   */
  public static long globalValue(int index, Instance instance) {
    return global(index, instance).getValue();
  }

  /** Sets global {@code index} of {@code instance} in its global instance, as {@link #globalValue}. */
  public static void setGlobalValue(long value, int index, Instance instance) {
    global(index, instance).setValue(value);
  }

  @Override
  public long[] call(int funcId, long[] args) {
    if (!filled) {
      fill();
    }
    return compiled.call(funcId, args);
  }

  /** Once: a second fill would overwrite values the first call has set. */
  private synchronized void fill() {
    if (filled) {
      return;
    }
    for (int i = 0; i < globals.length; i++) {
      globals[i] = instance.global(i);
      values[i] = globals[i].getValue();
    }
    filled = true; // volatile: a thread that sees it set sees the arrays filled
  }
}
