package dev.skiff.internal;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import dev.skiff.GuestTimeoutException;
import dev.skiff.GuestTrapException;
import dev.skiff.SkiffException;
import dev.skiff.wasi.WasiExitException;
import java.util.ArrayList;
import java.util.List;

/** Turns what escapes from running guest code into Skiff's exceptions. */
public final class Guest {
  /** Wasm frames named in a trap's message; deeper ones (a runaway recursion) are left out. */
  private static final int MAX_FRAMES = 8;

  private Guest() {}

  /** The {@link WasiExitException} in {@code t}'s cause chain, or null. */
  public static WasiExitException exitOf(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof WasiExitException) {
        return (WasiExitException) c;
      }
    }
    return null;
  }

  /** Translates a failure of guest code of {@code module} called as {@code what}. */
  public static RuntimeException translate(Throwable t, String what, WasmModule module) {
    if (t instanceof SkiffException) {
      return (SkiffException) t;
    }
    if (t instanceof ChicoryInterruptedException || Thread.currentThread().isInterrupted()) {
      return new GuestTimeoutException(what + " was interrupted (timeout); the instance cannot be used again.", t);
    }
    if (t instanceof StackOverflowError) {
      return new GuestTrapException(what + " trapped: call stack exhausted (unbounded recursion?)"
          + backtrace(t, module), t);
    }
    if (t instanceof ChicoryException) {
      return new GuestTrapException(what + " trapped: " + t.getMessage() + backtrace(t, module), t);
    }
    if (t instanceof OutOfMemoryError) {
      return new GuestTrapException(what + " trapped: the JVM ran out of memory for the guest", t);
    }
    if (t instanceof RuntimeException) {
      return (RuntimeException) t; // the caller's own host function failed: hand its exception back
    }
    if (t instanceof Error) {
      throw (Error) t;
    }
    return new GuestTrapException(what + " failed: " + t, t);
  }

  /**
   * The Wasm functions on the stack of a trap, innermost first, as
   * {@code " (in Wasm f at src/a.c:7 <- g at src/a.c:13 <- _start)"}. The interpreter records its
   * frames on the failure (see {@link FrameRecordingInterpreter}), with the instruction, so the
   * module's DWARF gives each frame's file and line; compiled code shows them as Java frames of
   * methods that Chicory's compiler names {@code func_N}, without the instruction, so DWARF gives
   * the file alone ({@code f in src/a.c}).
   */
  static String backtrace(Throwable t, WasmModule module) {
    List<String> frames = new ArrayList<>();
    FrameRecordingInterpreter.Frames recorded = FrameRecordingInterpreter.Frames.of(t);
    if (recorded != null) {
      DwarfLines lines = module == null ? null : DwarfLines.of(module);
      for (int i = 0; i < recorded.functions.size(); i++) {
        int function = recorded.functions.get(i);
        // the program counter is past the running instruction: the trap, or the call in a caller
        String at = lines == null ? null : lines.at(module, function, recorded.pcs.get(i) - 1);
        frames.add(functionName(module, function) + (at == null ? "" : " at " + at));
      }
      if (recorded.more > 0) {
        frames.add("... " + recorded.more + " more");
      }
    } else {
      DwarfLines lines = module == null ? null : DwarfLines.of(module);
      for (StackTraceElement e : t.getStackTrace()) {
        String method = e.getMethodName();
        if (e.getClassName().startsWith("com.dylibso.chicory.$gen.") && method.matches("func_\\d{1,9}")) {
          if (frames.size() == MAX_FRAMES) {
            frames.add("...");
            break;
          }
          int function = Integer.parseInt(method.substring(5));
          // compiled frames carry no instruction: the function's own first row gives its file only
          String at = lines == null ? null : lines.at(module, function, 0);
          frames.add(functionName(module, function) + (at == null ? "" : " in " + at.substring(0, at.lastIndexOf(':'))));
        }
      }
    }
    return frames.isEmpty() ? "" : " (in Wasm " + String.join(" <- ", frames) + ")";
  }

  /** The name section's name, else an export's name, else {@code func N}. */
  private static String functionName(WasmModule module, int index) {
    if (module != null) {
      if (module.nameSection() != null && module.nameSection().nameOfFunction(index) != null) {
        return module.nameSection().nameOfFunction(index);
      }
      for (Export e : Modules.exports(module)) {
        if (e.exportType() == ExternalType.FUNCTION && e.index() == index) {
          return e.name();
        }
      }
    }
    return "func " + index;
  }
}
