package dev.skiff.internal;

import com.dylibso.chicory.compiler.internal.Shaded;
import com.dylibso.chicory.runtime.Instance;

/**
 * The bodies that {@link ShadedPatch} puts in place of Chicory's global helpers, the static methods of
 * {@link Shaded} that compiled guest code calls for every {@code global.get} and {@code global.set} of
 * a number, and of the two it adds for the globals that only the module's code sees and that have no
 * typed helpers of their own ({@link PrivateGlobals}). Never called here: only this class's bytecode
 * is used. They find the global through {@link GlobalsMachine#global} instead of
 * {@link Instance#global}, or its value in the machine.
 */
final class GlobalAccess {
  private GlobalAccess() {}

  static long readGlobal(int index, Instance instance) {
    return GlobalsMachine.global(index, instance).getValue();
  }

  static void writeGlobal(long value, int index, Instance instance) {
    GlobalsMachine.global(index, instance).setValue(value);
  }

  static long readPrivateGlobal(int index, Instance instance) {
    return GlobalsMachine.privateValue(index, instance);
  }

  static void writePrivateGlobal(long value, int index, Instance instance) {
    GlobalsMachine.setPrivateValue(value, index, instance);
  }
}
