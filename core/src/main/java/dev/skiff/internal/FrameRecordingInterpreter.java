package dev.skiff.internal;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.MStack;
import com.dylibso.chicory.runtime.StackFrame;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Chicory's interpreter, noting the Wasm frames a trap unwinds through. The interpreter's Java stack
 * shows no Wasm functions, so each {@code eval} (one per Wasm call) that a failure passes records its
 * frame (function index and instruction) on a {@link Frames} attached to the failure, innermost first.
 * Nothing is done unless something is thrown.
 */
public final class FrameRecordingInterpreter extends InterpreterMachine {
  /** Frames recorded per failure; deeper ones (a runaway recursion) are only counted. */
  static final int MAX_FRAMES = 8;

  public FrameRecordingInterpreter(Instance instance) {
    super(instance);
  }

  @Override
  protected void eval(MStack stack, Instance instance, Deque<StackFrame> callStack) {
    try {
      super.eval(stack, instance, callStack);
    } catch (RuntimeException | StackOverflowError e) {
      record(e, callStack.peek());
      throw e;
    }
  }

  private static void record(Throwable failure, StackFrame frame) {
    if (frame == null || failure instanceof dev.skiff.wasi.WasiExitException) {
      return;
    }
    try {
      Frames frames = Frames.of(failure);
      if (frames == null) {
        frames = new Frames();
        failure.addSuppressed(frames);
      }
      if (frames.functions.size() < MAX_FRAMES) {
        // StackFrame hides its fields; its toString is "name[index]\n\tpc=N locals=[...]"
        String s = frame.toString();
        int pcAt = s.indexOf("]\n\tpc=");
        int open = s.lastIndexOf('[', pcAt);
        int end = s.indexOf(' ', pcAt);
        frames.functions.add(Integer.parseInt(s.substring(open + 1, pcAt)));
        frames.pcs.add(Integer.parseInt(s.substring(pcAt + 6, end)));
      } else {
        frames.more++;
      }
    } catch (RuntimeException | StackOverflowError ignored) {
      // recording is best effort: the guest's failure is what must reach the caller
    }
  }

  /** The Wasm frames a failure unwound through, innermost first; attached as a suppressed exception. */
  static final class Frames extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Function indexes (imports included). */
    final List<Integer> functions = new ArrayList<>();
    /** The frame's program counter: the index after the instruction that was running. */
    final List<Integer> pcs = new ArrayList<>();
    /** Frames beyond {@link #MAX_FRAMES}. */
    int more;

    Frames() {
      super("Wasm frames", null, false, false);
    }

    static Frames of(Throwable t) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        for (Throwable s : c.getSuppressed()) {
          if (s instanceof Frames) {
            return (Frames) s;
          }
        }
      }
      return null;
    }
  }
}
