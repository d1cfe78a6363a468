package dev.skiff.oci.internal.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private static RetryPolicy policy(Clock clock, List<Duration> sleeps) {
    return new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(30), new Timing(clock, sleeps::add));
  }

  @Test
  void retryAfterInSecondsOrAsADateIsWaitedExactlyWithinTheBudget() {
    RetryPolicy p = policy(Clock.fixed(NOW, ZoneOffset.UTC), new ArrayList<>());
    assertEquals(Duration.ofSeconds(7), p.backoff(1, "7"));
    assertEquals(Duration.ofSeconds(30), p.backoff(1, "3600"), "capped by the budget");
    String in12s = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(NOW.plusSeconds(12), ZoneOffset.UTC));
    assertEquals(Duration.ofSeconds(12), p.backoff(1, in12s), "measured from the injected clock");
    String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(NOW.minusSeconds(5), ZoneOffset.UTC));
    assertEquals(Duration.ZERO, p.backoff(1, past));
  }

  @Test
  void backoffDoublesWithJitterAndIsCappedAtTenSeconds() {
    RetryPolicy p = policy(Clock.fixed(NOW, ZoneOffset.UTC), new ArrayList<>());
    for (int i = 0; i < 50; i++) {
      long first = p.backoff(1, null).toMillis();
      long third = p.backoff(3, "not a number or date").toMillis();
      long late = p.backoff(20, null).toMillis();
      assertTrue(first >= 100 && first <= 200, "attempt 1: " + first);
      assertTrue(third >= 400 && third <= 800, "attempt 3: " + third);
      assertTrue(late >= 5_000 && late <= 10_000, "capped: " + late);
    }
  }

  @Test
  void sleepsGoThroughTheSleeperAndTheBudgetFollowsTheClock() {
    List<Duration> sleeps = new ArrayList<>();
    Instant[] now = {NOW};
    Clock moving = new Clock() {
      @Override
      public Instant instant() {
        return now[0];
      }

      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }
    };
    RetryPolicy p = policy(moving, sleeps);
    Instant deadline = p.deadline();
    p.sleep(Duration.ofSeconds(4));
    assertEquals(List.of(Duration.ofSeconds(4)), sleeps);
    assertTrue(p.mayRetry(1, deadline));
    assertFalse(p.mayRetry(3, deadline), "three attempts is the limit");
    assertTrue(p.fits(Duration.ofSeconds(30), deadline));
    now[0] = NOW.plusSeconds(20);
    assertFalse(p.fits(Duration.ofSeconds(11), deadline), "a wait past the deadline is not started");
    now[0] = NOW.plusSeconds(31);
    assertFalse(p.mayRetry(1, deadline), "the budget is spent");
  }

  @Test
  void onlyFailuresThatCannotChangeAreNotRetried() {
    assertTrue(RetryPolicy.cannotSucceed(new UnknownHostException("registry.invalid"), "registry.invalid"));
    assertTrue(RetryPolicy.cannotSucceed(new ConnectException("refused"), "127.0.0.1:5999"));
    assertTrue(RetryPolicy.cannotSucceed(new ConnectException("refused"), "localhost:5999"));
    assertFalse(RetryPolicy.cannotSucceed(new ConnectException("refused"), "ghcr.io"), "a remote host may come back");
    assertFalse(RetryPolicy.cannotSucceed(new SocketTimeoutException("slow"), "127.0.0.1:5999"));
  }
}
