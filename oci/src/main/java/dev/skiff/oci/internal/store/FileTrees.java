package dev.skiff.oci.internal.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** File-system chores on trees: size, deletion of read-only trees, and directory fsync. */
public final class FileTrees {
  private FileTrees() {}

  /** Deletes a file or a tree (never following links), also when the tree was made read-only. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(dir);
      return;
    }
    List<Path> all;
    try (Stream<Path> s = Files.walk(dir)) {
      all = s.toList();
    }
    // Trees are made read-only when complete: make directories writable again before deleting inside them.
    for (Path p : all) {
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        p.toFile().setWritable(true);
      }
    }
    for (Path p : all.stream().sorted(Comparator.reverseOrder()).toList()) {
      Files.deleteIfExists(p);
    }
  }

  /** Bytes of the regular files under {@code dir}; 0 when it is not a folder. */
  static long treeSize(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  /** Bytes of a file or tree; 0 when it vanished meanwhile. */
  static long sizeOf(Path p) {
    try {
      return treeSize(p) + (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.size(p) : 0);
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  static void fsyncDir(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // Not every file system lets a directory be opened for fsync; the rename itself is still atomic.
    }
  }

  static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing releases; nothing more to do
      }
    }
  }
}
