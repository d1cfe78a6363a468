package dev.skiff.oci.internal.registry;

import dev.skiff.oci.OciException;
import dev.skiff.oci.RegistryException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a request again: bounded attempts within a time budget, exponential backoff with jitter,
 * {@code Retry-After} honoured, and no retry of what cannot succeed.
 */
public final class RetryPolicy {
  private static final long MAX_BACKOFF_MILLIS = 10_000;

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration budget;
  private final Timing timing;

  public RetryPolicy(int maxAttempts, Duration initialBackoff, Duration budget, Timing timing) {
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.budget = budget;
    this.timing = timing;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration budget() {
    return budget;
  }

  public Instant now() {
    return timing.clock().instant();
  }

  /** When a request started now must stop retrying. */
  public Instant deadline() {
    return now().plus(budget);
  }

  /** Whether another attempt may start: attempts left and the deadline not passed. */
  public boolean mayRetry(int attempt, Instant deadline) {
    return attempt < maxAttempts && !now().isAfter(deadline);
  }

  /** Whether waiting {@code wait} from now still ends before the deadline. */
  public boolean fits(Duration wait, Instant deadline) {
    return !now().plus(wait).isAfter(deadline);
  }

  /**
   * The wait before attempt {@code attempt + 1}: what {@code Retry-After} asks (seconds or an HTTP date,
   * capped by the budget), else the initial backoff doubled per attempt, capped at 10 s, with jitter.
   */
  public Duration backoff(int attempt, String retryAfter) {
    if (retryAfter != null) {
      try {
        long secs = Long.parseLong(retryAfter.trim());
        return Duration.ofSeconds(Math.max(0, Math.min(secs, budget.toSeconds())));
      } catch (NumberFormatException e) {
        try {
          ZonedDateTime when = ZonedDateTime.parse(retryAfter.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
          Duration d = Duration.between(now(), when.toInstant());
          return d.isNegative() ? Duration.ZERO : d.compareTo(budget) > 0 ? budget : d;
        } catch (RuntimeException ignored) {
          // fall through to exponential backoff
        }
      }
    }
    long base = initialBackoff.toMillis() << Math.min(attempt - 1, 10);
    long capped = Math.min(base, MAX_BACKOFF_MILLIS);
    long jitter = ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    return Duration.ofMillis(capped / 2 + jitter);
  }

  public void sleep(Duration d) {
    try {
      timing.sleeper().sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OciException("interrupted while waiting to retry", e);
    }
  }

  /**
   * Failures a retry cannot change within the retry budget: a host name that does not resolve (a typo),
   * and a refused connection to a loopback port (nothing listens there; no network lies in between).
   */
  public static boolean cannotSucceed(IOException e, String host) {
    if (e instanceof UnknownHostException) {
      return true;
    }
    return e instanceof ConnectException && RegistryHttp.isLoopback(host);
  }

  /** A connection-level failure, as the typed exception callers see. */
  public static RegistryException unreachable(String registry, String what, IOException e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    return new RegistryException(registry, 0, List.of(), "cannot reach registry " + registry + " while " + what + ": " + m, e);
  }
}
