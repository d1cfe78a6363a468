package dev.skiff.internal;

import dev.skiff.wasi.internal.FlatMemory;
import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Links the {@code invokedynamic} that the loads and stores of {@link FlatMemoryAccess} make in compiled
 * guest code (where {@link ShadedPatch} puts them in place of {@code FlatMemory.allExact()}) to
 * {@link FlatMemory#exactness}. C2 folds the site's constant target, so while every flat memory is
 * exact a Wasm load or store compiles to one array access and its bounds test, and the retargeting
 * that ends exactness deoptimizes that code.
 */
public final class MemoryExactness {
  private MemoryExactness() {}

  /**
   * The call site of {@link FlatMemory#exactness}; refuses any caller but compiled guest code, since the
   * site it hands out can be retargeted.
   *
   * @throws IllegalCallerException unless called by the JVM for a class of compiled guest code
   */
  public static CallSite site(MethodHandles.Lookup caller, String name, MethodType type) {
    CallSite site = FlatMemory.exactness();
    if (!ModuleCompiler.isGuestCodeLookup(caller) || !type.equals(site.type())) {
      throw new IllegalCallerException("the memory exactness call site is for compiled guest code only");
    }
    return site;
  }
}
