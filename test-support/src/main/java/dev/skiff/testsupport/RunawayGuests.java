package dev.skiff.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Whether a stopped guest has really stopped. A call with a timeout throws at the timeout whatever the
 * guest does, since the caller only waits for the guest's thread; the guest itself stops only where
 * Chicory's interpreter or the compiled code checks its thread's interrupt flag.
 */
public final class RunawayGuests {
  /** The frames of a running guest's thread that a failure names. */
  private static final int FRAMES_SHOWN = 5;

  private RunawayGuests() {}

  /** Fails unless, within {@code wait}, no thread runs guest code, compiled or interpreted. */
  public static void assertNoneWithin(Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      List<String> running = running();
      if (running.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("still running a guest " + wait + " after it was stopped: " + running);
      }
      Thread.sleep(20);
    }
  }

  /**
   * The threads of this JVM that run guest code now, each as its name and its top frames: for a test
   * to show that this check sees the guest it stops.
   */
  public static List<String> running() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> Arrays.stream(e.getValue()).anyMatch(RunawayGuests::isGuestCode))
        .map(e -> e.getKey().getName() + " at " + Arrays.stream(e.getValue()).limit(FRAMES_SHOWN)
            .map(StackTraceElement::toString).collect(Collectors.joining(" < ")))
        .toList();
  }

  private static boolean isGuestCode(StackTraceElement frame) {
    String name = frame.getClassName();
    return name.startsWith("com.dylibso.chicory.$gen.") || name.equals("com.dylibso.chicory.runtime.InterpreterMachine");
  }
}
