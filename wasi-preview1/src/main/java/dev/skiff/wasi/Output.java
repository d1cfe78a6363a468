package dev.skiff.wasi;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the guest's standard output or standard error goes. A guest closing fd 1 or 2 never
 * closes the host's stream.
 *
 * <p>Every output can be capped with {@link #limitBytes(long)}; {@link #capture(int)} is always
 * capped. At the cap, a write is cut short to the bytes that still fit (the guest sees a short
 * write, as with a nearly full disk), and once nothing fits, {@code fd_write} fails with
 * {@code ENOSPC}. The bytes past the cap are never written anywhere.
 */
public sealed interface Output permits OutputSpec {

  /**
   * Returns an output that accepts and drops everything.
   *
   * @return a discarding output
   */
  static Output discard() {
    return OutputSpec.DISCARD;
  }

  /**
   * Returns an output kept in memory, read back with {@link WasiPreview1#capturedStdout()} or
   * {@link WasiPreview1#capturedStderr()}.
   *
   * @param maxBytes at most this many bytes are kept (see the class comment for what happens at
   *     the cap)
   * @return a capturing output
   */
  static Output capture(int maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must not be negative, got " + maxBytes);
    }
    return new OutputSpec(OutputSpec.Kind.CAPTURE, null, null, maxBytes);
  }

  /**
   * Returns an output writing to the caller's stream, which Skiff flushes but never closes. The
   * arrays passed to its {@code write} may be the guest's memory itself (no copy is made), so the
   * stream must not keep them after {@code write} returns, as the {@code OutputStream} contract expects.
   *
   * @param out the stream
   * @return an output writing to {@code out}
   */
  static Output stream(OutputStream out) {
    return new OutputSpec(OutputSpec.Kind.STREAM, Objects.requireNonNull(out, "out"), null, Long.MAX_VALUE);
  }

  /**
   * Returns an output writing to a file, created or truncated when the WASI instance is created
   * and closed with it.
   *
   * @param file the file
   * @return an output writing to {@code file}
   */
  static Output file(Path file) {
    return new OutputSpec(OutputSpec.Kind.FILE, null, Objects.requireNonNull(file, "file"), Long.MAX_VALUE);
  }

  /**
   * Returns the host process's stream of the same role ({@link System#out} for stdout,
   * {@link System#err} for stderr).
   *
   * @return an inheriting output
   */
  static Output inherit() {
    return OutputSpec.INHERIT;
  }

  /**
   * Returns this output capped at {@code maxBytes} bytes in total.
   *
   * @param maxBytes the most bytes the guest may write, not negative
   * @return a capped copy of this output
   */
  default Output limitBytes(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must not be negative, got " + maxBytes);
    }
    OutputSpec self = (OutputSpec) this;
    return new OutputSpec(self.kind, self.stream, self.file, Math.min(self.maxBytes, maxBytes));
  }

  /**
   * Returns the cap on the bytes the guest may write.
   *
   * @return the cap, {@link Long#MAX_VALUE} when unlimited
   */
  default long maxBytes() {
    return ((OutputSpec) this).maxBytes;
  }
}
