package dev.skiff;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Resource limits for one run or instance: a cap on linear memory and a wall-clock timeout per call.
 *
 * <pre>{@code
 * runner.limits(l -> l.maxMemory(64L << 20).timeout(Duration.ofSeconds(5)))
 * }</pre>
 *
 * <p>The memory cap applies on top of the module's own declared maximum (the lower wins); a module whose
 * initial memory is already above it fails before it starts. A call that outlives its timeout is
 * interrupted and the instance becomes unusable.
 */
public final class Limits {
  /** No memory cap beyond the module's own and Chicory's, and no timeout. */
  public static final Limits NONE = new Builder().build();

  private final long maxMemoryBytes;
  private final Duration timeout;

  private Limits(Builder b) {
    this.maxMemoryBytes = b.maxMemoryBytes;
    this.timeout = b.timeout;
  }

  /**
   * A builder with no limits set.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder initialised with these limits.
   *
   * @return a new builder
   */
  public Builder newBuilder() {
    Builder b = new Builder();
    b.maxMemoryBytes = maxMemoryBytes;
    b.timeout = timeout;
    return b;
  }

  /**
   * The memory cap in bytes, if any.
   *
   * @return the memory cap in bytes, if any
   */
  public Optional<Long> maxMemoryBytes() {
    return maxMemoryBytes < 0 ? Optional.empty() : Optional.of(maxMemoryBytes);
  }

  /**
   * The wall-clock timeout per call, if any.
   *
   * @return the wall-clock timeout per call, if any
   */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  @Override
  public String toString() {
    return "Limits{maxMemoryBytes=" + (maxMemoryBytes < 0 ? "none" : maxMemoryBytes)
        + ", timeout=" + (timeout == null ? "none" : timeout) + "}";
  }

  /** Builds {@link Limits}. */
  public static final class Builder {
    private long maxMemoryBytes = -1;
    private Duration timeout;

    private Builder() {}

    /**
     * Caps linear memory at this many bytes (rounded down to whole 64 KiB pages).
     *
     * @param bytes the cap in bytes
     * @return this builder
     */
    public Builder maxMemory(long bytes) {
      if (bytes < 65536) {
        throw new IllegalArgumentException("maxMemory must be at least one 64 KiB page: " + bytes);
      }
      this.maxMemoryBytes = bytes;
      return this;
    }

    /**
     * Interrupts a call that runs longer than this.
     *
     * @param timeout the wall-clock limit per call
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * The immutable limits.
     *
     * @return the immutable limits
     */
    public Limits build() {
      return new Limits(this);
    }
  }
}
