package dev.skiff.oci.internal.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * A file or folder in tmp/ that this process holds until it is closed: deleted then, unless it was kept
 * (moved into place). Its file lock tells other processes it is alive.
 */
public final class Scratch implements AutoCloseable {
  /** The content of a scratch folder, beside its {@link TempArea#OWNER} lock file. */
  static final String TREE = "tree";

  private final String name;
  private final Path entry;
  private final FileChannel lockChannel;
  private final Set<String> owned;
  private boolean kept;

  Scratch(String name, Path entry, FileChannel lockChannel, Set<String> owned) {
    this.name = name;
    this.entry = entry;
    this.lockChannel = lockChannel;
    this.owned = owned;
  }

  /** The file to write, or the empty folder to fill. */
  public Path path() {
    return Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) ? entry.resolve(TREE) : entry;
  }

  /** The open, locked channel of a scratch file (writable). */
  FileChannel channel() {
    return lockChannel;
  }

  /** Marks the content as moved away: closing deletes no more than what is left. */
  void keep() {
    kept = true;
  }

  @Override
  public void close() throws IOException {
    try {
      if (!kept || Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
        FileTrees.deleteTree(entry); // still locked: nobody else reclaims it meanwhile
      }
    } finally {
      try {
        lockChannel.close();
      } finally {
        owned.remove(name);
      }
    }
  }
}
