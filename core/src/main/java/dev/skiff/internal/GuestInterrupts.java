package dev.skiff.internal;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;

/**
 * How Skiff stops a guest: by interrupting its thread, which compiled guest code notices at its next
 * loop back-edge or call, where it invokes the call site of {@link #CHECK} (an {@code invokedynamic}
 * bootstrapped by {@link #checkSite}, see {@link ShadedPatch#rewrite}). Chicory's own check
 * there reads the thread's volatile interrupt flag every time, and that read keeps C2 from moving the
 * memory's array and size out of the loop: the sieve benchmark ran about 1.3x slower with it. The site
 * costs nothing while no stop of ours is pending: its target is a no-op, which C2 compiles to nothing
 * (with a dependency on the target). {@link #hold} (and {@link #interrupt}) points it at the real check
 * and deoptimizes the compiled code that inlined the no-op, so every guest checks its flag from then on;
 * when the last stopped guest has ended ({@link #release}), the no-op comes back.
 *
 * <p>So a thread interrupted by anyone but Skiff stops its compiled guest only if some stop of Skiff's
 * happens to be pending (anywhere in the JVM); it does stop a guest in Chicory's interpreter
 * ({@code Engine.INTERPRETER}, or functions too large to compile) or in a host call that blocks.
 * Timeouts and output caps go through here. Each hold and each release deoptimizes the compiled
 * guest code of the JVM once, so stops are meant to be rare (a timeout, a runaway output).
 */
public final class GuestInterrupts {
  private static final MethodHandle NO_CHECK = MethodHandles.empty(MethodType.methodType(void.class));
  private static final MethodHandle FLAG_CHECK;
  private static final MutableCallSite SITE = new MutableCallSite(NO_CHECK);
  /**
   * The check, {@code ()void}: what {@code Shaded.checkInterruption} in compiled guest code invokes,
   * where {@link ShadedPatch#rewrite} left the call to it.
   */
  public static final MethodHandle CHECK = SITE.dynamicInvoker();
  private static int pending; // guarded by the class

  static {
    try {
      FLAG_CHECK = MethodHandles.lookup().findStatic(GuestInterrupts.class, "throwIfInterrupted",
          MethodType.methodType(void.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private GuestInterrupts() {}

  /**
   * Links compiled guest code's {@code invokedynamic} checks to the call site of {@link #CHECK}; refuses
   * any other caller, since the site it hands out can be retargeted.
   *
   * @throws IllegalCallerException unless called by the JVM for a class of compiled guest code
   */
  public static CallSite checkSite(MethodHandles.Lookup caller, String name, MethodType type) {
    if (!ModuleCompiler.isGuestCodeLookup(caller) || !type.equals(SITE.type())) {
      throw new IllegalCallerException("the interrupt check's call site is for compiled guest code only");
    }
    return SITE;
  }

  /**
   * Interrupts {@code thread} to stop the guest it runs. The caller must {@link #release} once that
   * guest has ended (returned, trapped or seen the interrupt): until then every guest checks its
   * thread's flag.
   */
  public static void interrupt(Thread thread) {
    hold();
    thread.interrupt();
  }

  /**
   * Makes every guest check its thread's interrupt flag until {@link #release}, for a caller that
   * interrupts a guest's thread itself.
   */
  public static synchronized void hold() {
    if (pending++ == 0) {
      retarget(FLAG_CHECK);
    }
  }

  /** Ends one {@link #interrupt} or {@link #hold}: its guest is no longer running. */
  public static synchronized void release() {
    if (pending <= 0) {
      throw new IllegalStateException("release without hold");
    }
    if (--pending == 0) {
      retarget(NO_CHECK);
    }
  }

  /** How many holds (and interrupts) are not released yet. */
  public static synchronized int pending() {
    return pending;
  }

  /**
   * Lets compiled guest code in {@code module} use this package: {@link #checkSite}, {@link #CHECK},
   * {@link MemoryExactness#site} and the global accessors and int fields of {@link GlobalsMachine}. A no-op on the
   * class path.
   */
  static void openTo(Module module) {
    GuestInterrupts.class.getModule().addExports(GuestInterrupts.class.getPackageName(), module);
  }

  private static void retarget(MethodHandle target) {
    SITE.setTarget(target);
    MutableCallSite.syncAll(new MutableCallSite[] {SITE});
  }

  private static void throwIfInterrupted() {
    if (Thread.currentThread().isInterrupted()) {
      throw new ChicoryInterruptedException("Thread interrupted"); // as Chicory's own check
    }
  }
}
