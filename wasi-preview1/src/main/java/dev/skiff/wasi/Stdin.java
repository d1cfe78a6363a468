package dev.skiff.wasi;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the guest's standard input (fd 0) comes from. A guest closing fd 0 never closes the
 * host's stream.
 */
public sealed interface Stdin permits StdinSpec {

  /**
   * Returns an empty standard input: every read returns end of file.
   *
   * @return a stdin with no data
   */
  static Stdin none() {
    return StdinSpec.NONE;
  }

  /**
   * Returns a standard input that serves a copy of these bytes.
   *
   * @param data the bytes, copied now
   * @return a stdin reading the copy
   */
  static Stdin bytes(byte[] data) {
    return new StdinSpec(StdinSpec.Kind.BYTES, Objects.requireNonNull(data, "data").clone(), null, null);
  }

  /**
   * Returns a standard input reading the caller's stream, which Skiff never closes. Its {@code read}
   * may fill the guest's memory directly, so the stream must not keep the array it is given.
   *
   * @param in the stream
   * @return a stdin reading {@code in}
   */
  static Stdin stream(InputStream in) {
    return new StdinSpec(StdinSpec.Kind.STREAM, null, Objects.requireNonNull(in, "in"), null);
  }

  /**
   * Returns a standard input reading a file, opened when the WASI instance is created and closed
   * with it.
   *
   * @param file the file
   * @return a stdin reading {@code file}
   */
  static Stdin file(Path file) {
    return new StdinSpec(StdinSpec.Kind.FILE, null, null, Objects.requireNonNull(file, "file"));
  }

  /**
   * Returns the host process's standard input ({@link System#in}).
   *
   * @return a stdin reading {@code System.in}
   */
  static Stdin inherit() {
    return StdinSpec.INHERIT;
  }
}
