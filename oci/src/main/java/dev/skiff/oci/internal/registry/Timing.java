package dev.skiff.oci.internal.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The registry client's time: a clock for token expiry, {@code Retry-After} dates and retry budgets, and a
 * sleeper for backoff. Tests pass a manual pair, so outliving a token or a {@code Retry-After} costs them
 * no real waiting.
 *
 * @param clock what "now" is
 * @param sleeper how to wait between attempts
 */
public record Timing(Clock clock, Sleeper sleeper) {
  /** Waits for a while; the system one sleeps the calling thread. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /** Real time: wall time moved on by {@link System#nanoTime()}, so a clock step cannot stretch a budget. */
  public static final Timing SYSTEM = new Timing(new MonotonicClock(), d -> Thread.sleep(d.toMillis()));

  private static final class MonotonicClock extends Clock {
    private final Instant start = Instant.now();
    private final long startNanos = System.nanoTime();

    @Override
    public Instant instant() {
      return start.plusNanos(System.nanoTime() - startNanos);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("the registry clock is UTC only");
    }
  }
}
