package dev.skiff.wasi.internal;

import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MutableCallSite;

/**
 * What one module's compiled guest code assumes of the flat memories it reads and writes: that each
 * one's array is exactly as long as the memory, so that a Wasm load or store needs only the array's own
 * bounds test. The code links {@link #site} through {@code invokedynamic}, whose constant target C2
 * folds with a dependency on the site. Each memory the code is given learns of the assumption
 * ({@link FlatMemory#reliedOnBy}), and a memory about to get an array longer than itself ends it first,
 * which deoptimizes that code once; from then on it tests each address against the memory's size.
 *
 * <p>One per compiled module, so that a guest that grows its heap page by page slows its own module's
 * code only, not every guest in the JVM. Once ended, ended for good. Thread-safe.
 */
public final class ExactnessAssumption {
  private final MutableCallSite site = new MutableCallSite(MethodHandles.constant(boolean.class, true));
  private volatile boolean holds = true;

  /**
   * The call site, {@code ()boolean}, whose constant target is {@link #holds}.
   *
   * @return the site
   */
  public CallSite site() {
    return site;
  }

  /**
   * Whether the code may still assume every memory it is given exact.
   *
   * @return false once a memory has ended the assumption
   */
  public boolean holds() {
    return holds;
  }

  /** Retargets {@link #site}, deoptimizing the code that folded it, before the caller lengthens an array. */
  synchronized void end() {
    if (holds) {
      site.setTarget(MethodHandles.constant(boolean.class, false));
      MutableCallSite.syncAll(new MutableCallSite[] {site});
      holds = false;
    }
  }
}
