package dev.skiff.bench.peers;

import java.io.OutputStream;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The few GraalVM polyglot calls the GraalWasm benchmarks need, made reflectively: the module is Java
 * 17 bytecode and builds on JDK 17, while GraalWasm 25 only runs on JDK 21+ (its jars join the class
 * path through the {@code graalwasm} Maven profile). Methods are looked up once; a reflective call
 * costs tens of nanoseconds, far below the microseconds of the work measured.
 */
public final class Polyglot {
  private static final Class<?> ENGINE = load("org.graalvm.polyglot.Engine");
  private static final Class<?> CONTEXT = load("org.graalvm.polyglot.Context");
  private static final Class<?> CONTEXT_BUILDER = load("org.graalvm.polyglot.Context$Builder");
  private static final Class<?> ENGINE_BUILDER = load("org.graalvm.polyglot.Engine$Builder");
  private static final Class<?> SOURCE = load("org.graalvm.polyglot.Source");
  private static final Class<?> SOURCE_BUILDER = load("org.graalvm.polyglot.Source$Builder");
  private static final Class<?> BYTE_SEQUENCE = load("org.graalvm.polyglot.io.ByteSequence");
  static final Class<?> VALUE = load("org.graalvm.polyglot.Value");

  private static final Method EXECUTE = method(VALUE, "execute", Object[].class);
  private static final Method GET_MEMBER = method(VALUE, "getMember", String.class);
  private static final Method AS_LONG = method(VALUE, "asLong");
  private static final Method IS_NUMBER = method(VALUE, "isNumber");
  private static final Method NEW_INSTANCE = method(VALUE, "newInstance", Object[].class);
  private static final Method CAN_INSTANTIATE = method(VALUE, "canInstantiate");
  private static final Method HAS_MEMBER = method(VALUE, "hasMember", String.class);
  private static final Method WRITE_BUFFER_BYTE = method(VALUE, "writeBufferByte", long.class, byte.class);
  private static final Method READ_BUFFER = method(VALUE, "readBuffer", long.class, byte[].class, int.class, int.class);
  private static final Method CLOSE_CONTEXT = method(CONTEXT, "close");
  private static final Method CLOSE_ENGINE = method(ENGINE, "close");
  private static final Method EVAL = method(CONTEXT, "eval", SOURCE);

  private Polyglot() {}

