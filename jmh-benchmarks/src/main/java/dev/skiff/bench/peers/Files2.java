package dev.skiff.bench.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** File helpers shared by the benchmarks ({@code TestFiles.deleteTree} removes folders). */
public final class Files2 {
  private Files2() {}

  /** Reads a whole file. */
  public static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
