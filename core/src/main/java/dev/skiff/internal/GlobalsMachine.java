package dev.skiff.internal;

import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The machine of an instance of compiled code: Chicory's generated machine, plus the instance's globals
 * (imported ones first, as Wasm numbers them) in one array that the global helpers of
 * {@link GlobalAccess} read. Chicory's helpers find a global through {@link Instance#global}, an
 * import-count test, a subtraction and a range test in 75 bytes of bytecode that C2 often leaves as a
 * call in large guest functions; wasm-ld's stack pointer is read and written by most C functions and
 * the scratch globals of {@link FunctionSplitter} by every part, so that lookup was 17-21% of the
 * samples of split Lua and SQLite. The globals of {@link PrivateGlobals}, which no one but the
 * module's code sees, live in a second array, of their values, but for the first {@link #INT_FIELDS}
 * typed i32 ones, which live in the machine's own int fields ({@code i0} to {@code i31}).
 *
 * <p>The arrays and the int fields are filled on the first call into the instance: Chicory builds the machine before it
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
  /** The private i32 globals held in the int fields, by field: {@code i0} holds global {@code intFields[0]}. */
  private final int[] intFields;
  private volatile boolean filled;

  /**
   * Private i32 globals the machine holds in fields of its own, at most (split SQLite has 19, Lua 11).
   * The generated code's helpers read the fields, so the compiled code's namespace names this count.
   */
  static final int INT_FIELDS = 32;

  /**
   * The int fields, each one global's value: a typed helper of {@link PrivateGlobals} reads one as
   * {@code ((GlobalsMachine) instance.getMachine()).iN}, a load fewer than the array's element, and
   * no range test. The scratch globals through which {@link FunctionSplitter}'s parts hand back their
   * outputs are read after every call of a part, from a machine that the call forces C2 to load anew.
   */
  public int i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13, i14, i15;

  /** See {@link #i0}. */
  public int i16, i17, i18, i19, i20, i21, i22, i23, i24, i25, i26, i27, i28, i29, i30, i31;

  /** The int fields by number, for {@link #fill}. */
  private static final VarHandle[] INTS = new VarHandle[INT_FIELDS];

  static {
    try {
      for (int n = 0; n < INT_FIELDS; n++) {
        INTS[n] = MethodHandles.lookup().findVarHandle(GlobalsMachine.class, "i" + n, int.class);
      }
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * The machine of {@code instance}, whose private i32 globals {@code intFields} (at most
   * {@link #INT_FIELDS}, as {@link PrivateGlobals#intFields} lists them) live in its int fields; the
   * array is the factory's, shared by its machines and never changed.
   */
  GlobalsMachine(Machine compiled, Instance instance, int[] intFields) {
    if (intFields.length > INT_FIELDS) {
      throw new IllegalArgumentException(intFields.length + " int fields, of " + INT_FIELDS);
    }
    this.compiled = compiled;
    this.instance = instance;
    this.intFields = intFields;
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
    for (int n = 0; n < intFields.length; n++) {
      INTS[n].set(this, (int) values[intFields[n]]);
    }
    filled = true; // volatile: a thread that sees it set sees the arrays and fields filled
  }
}
