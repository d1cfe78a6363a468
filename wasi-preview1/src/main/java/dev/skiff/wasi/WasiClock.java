package dev.skiff.wasi;

import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A source of time for the guest's realtime or monotonic clock, in nanoseconds. Realtime clocks
 * count from the Unix epoch; monotonic clocks from an arbitrary origin and must never go back.
 *
 * <pre>{@code
 * WasiOptions.builder()
 *     .realtimeClock(WasiClock.fixed(Instant.parse("2024-01-01T00:00:00Z")))
 *     .monotonicClock(WasiClock.of(myTicker::nanos, 1))
 *     .build();
 * }</pre>
 */
public interface WasiClock {

  /**
   * Returns the current time.
   *
   * @return nanoseconds (since the epoch for realtime clocks)
   */
  long nanos();

  /**
   * Returns the resolution the guest sees through {@code clock_res_get}.
   *
   * @return the resolution in nanoseconds, at least 1
   */
  default long resolutionNanos() {
    return 1;
  }

  /**
   * Returns the host's wall clock.
   *
   * @return a clock reading {@link Instant#now()}
   */
  static WasiClock systemRealtime() {
    return SystemClocks.REALTIME;
  }

  /**
   * Returns the host's monotonic clock.
   *
   * @return a clock reading {@link System#nanoTime()}
   */
  static WasiClock systemMonotonic() {
    return SystemClocks.MONOTONIC;
  }

  /**
   * Returns a clock that always reads the same value, for deterministic runs.
   *
   * @param nanos the value every read returns
   * @return a fixed clock
   */
  static WasiClock fixed(long nanos) {
    return of(() -> nanos, 1);
  }

  /**
   * Returns a realtime clock that always reads the same instant.
   *
   * @param instant the instant every read returns
   * @return a fixed clock
   */
  static WasiClock fixed(Instant instant) {
    Objects.requireNonNull(instant, "instant");
    return fixed(Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano()));
  }

  /**
   * Returns a clock backed by the caller's source.
   *
   * @param source supplies nanoseconds
   * @param resolutionNanos the resolution reported to the guest, at least 1
   * @return a clock reading {@code source}
   */
  static WasiClock of(LongSupplier source, long resolutionNanos) {
    Objects.requireNonNull(source, "source");
    if (resolutionNanos < 1) {
      throw new IllegalArgumentException("resolutionNanos must be at least 1, got " + resolutionNanos);
    }
    return new WasiClock() {
      @Override
      public long nanos() {
        return source.getAsLong();
      }

      @Override
      public long resolutionNanos() {
        return resolutionNanos;
      }
    };
  }
}

/** The two system clocks, shared. */
final class SystemClocks {
  static final WasiClock REALTIME = new WasiClock() {
    @Override
    public long nanos() {
      Instant now = Instant.now();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public long resolutionNanos() {
      return 1_000;
    }

    @Override
    public String toString() {
      return "WasiClock.systemRealtime()";
    }
  };
  static final WasiClock MONOTONIC = new WasiClock() {
    @Override
    public long nanos() {
      return System.nanoTime();
    }

    @Override
    public String toString() {
      return "WasiClock.systemMonotonic()";
    }
  };

  private SystemClocks() {}
}
