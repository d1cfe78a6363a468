package dev.skiff.oci.internal.store;

import dev.skiff.oci.OciException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive locks per key across threads (a lock table) and processes (a file lock in {@code locks/}).
 * The tables are shared by every store instance of one folder in this JVM: file locks belong to the
 * process, so two instances locking one file would fail with OverlappingFileLockException.
 */
final class StoreLocks {
  private static final ConcurrentHashMap<Path, Shared> SHARED = new ConcurrentHashMap<>();

  private static final class Shared {
    final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /**
     * Names in tmp/ this JVM owns. The reclaimer never opens them: closing any channel of a file drops every
     * lock this process holds on it.
     */
    final Set<String> ownedTemp = ConcurrentHashMap.newKeySet();
  }

  private final Path dir;
  private final Shared shared;

  /**
   * @param dir the {@code locks/} folder
   * @param storeKey the store's real path, naming its shared tables
   */
  StoreLocks(Path dir, Path storeKey) {
    this.dir = dir;
    this.shared = SHARED.computeIfAbsent(storeKey, k -> new Shared());
  }

  /** The names in tmp/ this JVM holds, shared like the locks. */
  Set<String> ownedTemp() {
    return shared.ownedTemp;
  }

  AutoCloseable lock(String key) {
    return lock(key, true);
  }

  /** As {@link #lock(String)}, or null at once when another thread or process holds it. */
  AutoCloseable tryLock(String key) {
    return lock(key, false);
  }

  private AutoCloseable lock(String key, boolean wait) {
    ReentrantLock jvm = shared.locks.computeIfAbsent(key, k -> new ReentrantLock());
    if (wait) {
      jvm.lock();
    } else if (!jvm.tryLock()) {
      return null;
    }
    if (jvm.getHoldCount() > 1) {
      return jvm::unlock; // this thread holds the file lock already
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(dir.resolve(key + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock fl = wait ? ch.lock() : ch.tryLock();
      if (fl == null) {
        ch.close();
        jvm.unlock();
        return null;
      }
      FileChannel held = ch;
      return () -> {
        try {
          held.close(); // releases the lock
        } finally {
          jvm.unlock();
        }
      };
    } catch (IOException | RuntimeException e) {
      FileTrees.closeQuietly(ch);
      jvm.unlock(); // always: a lock left held would hang every later pull of this key
      throw new OciException("cannot lock " + key + " in the content store " + dir.getParent() + ": " + e, e);
    }
  }
}
