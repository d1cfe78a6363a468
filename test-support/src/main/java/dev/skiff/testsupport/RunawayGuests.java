package dev.skiff.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Whether a stopped guest has really stopped. A call with a timeout throws at the timeout whatever the
 * guest does, since the caller only waits for the guest's thread; the guest itself stops only where
 * Chicory's interpreter or the compiled code checks its thread's interrupt flag.
 */
public final class RunawayGuests {
  private RunawayGuests() {}

  /** Fails unless, within {@code wait}, no thread runs guest code, compiled or interpreted. */
  public static void assertNoneWithin(Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      List<String> running = Thread.getAllStackTraces().entrySet().stream()
          .filter(e -> Arrays.stream(e.getValue()).anyMatch(RunawayGuests::isGuestCode))
          .map(e -> e.getKey().getName())
          .toList();
      if (running.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("still running a guest " + wait + " after it was stopped: " + running);
      }
      Thread.sleep(20);
    }
  }

  private static boolean isGuestCode(StackTraceElement frame) {
    String name = frame.getClassName();
    return name.startsWith("com.dylibso.chicory.$gen.") || name.equals("com.dylibso.chicory.runtime.InterpreterMachine");
  }
}
