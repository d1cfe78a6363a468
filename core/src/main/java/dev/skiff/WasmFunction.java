package dev.skiff;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.Objects;

/**
 * An exported function of a {@link WasmInstance}, called with Java numbers converted to the function's
 * parameter types. With a timeout in the instance's limits, each call runs on a Skiff guest thread that
 * is interrupted at the timeout; without one, it runs on the caller's thread.
 *
 * <pre>{@code
 * int sum = instance.function("add").callInt(2, 3);
 * }</pre>
 */
public final class WasmFunction {
  private final WasmInstance owner;
  private final String name;
  private final ExportFunction export;
  private final FunctionType type;

  WasmFunction(WasmInstance owner, String name, ExportFunction export, FunctionType type) {
    this.owner = owner;
    this.name = name;
    this.export = export;
    this.type = type;
  }

  /**
   * The export name.
   *
   * @return the export name
   */
  public String name() {
    return name;
  }

  /**
   * The Wasm signature, for example {@code (i32,i32) -> (i32)}.
   *
   * @return the Wasm signature, for example {@code (i32,i32) -> (i32)}
   */
  public String signature() {
    return type.toString();
  }

  /**
   * Calls with raw Wasm values (i32 as long, floats as raw bits) and returns the raw results.
   *
   * @param args the arguments, one per parameter; an {@code i32} or {@code f32} must fit in 32 bits
   *     (signed or unsigned)
   * @return the raw results
   * @throws IllegalArgumentException if the count of arguments differs from the signature's, or a
   *     32-bit parameter gets a value that does not fit
   * @throws GuestTrapException the guest trapped; the instance must not be used again
   * @throws GuestTimeoutException the call ran longer than the runner's timeout
   */
  public long[] callRaw(long... args) {
    checkArity(Objects.requireNonNull(args, "args").length);
    for (int i = 0; i < args.length; i++) {
      ValType t = type.params().get(i);
      if ((t.equals(ValType.I32) || t.equals(ValType.F32)) && (args[i] < Integer.MIN_VALUE || args[i] > 0xFFFF_FFFFL)) {
        throw new IllegalArgumentException("Export '" + name + "' " + type + ": parameter " + i + " is " + t
            + ", but " + args[i] + " does not fit in 32 bits");
      }
    }
    return owner.invoke(name, export, args);
  }

  private void checkArity(int given) {
    if (given != type.params().size()) {
      throw new IllegalArgumentException("Export '" + name + "' takes " + type.params().size()
          + " argument(s) " + type + ", got " + given);
    }
  }

  /**
   * Calls a function that returns nothing or whose results are ignored.
   *
   * @param args the arguments
   * @throws IllegalArgumentException if the arguments do not match the signature
   * @throws GuestTrapException the guest trapped; the instance must not be used again
   * @throws GuestTimeoutException the call ran longer than the runner's timeout
   */
  public void callVoid(Number... args) {
    callRaw(convert(args));
  }

  /**
   * Calls a function returning an {@code i32}.
   *
   * @param args the arguments
   * @return the {@code i32} result
   * @throws IllegalArgumentException if the arguments do not match the signature, or it has no single
   *     {@code i32} result
   * @throws GuestTrapException the guest trapped; the instance must not be used again
   * @throws GuestTimeoutException the call ran longer than the runner's timeout
   */
  public int callInt(Number... args) {
    return (int) single(ValType.I32, args);
  }

  /**
   * Calls a function returning an {@code i64}.
   *
   * @param args the arguments
   * @return the {@code i64} result
   * @throws IllegalArgumentException if the arguments do not match the signature, or it has no single
   *     {@code i64} result
   * @throws GuestTrapException the guest trapped; the instance must not be used again
   * @throws GuestTimeoutException the call ran longer than the runner's timeout
   */
  public long callLong(Number... args) {
    return single(ValType.I64, args);
  }

  /**
   * Calls a function returning an {@code f32}.
   *
   * @param args the arguments
   * @return the {@code f32} result
   * @throws IllegalArgumentException if the arguments do not match the signature, or it has no single
   *     {@code f32} result
   * @throws GuestTrapException the guest trapped; the instance must not be used again
   * @throws GuestTimeoutException the call ran longer than the runner's timeout
   */
  public float callFloat(Number... args) {
    return Float.intBitsToFloat((int) single(ValType.F32, args));
  }

  /**
   * Calls a function returning an {@code f64}.
   *
   * @param args the arguments
   * @return the {@code f64} result
   * @throws IllegalArgumentException if the arguments do not match the signature, or it has no single
   *     {@code f64} result
   * @throws GuestTrapException the guest trapped; the instance must not be used again
   * @throws GuestTimeoutException the call ran longer than the runner's timeout
   */
  public double callDouble(Number... args) {
    return Double.longBitsToDouble(single(ValType.F64, args));
  }

  private long single(ValType expected, Number... args) {
    if (type.returns().size() != 1 || !type.returns().get(0).equals(expected)) {
      throw new IllegalArgumentException("Export '" + name + "' has signature " + type
          + ", not a single " + expected + " result");
    }
    return callRaw(convert(args))[0];
  }

  private long[] convert(Number... args) {
    checkArity(Objects.requireNonNull(args, "args").length);
    long[] raw = new long[args.length];
    for (int i = 0; i < args.length; i++) {
      ValType t = type.params().get(i);
      Number n = Objects.requireNonNull(args[i], "argument " + i);
      if (t.equals(ValType.I32)) {
        raw[i] = n.intValue();
      } else if (t.equals(ValType.I64)) {
        raw[i] = n.longValue();
      } else if (t.equals(ValType.F32)) {
        raw[i] = Float.floatToRawIntBits(n.floatValue());
      } else if (t.equals(ValType.F64)) {
        raw[i] = Double.doubleToRawLongBits(n.doubleValue());
      } else {
        throw new IllegalArgumentException("Export '" + name + "' parameter " + i + " has type " + t
            + "; use callRaw");
      }
    }
    return raw;
  }

  @Override
  public String toString() {
    return "WasmFunction{" + name + " " + type + "}";
  }
}
