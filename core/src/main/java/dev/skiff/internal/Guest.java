package dev.skiff.internal;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.wasm.ChicoryException;
import dev.skiff.GuestTimeoutException;
import dev.skiff.GuestTrapException;
import dev.skiff.SkiffException;
import dev.skiff.wasi.WasiExitException;

/** Turns what escapes from running guest code into Skiff's exceptions. */
public final class Guest {
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

  /** Translates a failure of guest code called as {@code what}. */
  public static RuntimeException translate(Throwable t, String what) {
    if (t instanceof SkiffException) {
      return (SkiffException) t;
    }
    if (t instanceof ChicoryInterruptedException || Thread.currentThread().isInterrupted()) {
      return new GuestTimeoutException(what + " was interrupted (timeout); the instance cannot be used again.", t);
    }
    if (t instanceof StackOverflowError) {
      return new GuestTrapException(what + " trapped: call stack exhausted (unbounded recursion?)", t);
    }
    if (t instanceof ChicoryException) {
      return new GuestTrapException(what + " trapped: " + t.getMessage(), t);
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
}
