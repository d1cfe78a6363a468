package dev.skiff.internal;

import dev.skiff.GuestTimeoutException;
import java.time.Duration;
import java.util.concurrent.Callable;
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
    Future<T> future = executor.submit(call);
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new GuestTimeoutException(what + " ran longer than its timeout of " + timeout
          + " and was interrupted; the instance cannot be used again.");
    } catch (InterruptedException e) {
      future.cancel(true);
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

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
