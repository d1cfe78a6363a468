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
 * initial memory is already above it fails before it starts, and a guest's {@code memory.grow} past
 * it fails as Wasm allows (the guest sees -1, so its {@code malloc} returns null). The default cap is
 * {@link #DEFAULT_MAX_MEMORY} (1 GiB): a module declares its memory itself, so without a cap a few
 * bytes of Wasm can make the JVM allocate gigabytes. Raise it with {@link Builder#maxMemory} (the
 * CLI's {@code --max-memory}) up to {@link #MAX_MEMORY}. A call that outlives its timeout is
 * interrupted and the instance becomes unusable. The timeout is the way to stop a guest: compiled
 * guest code checks its thread's interrupt flag only while a stop of Skiff's is pending (so that the
 * check costs nothing in loops the rest of the time). An interrupt from elsewhere (your own
 * {@code Thread.interrupt()} or {@code Future.cancel(true)}) reaches a guest in a host call that blocks
 * or in Chicory's interpreter, but stops compiled guest code only if a stop of Skiff's happens to be
 * pending: give the call a timeout to stop it.
 */
public final class Limits {
  /**
   * The default memory cap, 1 GiB: more than typical programs use, and a few instances of it still
   * fit a JVM heap of the default size on a machine with 16 GiB or more.
   */
  public static final long DEFAULT_MAX_MEMORY = 1L << 30;
  /**
   * The highest memory cap, 32767 pages (2 GiB less 64 KiB): the most Chicory 1.7.5 addresses
   * correctly (its interpreter traps on every address at or above 2 GiB and its compiler drops the
   * static offset there), and what one Java array holds.
   */
  public static final long MAX_MEMORY = 32767L * 65536;
  /** The default memory cap and no timeout. */
  public static final Limits DEFAULT = new Builder().build();

  private final long maxMemoryBytes;
  private final Duration timeout;

  private Limits(Builder b) {
    this.maxMemoryBytes = b.maxMemoryBytes;
    this.timeout = b.timeout;
  }

  /**
   * A builder with the default limits: {@link #DEFAULT_MAX_MEMORY} and no timeout.
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
   * The memory cap in bytes.
   *
   * @return the memory cap in bytes
   */
  public long maxMemoryBytes() {
    return maxMemoryBytes;
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
    return "Limits{maxMemoryBytes=" + maxMemoryBytes
        + ", timeout=" + (timeout == null ? "none" : timeout) + "}";
  }

  /** Builds {@link Limits}. */
  public static final class Builder {
    private long maxMemoryBytes = DEFAULT_MAX_MEMORY;
    private Duration timeout;

    private Builder() {}

    /**
     * Caps linear memory at this many bytes (rounded down to whole 64 KiB pages).
     *
     * @param bytes the cap in bytes, from one page (65536) to {@link #MAX_MEMORY}
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is outside that range
     */
    public Builder maxMemory(long bytes) {
      if (bytes < 65536) {
        throw new IllegalArgumentException("maxMemory must be at least one 64 KiB page: " + bytes);
      }
      if (bytes > MAX_MEMORY) {
        throw new IllegalArgumentException("maxMemory can be at most " + MAX_MEMORY
            + " bytes (32767 pages, 2 GiB - 64 KiB), the most Chicory addresses correctly: " + bytes);
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
