package dev.skiff.internal;

import dev.skiff.wasi.internal.ExactnessAssumption;
import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Links the {@code invokedynamic} that the loads and stores of {@link FlatMemoryAccess} make in compiled
 * guest code (where {@link ShadedPatch} puts them in place of {@link #assumed}) to the
 * {@link ExactnessAssumption} of the module the code belongs to ({@link ModuleCompiler#factory} makes one
 * per module and gives it to each flat memory of the module's instances). C2 folds the site's constant
 * target, so while the module's memories are exact a Wasm load or store compiles to one array access
 * and its bounds test, and the retargeting that ends the assumption deoptimizes that module's code only.
 */
public final class MemoryExactness {
  private MemoryExactness() {}

  /**
   * Stands for the assumption in {@link FlatMemoryAccess}'s bytecode, where {@link ShadedPatch} replaces
   * each call of it by the {@code invokedynamic}; false, the answer always safe, in code it did not patch.
   */
  static boolean assumed() {
    return false;
  }

  /**
   * The call site of the assumption of the caller's module; refuses any caller but compiled guest code,
   * since the site it hands out can be retargeted.
   *
   * @throws IllegalCallerException unless called by the JVM for a class of compiled guest code
   */
  public static CallSite site(MethodHandles.Lookup caller, String name, MethodType type) {
    if (!ModuleCompiler.isGuestCodeLookup(caller) || !type.equals(MethodType.methodType(boolean.class))) {
      throw new IllegalCallerException("the memory exactness call site is for compiled guest code only");
    }
    return ModuleCompiler.exactnessOf(caller.lookupClass()).site();
  }
}
