package dev.skiff.oci.internal.store;

import dev.skiff.oci.OciException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's {@code tmp/}: downloads in progress, archives and trees being unpacked, files being
 * replaced. Everything in it is held by its owner through a file lock (a {@code .part} file locks itself,
 * a folder its {@link #OWNER}), taken while the store-wide {@code tmp} lock is held. So an entry whose
 * lock can be taken is a leftover of a dead process, and is reclaimed.
 */
final class TempArea {
  private static final System.Logger LOG = System.getLogger("dev.skiff.oci.store");
  /** The lock taken while an entry is created or reclaimed, so none is seen before its owner locks it. */
  private static final String TMP_LOCK = "tmp";
  /** The lock file of a folder in tmp/; the folder's content is in {@link Scratch#TREE}. */
  static final String OWNER = "owner.lock";

  private final Path tmp;
  private final StoreLocks locks;

  TempArea(Path tmp, StoreLocks locks) {
    this.tmp = tmp;
    this.locks = locks;
  }

  /** A new locked file, e.g. a download in progress. */
  Scratch newFile(String prefix, String suffix) {
    return newScratch(prefix, suffix, false);
  }

  /** A new locked folder whose {@link Scratch#path()} is an empty folder to fill and move into place. */
  Scratch newDir(String prefix) {
    return newScratch(prefix, null, true);
  }

  private Scratch newScratch(String prefix, String suffix, boolean dir) {
    try (AutoCloseable l = locks.lock(TMP_LOCK)) {
      Path entry = dir ? Files.createTempDirectory(tmp, prefix) : Files.createTempFile(tmp, prefix, suffix);
      String name = entry.getFileName().toString();
      FileChannel ch = null;
      try {
        ch = FileChannel.open(dir ? entry.resolve(OWNER) : entry, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (ch.tryLock() == null) {
          throw new IOException("a fresh temporary entry " + entry + " is locked by another process");
        }
        if (dir) {
          Files.createDirectory(entry.resolve(Scratch.TREE));
        }
        locks.ownedTemp().add(name);
        return new Scratch(name, entry, ch, locks.ownedTemp());
      } catch (IOException | RuntimeException e) {
        FileTrees.closeQuietly(ch);
        FileTrees.deleteTree(entry);
        throw e;
      }
    } catch (OciException e) {
      throw e;
    } catch (Exception e) {
      throw new OciException("cannot create a temporary " + (dir ? "folder" : "file") + " in " + tmp + ": "
          + e.getMessage(), e);
    }
  }

  /** Replaces {@code target} with {@code bytes} all at once: written, forced and renamed into place. */
  void writeAtomically(Path target, byte[] bytes) {
    try (Scratch s = newFile("w-", ".part")) {
      ByteBuffer bb = ByteBuffer.wrap(bytes);
      while (bb.hasRemaining()) {
        s.channel().write(bb);
      }
      s.channel().force(true);
      Files.move(s.path(), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      s.keep();
    } catch (IOException e) {
      throw new OciException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /** Every entry, held or not. */
  Usage usage() throws IOException {
    Usage u = Usage.NONE;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
      for (Path p : ds) {
        u = u.plus(new Usage(1, FileTrees.sizeOf(p)));
      }
    }
    return u;
  }

  /** Deletes the entries whose lock can be taken (their owners died). Never fails. */
  Usage reclaim() {
    Usage freed = Usage.NONE;
    List<Path> stale = new ArrayList<>();
    List<FileChannel> staleLocks = new ArrayList<>();
    try {
      try (AutoCloseable l = locks.lock(TMP_LOCK); DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
        for (Path p : ds) {
          if (locks.ownedTemp().contains(p.getFileName().toString()) || Files.isSymbolicLink(p)) {
            continue; // a store never makes links: one is not ours to follow (opening drops our locks) or delete
          }
          boolean dir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
          FileChannel ch;
          try {
            ch = FileChannel.open(dir ? p.resolve(OWNER) : p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
          } catch (NoSuchFileException e) {
            if (dir) {
              stale.add(p); // a folder whose owner died while creating it, or one being deleted by its owner
            }
            continue;
          } catch (IOException e) {
            // Not ours (another user's, a link): one odd entry must not keep every other leftover.
            LOG.log(System.Logger.Level.DEBUG, "cannot reclaim {0}: {1}", p, e.toString());
            continue;
          }
          FileLock fl;
          try {
            fl = ch.tryLock();
          } catch (IOException | OverlappingFileLockException e) {
            fl = null; // overlapping: this JVM holds it
          }
          if (fl == null) {
            ch.close(); // a live process holds it
            continue;
          }
          stale.add(p);
          staleLocks.add(ch); // held while deleting, outside the creation lock
        }
      }
      for (Path p : stale) {
        long bytes = FileTrees.sizeOf(p);
        try {
          FileTrees.deleteTree(p);
          freed = freed.plus(new Usage(1, bytes));
        } catch (IOException | UncheckedIOException e) {
          LOG.log(System.Logger.Level.DEBUG, "cannot reclaim {0}: {1}", p, e.toString());
        }
      }
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot reclaim temporary state in {0}: {1}", tmp, e.toString());
    } finally {
      staleLocks.forEach(FileTrees::closeQuietly);
    }
    return freed;
  }
}