  /** Whether GraalWasm is on the class path (JDK 21+ with the graalwasm profile). */
  public static boolean available() {
    return ENGINE != null;
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name);
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }

  private static Method method(Class<?> type, String name, Class<?>... params) {
    if (type == null) {
      return null;
    }
    for (Class<?> p : params) {
      if (p == null) {
        return null;
      }
    }
    try {
      return type.getMethod(name, params);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("GraalVM polyglot API has no " + type.getName() + "." + name, e);
    }
  }

  private static void requireAvailable() {
    if (!available()) {
      throw new IllegalStateException("GraalWasm is not on the class path: it needs JDK 21+ and the "
          + "graalwasm Maven profile (active on JDK 21+); scripts/bench runs it on Temurin 25");
    }
  }

  static Object invoke(Method m, Object target, Object... args) {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IllegalStateException(cause);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A shared polyglot engine for {@code wasm} (keeps compiled code across contexts). */
  public static Object newEngine() {
    requireAvailable();
    Object builder = invoke(method(ENGINE, "newBuilder", String[].class), null, (Object) new String[] {"wasm"});
    // The JIT is enabled by JVM flags (see scripts/bench); without them this warning says so once.
    return invoke(method(ENGINE_BUILDER, "build"), builder);
  }

  /** A wasm {@code Source} of these bytes. */
  public static Object source(byte[] bytes, String name) {
    requireAvailable();
    Object sequence = invoke(method(BYTE_SEQUENCE, "create", byte[].class), null, (Object) bytes);
    Object builder = invoke(method(SOURCE, "newBuilder", String.class, BYTE_SEQUENCE, String.class),
        null, "wasm", sequence, name);
    return invoke(method(SOURCE_BUILDER, "build"), builder);
  }

  /**
   * A context on {@code engine} (null: its own engine); with {@code wasi}, the WASI preview1 builtins
   * with these arguments and stdout/stderr to {@code out}, and host directories preopened.
   */
  public static Object newContext(Object engine, boolean wasi, String[] args, OutputStream out,
      String[] preopens) {
    requireAvailable();
    Object builder = invoke(method(CONTEXT, "newBuilder", String[].class), null, (Object) new String[] {"wasm"});
    if (engine != null) {
      invoke(method(CONTEXT_BUILDER, "engine", ENGINE), builder, engine);
    }
    if (wasi) {
      invoke(method(CONTEXT_BUILDER, "option", String.class, String.class), builder,
          "wasm.Builtins", "wasi_snapshot_preview1");
      invoke(method(CONTEXT_BUILDER, "arguments", String.class, String[].class), builder, "wasm", args);
      invoke(method(CONTEXT_BUILDER, "out", OutputStream.class), builder, out);
      invoke(method(CONTEXT_BUILDER, "err", OutputStream.class), builder, out);
      if (preopens.length > 0) {
        invoke(method(CONTEXT_BUILDER, "allowIO", boolean.class), builder, true);
        invoke(method(CONTEXT_BUILDER, "option", String.class, String.class), builder,
            "wasm.WasiMapDirs", String.join(",", preopens));
      }
    }
    return invoke(method(CONTEXT_BUILDER, "build"), builder);
  }

  /** Evaluates the module and instantiates it; returns the exports object. */
  public static Object instantiate(Object context, Object source) {
    Object module = invoke(EVAL, context, source);
    Object instance = (Boolean) invoke(CAN_INSTANTIATE, module)
        ? invoke(NEW_INSTANCE, module, (Object) new Object[0]) : module;
    return (Boolean) invoke(HAS_MEMBER, instance, "exports") ? invoke(GET_MEMBER, instance, "exports") : instance;
  }

  /** {@code value.getMember(name)}. */
  public static Object member(Object value, String name) {
    Object member = invoke(GET_MEMBER, value, name);
    if (member == null) {
      throw new IllegalArgumentException("no member " + name);
    }
    return member;
  }

  /** Executes a function value; returns its number result as a long, or 0 for void. */
  public static long execute(Object function, Object... args) {
    Object result = invoke(EXECUTE, function, (Object) args);
    return (Boolean) invoke(IS_NUMBER, result) ? (Long) invoke(AS_LONG, result) : 0;
  }

  /** Writes bytes into a buffer value (a Wasm memory). */
  public static void writeBuffer(Object buffer, int address, byte[] bytes) {
    for (int i = 0; i < bytes.length; i++) {
      invoke(WRITE_BUFFER_BYTE, buffer, (long) address + i, bytes[i]);
    }
  }

  /** Reads bytes from a buffer value (a Wasm memory). */
  public static byte[] readBuffer(Object buffer, int address, int length) {
    byte[] out = new byte[length];
    invoke(READ_BUFFER, buffer, (long) address, out, 0, length);
    return out;
  }

  /** Closes a context. */
  public static void closeContext(Object context) {
    invoke(CLOSE_CONTEXT, context);
  }

  /** Closes an engine. */
  public static void closeEngine(Object engine) {
    invoke(CLOSE_ENGINE, engine);
  }

  /** Whether {@code e} is GraalVM's PolyglotException for a guest exit with {@code code}. */
  public static boolean isExit(RuntimeException e, int code) {
    if (!e.getClass().getName().equals("org.graalvm.polyglot.PolyglotException")) {
      return false;
    }
    try {
      boolean exit = (Boolean) e.getClass().getMethod("isExit").invoke(e);
      return exit && (Integer) e.getClass().getMethod("getExitStatus").invoke(e) == code;
    } catch (ReflectiveOperationException r) {
      return false;
    }
  }

  static Object array(int... values) {
    Object[] out = (Object[]) Array.newInstance(Object.class, values.length);
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
