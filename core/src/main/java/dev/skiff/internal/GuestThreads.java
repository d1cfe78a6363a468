package dev.skiff.internal;

import dev.skiff.GuestTimeoutException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads guests run on. Chicory can only stop a guest by interrupting its thread, so a call with a
 * timeout runs on a thread Skiff owns (with a deep stack, because compiled Wasm recursion uses the Java
 * stack) while the caller waits. A call without a timeout has nothing to interrupt and runs on the
 * caller's thread: the hand-off costs about 14 us a call (measured in HandlerBenchmark), far more than
 * a small export takes.
 */
public final class GuestThreads implements AutoCloseable {
  private static final long STACK_BYTES = 64L << 20;
  private final ExecutorService executor;

  public GuestThreads() {
    AtomicInteger count = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(null, r, "skiff-guest-" + count.incrementAndGet(), STACK_BYTES);
      t.setDaemon(true);
      return t;
    };
    this.executor = Executors.newCachedThreadPool(factory);
  }

  /**
   * Runs {@code call} on a guest thread and waits for it, interrupting it after {@code timeout}
   * (null: run on the caller's thread, uninterrupted).
   *
   * @throws GuestTimeoutException when the timeout passes; the call's thread has been interrupted
   */
  public <T> T call(Callable<T> call, Duration timeout, String what) {
    if (timeout == null) {
      try {
        return call.call();
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    Stoppable<T> task = new Stoppable<>(call);
    Future<T> future = executor.submit(task);
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      task.stop(future);
      throw new GuestTimeoutException(what + " ran longer than its timeout of " + timeout
          + " and was interrupted; the instance cannot be used again.");
    } catch (InterruptedException e) {
      task.stop(future);
      Thread.currentThread().interrupt();
      throw new GuestTimeoutException(what + " was interrupted because the calling thread was.", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IllegalStateException(cause);
    }
  }

  /** A call that {@link #stop} interrupts through {@link GuestInterrupts}, released when it ends. */
  private static final class Stoppable<T> implements Callable<T> {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int STOPPED = 2;
    private static final int DONE = 3;
    private final Callable<T> call;
    private final AtomicInteger state = new AtomicInteger(QUEUED);

    Stoppable(Callable<T> call) {
      this.call = call;
    }

    @Override
    public T call() throws Exception {
      if (!state.compareAndSet(QUEUED, RUNNING)) {
        throw new CancellationException(); // stopped before it started
      }
      try {
        return call.call();
      } finally {
        if (!state.compareAndSet(RUNNING, DONE)) {
          GuestInterrupts.release(); // stopped while running: the guest has ended now
        }
      }
    }

    void stop(Future<T> future) {
      if (state.compareAndSet(QUEUED, STOPPED)) {
        future.cancel(false); // it never starts
        return;
      }
      GuestInterrupts.hold(); // before the guest can end and release
      if (state.compareAndSet(RUNNING, STOPPED)) {
        future.cancel(true); // the future interrupts the thread only while this call runs on it
      } else {
        GuestInterrupts.release(); // it has ended
      }
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
