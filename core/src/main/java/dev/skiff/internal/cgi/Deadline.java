package dev.skiff.internal.cgi;

import dev.skiff.internal.GuestInterrupts;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Interrupts the calling thread when a request's time is up. A handler runs its guest on the caller's
 * thread (a hand-off to a thread of our own costs about 14 us, more than a small guest's whole run), and
 * Chicory stops a guest only through its thread's interrupt; closing the deadline guarantees that no
 * interrupt of ours arrives after the request is done. One watchdog thread checks the open deadlines
 * every {@link #TICK_MILLIS} ms: registering is a set insertion, where a scheduled executor would wake its
 * thread on every request (a quarter of the handler's time in a profile).
 */
public final class Deadline implements AutoCloseable {
  /** How late a deadline may fire. */
  static final long TICK_MILLIS = 5;
  private static final int RUNNING = 0;
  private static final int FIRING = 1;
  private static final int FIRED = 2;
  private static final int DONE = 3;
  private static final Set<Deadline> OPEN = ConcurrentHashMap.newKeySet();
  private static final Thread WATCHDOG = watchdog();

  private final Thread thread = Thread.currentThread();
  private final AtomicInteger state = new AtomicInteger(RUNNING);
  private final long due;

  private Deadline(Duration timeout) {
    this.due = System.nanoTime() + timeout.toNanos();
    OPEN.add(this);
  }

  /** Starts the clock for the calling thread. */
  public static Deadline start(Duration timeout) {
    return new Deadline(timeout);
  }

  private static Thread watchdog() {
    Thread t = new Thread(() -> {
      while (true) {
        try {
          Thread.sleep(TICK_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
        long now = System.nanoTime();
        for (Deadline d : OPEN) {
          if (now - d.due >= 0) {
            OPEN.remove(d);
            d.fire();
          }
        }
      }
    }, "skiff-handler-deadline");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private void fire() {
    if (state.compareAndSet(RUNNING, FIRING)) {
      try {
        GuestInterrupts.interrupt(thread);
      } finally {
        state.set(FIRED); // close() waits for this
      }
    }
  }

  /** Whether the time ran out. */
  public boolean expired() {
    int s = state.get();
    return s == FIRING || s == FIRED;
  }

  /** Stops the clock, after the guest has ended; clears the interrupt it caused, if it fired. */
  @Override
  public void close() {
    if (state.compareAndSet(RUNNING, DONE)) {
      OPEN.remove(this);
      return;
    }
    while (state.get() == FIRING) {
      Thread.onSpinWait();
    }
    if (state.compareAndSet(FIRED, DONE)) { // once, however often close is called
      Thread.interrupted();
      GuestInterrupts.release();
    }
  }
}
