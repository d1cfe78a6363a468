package dev.skiff.oci;

import dev.skiff.oci.internal.registry.Timing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A clock that moves only when told to, and a sleeper that moves it instead of waiting: tests outlive
 * tokens and {@code Retry-After} at once, and see every wait the client asked for.
 */
final class ManualTime extends Clock implements Timing.Sleeper {
  private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");
  /** Every wait asked for, in order. */
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  /** Installs this clock and sleeper on a client builder. */
  OciClient.Builder on(OciClient.Builder b) {
    return b.timing(this, this);
  }

  void advance(Duration d) {
    now = now.plus(d);
  }

  @Override
  public void sleep(Duration d) {
    sleeps.add(d);
    advance(d);
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException();
  }
}
