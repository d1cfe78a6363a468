package dev.skiff.internal.cgi;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Interrupts the calling thread when a request's time is up. A handler runs its guest on the caller's
 * thread (a hand-off to a thread of our own costs about 14 us, more than a small guest's whole run), and
 * Chicory stops a guest only through its thread's interrupt; closing the deadline guarantees that no
 * interrupt of ours arrives after the request is done.
 */
public final class Deadline implements AutoCloseable {
  private static final int RUNNING = 0;
  private static final int FIRING = 1;
  private static final int FIRED = 2;
  private static final int DONE = 3;
  private static final ScheduledThreadPoolExecutor TIMER = timer();

  private final Thread thread = Thread.currentThread();
  private final AtomicInteger state = new AtomicInteger(RUNNING);
  private final ScheduledFuture<?> task;

  private Deadline(Duration timeout) {
    this.task = TIMER.schedule(this::fire, timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Starts the clock for the calling thread. */
  public static Deadline start(Duration timeout) {
    return new Deadline(timeout);
  }

  private static ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "skiff-handler-deadline");
      th.setDaemon(true);
      return th;
    });
    t.setRemoveOnCancelPolicy(true); // cancelled deadlines must not pile up in the queue
    return t;
  }

  private void fire() {
    if (state.compareAndSet(RUNNING, FIRING)) {
      thread.interrupt();
      state.set(FIRED);
    }
  }

  /** Whether the time ran out. */
  public boolean expired() {
    int s = state.get();
    return s == FIRING || s == FIRED;
  }

  /** Stops the clock; clears the interrupt it caused, if it fired. */
  @Override
  public void close() {
    if (state.compareAndSet(RUNNING, DONE)) {
      task.cancel(false);
      return;
    }
    while (state.get() == FIRING) {
      Thread.onSpinWait();
    }
    Thread.interrupted();
  }
}
