package dev.skiff.internal;

import com.dylibso.chicory.compiler.internal.Shaded;
import com.dylibso.chicory.runtime.Instance;

/**
 * The bodies that {@link ShadedPatch} puts in place of Chicory's global helpers, the static methods of
 * {@link Shaded} that compiled guest code calls for every {@code global.get} and {@code global.set} of
 * a number. Never called here: only this class's bytecode is used. They find the global through
 * {@link GlobalsMachine#global} instead of {@link Instance#global}.
 */
final class GlobalAccess {
  private GlobalAccess() {}

  static long readGlobal(int index, Instance instance) {
    return GlobalsMachine.global(index, instance).getValue();
  }

  static void writeGlobal(long value, int index, Instance instance) {
    GlobalsMachine.global(index, instance).setValue(value);
  }
}
