package dev.skiff.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.Engine;
import dev.skiff.GuestTimeoutException;
import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.testsupport.Fixtures;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Timeouts stop compiled guests although the back-edge check is a no-op while no stop is pending. */
public class GuestInterruptsTest {
  @TempDir Path store;

  @Test
  void everyTimeoutStopsACompiledLoopAndTheCheckIsReleasedWhenItHasEnded() throws Exception {
    try (Skiff skiff = Skiff.builder().store(store).backgroundCompile(false).build()) {
      WasmArtifact loop = skiff.pull(Fixtures.wasm("core/loop.wasm").toString());
      // later rounds start with the loop compiled against the no-op: the stop must deoptimize it
      for (int round = 0; round < 4; round++) {
        Duration timeout = Duration.ofMillis(150 + 100 * (round % 2));
        assertThrows(GuestTimeoutException.class, () -> loop.runner().engine(Engine.COMPILER)
            .limits(l -> l.timeout(timeout)).run());
        awaitReleased();
      }
      assertEquals(0, GuestInterrupts.pending());
    }
  }

  /** Pending stops end only when their guest's call returns: 0 means the looping guest has stopped. */
  public static void awaitReleased() throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (GuestInterrupts.pending() != 0) {
      if (System.nanoTime() > until) {
        throw new AssertionError("a stopped guest is still running: " + GuestInterrupts.pending() + " pending");
      }
      Thread.sleep(5);
    }
  }
}
