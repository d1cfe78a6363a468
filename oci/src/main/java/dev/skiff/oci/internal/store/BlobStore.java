package dev.skiff.oci.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.internal.Listeners;
import dev.skiff.oci.internal.format.Digests;
import dev.skiff.oci.internal.format.Manifests;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Content-addressed store: {@code blobs/<alg>/<hex>}, written through a temp file that is verified,
 * fsynced and atomically renamed. Writers of one digest are serialised by an in-process lock plus a file
 * lock, so threads and processes sharing the store never download the same blob twice at once.
 *
 * <p>Everything in {@code tmp/} is held by its owner through a file lock (a {@code .part} file locks itself,
 * a folder its {@code owner.lock}), taken while the store-wide {@code tmp} lock is held. So an entry whose
 * lock can be taken is a leftover of a dead process, and is reclaimed when a store is opened or pruned.
 */
public final class BlobStore {
  private static final System.Logger LOG = System.getLogger("dev.skiff.oci.store");
  private static final int BUFFER = 1 << 16;

  /** Buffers of the download pipeline: large enough to amortise syscalls, few enough to bound memory (4 MiB). */
  static final int PIPE_BUFFER = 1 << 20;
  static final int PIPE_BUFFERS = 4;
  /** Below this a blob is hashed on the calling thread: a hand-off costs more than it saves. */
  static final long PIPE_THRESHOLD = 4L << 20;
  /**
   * While a large blob downloads, another thread forces its file to disk whenever this many bytes are
   * unflushed, so writeback overlaps the download and the commit's fsync has little left to do (forcing
   * on the writer thread itself stalls the pipeline and gains nothing).
   */
  static final long EARLY_FLUSH = 16L << 20;
  private static final ExecutorService PIPELINE = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "skiff-blob-pipeline");
    t.setDaemon(true);
    return t;
  });

  /** The lock taken while an entry of tmp/ is created or reclaimed, so none is seen before its owner locks it. */
  private static final String TMP_LOCK = "tmp";
  /** The lock file of a folder in tmp/; the folder's content is in {@link #TREE}. */
  private static final String OWNER = "owner.lock";
  private static final String TREE = "tree";

  /**
   * Lock tables per store folder, shared by every instance in this JVM: file locks belong to the process, so
   * two instances locking one file would fail with OverlappingFileLockException.
   */
  private static final ConcurrentHashMap<Path, Shared> SHARED = new ConcurrentHashMap<>();

  private static final class Shared {
    final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /**
     * Names in tmp/ this JVM owns. The reclaimer never opens them: closing any channel of a file drops every
     * lock this process holds on it.
     */
    final java.util.Set<String> ownedTemp = ConcurrentHashMap.newKeySet();
  }

  /** A number of entries and their bytes on disk. */
  public record Usage(int entries, long bytes) {
    static final Usage NONE = new Usage(0, 0);

    Usage plus(Usage o) {
      return new Usage(entries + o.entries, bytes + o.bytes);
    }
  }

  private final Path root;
  private final boolean fsync;
  private final Shared shared;
  private final java.util.concurrent.atomic.AtomicReference<Usage> reclaimed =
      new java.util.concurrent.atomic.AtomicReference<>(Usage.NONE);

  public BlobStore(Path root) {
    this(root, true);
  }

  /**
   * @param fsync whether committed blobs are forced to disk before their rename (always, except in
   *     measurements that compare against tools which do not fsync)
   */
  public BlobStore(Path root, boolean fsync) {
    this.fsync = fsync;
    this.root = root.toAbsolutePath().normalize();
    try {
      for (String d : new String[] {"blobs/sha256", "blobs/sha512", "tmp", "locks", "refs", "rootfs"}) {
        Files.createDirectories(this.root.resolve(d));
      }
    } catch (IOException e) {
      throw new OciException("cannot create the content store at " + this.root + ": " + e.getMessage(), e);
    }
    Path key;
    try {
      key = this.root.toRealPath();
    } catch (IOException e) {
      key = this.root;
    }
    this.shared = SHARED.computeIfAbsent(key, k -> new Shared());
    reclaim();
  }

  public Path root() {
    return root;
  }

  public Path blobPath(String digest) {
    return root.resolve("blobs").resolve(Digests.algorithm(digest)).resolve(Digests.hex(digest));
  }

  /** An exclusive lock across threads and processes, for one key (a digest hex or similar). */
  public AutoCloseable lock(String key) {
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
      ch = FileChannel.open(root.resolve("locks").resolve(key + ".lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
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
      closeQuietly(ch);
      jvm.unlock(); // always: a lock left held would hang every later pull of this key
      throw new OciException("cannot lock " + key + " in the content store " + root + ": " + e, e);
    }
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing releases; nothing more to do
      }
    }
  }

  // ---- temporary state ----

  /**
   * A file or folder in tmp/ that this process holds until it is closed: deleted then, unless it was kept
   * (moved into place). Its file lock tells other processes it is alive.
   */
  public final class Scratch implements AutoCloseable {
    private final String name;
    private final Path entry;
    private final FileChannel lockChannel;
    private boolean kept;

    private Scratch(String name, Path entry, FileChannel lockChannel) {
      this.name = name;
      this.entry = entry;
      this.lockChannel = lockChannel;
    }

    /** The file to write, or the empty folder to fill. */
    public Path path() {
      return Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? entry.resolve(TREE) : entry;
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
        if (!kept || Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          deleteTree(entry); // still locked: nobody else reclaims it meanwhile
        }
      } finally {
        try {
          lockChannel.close();
        } finally {
          shared.ownedTemp.remove(name);
        }
      }
    }
  }

  /** A new locked file in tmp/, e.g. a download in progress. */
  Scratch newScratchFile(String prefix, String suffix) {
    return newScratch(prefix, suffix, false);
  }

  /** A new locked folder in tmp/ whose {@link Scratch#path()} is an empty folder to fill and move into place. */
  public Scratch newScratchDir(String prefix) {
    return newScratch(prefix, null, true);
  }

  private Scratch newScratch(String prefix, String suffix, boolean dir) {
    Path tmp = root.resolve("tmp");
    try (AutoCloseable l = lock(TMP_LOCK)) {
      Path entry = dir ? Files.createTempDirectory(tmp, prefix) : Files.createTempFile(tmp, prefix, suffix);
      String name = entry.getFileName().toString();
      FileChannel ch = null;
      try {
        ch = FileChannel.open(dir ? entry.resolve(OWNER) : entry, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (ch.tryLock() == null) {
          throw new IOException("a fresh temporary entry " + entry + " is locked by another process");
        }
        if (dir) {
          Files.createDirectory(entry.resolve(TREE));
        }
        shared.ownedTemp.add(name);
        return new Scratch(name, entry, ch);
      } catch (IOException | RuntimeException e) {
        closeQuietly(ch);
        deleteTree(entry);
        throw e;
      }
    } catch (OciException e) {
      throw e;
    } catch (Exception e) {
      throw new OciException("cannot create a temporary " + (dir ? "folder" : "file") + " in " + tmp + ": "
          + e.getMessage(), e);
    }
  }

  /** Temporary state now in the store: entries of tmp/ (held or not) and extracted trees without their marker. */
  public Usage temporary() {
    Usage u = Usage.NONE;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve("tmp"))) {
      for (Path p : ds) {
        u = u.plus(new Usage(1, sizeOf(p)));
      }
      for (Path p : unmarkedTrees()) {
        u = u.plus(new Usage(1, sizeOf(p)));
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot measure the temporary state of {0}: {1}", root, e.toString());
    }
    return u;
  }

  /** What this instance reclaimed so far (when opened and pruned). */
  public Usage reclaimed() {
    return reclaimed.get();
  }

  private static long sizeOf(Path p) {
    try {
      return treeSize(p) + (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? Files.size(p) : 0);
    } catch (IOException | UncheckedIOException e) {
      return 0; // vanished meanwhile
    }
  }

  private List<Path> unmarkedTrees() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve("rootfs"))) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (!n.endsWith(".json") && !Files.exists(p.resolveSibling(n + ".json"))) {
          out.add(p);
        }
      }
    }
    return out;
  }

  /**
   * Deletes what dead processes left: entries of tmp/ whose lock can be taken, and extracted trees moved into
   * place without their marker (under their extraction lock). Never fails: a store that cannot be cleaned
   * (read-only, say) still serves what it has.
   *
   * @return what was reclaimed
   */
  public Usage reclaim() {
    Usage freed = Usage.NONE;
    List<Path> stale = new ArrayList<>();
    List<FileChannel> staleLocks = new ArrayList<>();
    try {
      try (AutoCloseable l = lock(TMP_LOCK); DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve("tmp"))) {
        for (Path p : ds) {
          if (shared.ownedTemp.contains(p.getFileName().toString()) || Files.isSymbolicLink(p)) {
            continue; // a store never makes links: one is not ours to follow (opening drops our locks) or delete
          }
          boolean dir = Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
          FileChannel ch;
          try {
            ch = FileChannel.open(dir ? p.resolve(OWNER) : p, StandardOpenOption.WRITE,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
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
          } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
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
        long bytes = sizeOf(p);
        try {
          deleteTree(p);
          freed = freed.plus(new Usage(1, bytes));
        } catch (IOException | UncheckedIOException e) {
          LOG.log(System.Logger.Level.DEBUG, "cannot reclaim {0}: {1}", p, e.toString());
        }
      }
      for (Path tree : unmarkedTrees()) {
        String hex = tree.getFileName().toString();
        try (AutoCloseable l = tryLock("rootfs-" + hex)) {
          if (l != null && Files.isDirectory(tree) && !Files.exists(tree.resolveSibling(hex + ".json"))) {
            freed = freed.plus(new Usage(1, sizeOf(tree)));
            deleteTree(tree);
          }
        }
      }
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot reclaim temporary state in {0}: {1}", root, e.toString());
    } finally {
      staleLocks.forEach(BlobStore::closeQuietly);
    }
    if (freed.entries() > 0) {
      LOG.log(System.Logger.Level.INFO, "reclaimed {0} leftovers of interrupted pulls ({1} bytes) in {2}",
          freed.entries(), freed.bytes(), root);
      Usage f = freed;
      reclaimed.accumulateAndGet(f, Usage::plus);
    }
    return freed;
  }

  /**
   * Reads a stored blob and verifies it; a blob that does not match its name is deleted and null is
   * returned so the caller fetches it again.
   */
  public byte[] readVerified(String digest, long maxBytes) {
    Path p = blobPath(digest);
    try {
      if (Files.size(p) > maxBytes) {
        deleteCorrupt(digest, "it is larger than " + maxBytes + " bytes");
        return null;
      }
      byte[] bytes = Files.readAllBytes(p);
      if (!Digests.of(Digests.algorithm(digest), bytes).equals(digest)) {
        deleteCorrupt(digest, "its content does not match its digest");
        return null;
      }
      touch(p);
      return bytes;
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new OciException("cannot read " + digest + " from the content store: " + e.getMessage(), e);
    }
  }

  /** Whether the stored blob exists and hashes to its name (streamed; deletes it when it does not). */
  public boolean verifyStored(String digest, long expectedSize) {
    Path p = blobPath(digest);
    try (InputStream in = Files.newInputStream(p)) {
      if (expectedSize >= 0 && Files.size(p) != expectedSize) {
        in.close();
        deleteCorrupt(digest, "its size is not " + expectedSize);
        return false;
      }
      MessageDigest md = Digests.newDigest(Digests.algorithm(digest));
      byte[] buf = new byte[BUFFER];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      if (!Digests.format(Digests.algorithm(digest), md).equals(digest)) {
        in.close();
        deleteCorrupt(digest, "its content does not match its digest");
        return false;
      }
      touch(p);
      return true;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new OciException("cannot read " + digest + " from the content store: " + e.getMessage(), e);
    }
  }

  private void deleteCorrupt(String digest, String why) throws IOException {
    LOG.log(System.Logger.Level.WARNING, "deleting corrupted blob {0} from {1}: {2}", digest, root, why);
    Files.deleteIfExists(blobPath(digest));
  }

  /** Callback that fills a pending blob, e.g. from the network. */
  @FunctionalInterface
  public interface Fetcher {
    void fetch(Pending pending) throws IOException;
  }

  /**
   * Returns the verified path of a blob, fetching it under the digest's lock when it is missing or
   * corrupted. Concurrent callers for one digest wait for the first one and then find it stored.
   */
  public Path ensure(String digest, long size, PullListener listener, Fetcher fetcher) {
    Path p = blobPath(digest);
    if (Files.exists(p) && verifyStored(digest, size)) {
      Listeners.cacheHit(listener, digest);
      return p;
    }
    try (AutoCloseable l = lock(Digests.hex(digest))) {
      if (Files.exists(p) && verifyStored(digest, size)) {
        Listeners.cacheHit(listener, digest);
        return p;
      }
      try (Pending pending = new Pending(digest, size, listener)) {
        fetcher.fetch(pending);
        pending.commit();
      }
      Listeners.verified(listener, digest);
      return p;
    } catch (OciException e) {
      throw e;
    } catch (IOException e) {
      throw new OciException("cannot store " + digest + " in " + root + ": " + e.getMessage(), e);
    } catch (Exception e) {
      throw new OciException("cannot store " + digest + ": " + e, e);
    }
  }

  /** Stores bytes under their sha256 digest (idempotent) and returns the digest. */
  public String put(byte[] bytes) {
    String digest = Digests.sha256(bytes);
    putVerified(digest, bytes);
    return digest;
  }

  /** Stores bytes already known to hash to {@code digest}. */
  public void putVerified(String digest, byte[] bytes) {
    if (Files.exists(blobPath(digest))) {
      return;
    }
    ensure(digest, bytes.length, null, p -> p.write(bytes, 0, bytes.length));
  }

  /** A blob being written: temp file plus running digest; commit verifies, fsyncs and renames. */
  public final class Pending implements AutoCloseable {
    private final String digest;
    private final long size;
    private final PullListener listener;
    private final Scratch scratch;
    private final Path tmp;
    private final FileChannel ch;
    private MessageDigest md;
    private long written;
    /** The digest of what was written, once {@link #verify()} computed it. */
    private String actual;

    Pending(String digest, long size, PullListener listener) {
      this.digest = digest;
      this.size = size;
      this.listener = listener;
      this.scratch = newScratchFile(Digests.hex(digest).substring(0, 12) + "-", ".part");
      this.tmp = scratch.path();
      this.ch = scratch.channel();
      this.md = Digests.newDigest(Digests.algorithm(digest));
    }

    /** How many bytes to read next at most: up to the first byte beyond the declared size, no further. */
    private int readLimit(int room, long received) {
      return size < 0 ? room : (int) Math.min(room, size + 1 - received);
    }

    private DigestMismatchException tooLarge() {
      return new DigestMismatchException(digest, "size>" + size, "blob " + digest + " is larger than the "
          + size + " bytes its descriptor declares; discarded");
    }

    public String digest() {
      return digest;
    }

    /** Expected size, or -1 when unknown. */
    public long size() {
      return size;
    }

    /** Bytes written so far; a resumed download continues from here. */
    public long written() {
      return written;
    }

    public void write(byte[] b, int off, int len) throws IOException {
      if (size >= 0 && written + len > size) {
        throw tooLarge();
      }
      actual = null;
      md.update(b, off, len);
      ByteBuffer bb = ByteBuffer.wrap(b, off, len);
      while (bb.hasRemaining()) {
        ch.write(bb);
      }
      written += len;
      Listeners.progress(listener, digest, written, size);
    }

    /** Copies a whole stream in. */
    public void writeAll(InputStream in) throws IOException {
      byte[] buf = new byte[BUFFER];
      for (int n; (n = in.read(buf, 0, readLimit(buf.length, written))) > 0; ) {
        write(buf, 0, n);
      }
    }

    /**
     * Copies a stream in until its end. Large blobs go through a three-stage pipeline: this thread reads
     * from the network while one thread hashes and another writes the file, handing over a bounded
     * set of reused 1 MiB buffers (4 MiB in all); with fsync on, the file is also forced to disk in
     * the background every {@link #EARLY_FLUSH} bytes. When reading fails, the bytes read so far are
     * still hashed and written, so {@link #written()} is where a resumed download continues.
     */
    public void transferFrom(InputStream in) throws IOException {
      long remaining = size < 0 ? -1 : size - written;
      if (remaining >= 0 && remaining < PIPE_THRESHOLD) {
        writeAll(in);
        return;
      }
      ArrayBlockingQueue<byte[]> free = new ArrayBlockingQueue<>(PIPE_BUFFERS);
      for (int i = 0; i < PIPE_BUFFERS; i++) {
        free.add(new byte[PIPE_BUFFER]);
      }
      // Room for every buffer plus the end marker, so adding never blocks or fails.
      ArrayBlockingQueue<Chunk> toHash = new ArrayBlockingQueue<>(PIPE_BUFFERS + 1);
      ArrayBlockingQueue<Chunk> toWrite = new ArrayBlockingQueue<>(PIPE_BUFFERS + 1);
      actual = null;
      MessageDigest hash = md;
      Future<?> hasher = PIPELINE.submit(() -> {
        while (true) {
          Chunk c = toHash.take();
          if (c.length >= 0) {
            hash.update(c.buffer, 0, c.length);
          }
          toWrite.add(c);
          if (c.length < 0) {
            return null;
          }
        }
      });
      Future<Long> writer = PIPELINE.submit(() -> {
        long done = 0;
        long unflushed = 0;
        Future<?> flush = CompletableFuture.completedFuture(null);
        IOException failure = null;
        while (true) {
          Chunk c = toWrite.take();
          if (c.length < 0) {
            try {
              awaitFlush(flush);
            } catch (IOException e) {
              failure = failure != null ? failure : e;
            }
            if (failure != null) {
              throw failure;
            }
            return done;
          }
          if (failure == null) {
            try {
              ByteBuffer bb = ByteBuffer.wrap(c.buffer, 0, c.length);
              while (bb.hasRemaining()) {
                ch.write(bb);
              }
              done += c.length;
              unflushed += c.length;
              if (fsync && unflushed >= EARLY_FLUSH && flush.isDone()) {
                awaitFlush(flush);
                flush = PIPELINE.submit(() -> {
                  ch.force(false);
                  return null;
                });
                unflushed = 0;
              }
            } catch (IOException e) {
              failure = e; // keep recycling buffers so the reader never waits forever
            }
          }
          free.add(c.buffer);
        }
      });
      Exception failure = null;
      long received = written;
      try {
        while (true) {
          byte[] buf = free.take();
          int n = 0;
          try {
            for (int r, want; n < buf.length && (want = readLimit(buf.length - n, received + n)) > 0
                && (r = in.read(buf, n, want)) > 0; ) {
              n += r;
            }
          } catch (IOException e) {
            failure = e; // keep what arrived: it is hashed and written, then the caller resumes
          }
          if (size >= 0 && received + n > size) {
            free.add(buf);
            throw tooLarge();
          }
          if (n > 0) {
            received += n;
            toHash.add(new Chunk(buf, n));
            Listeners.progress(listener, digest, received, size);
          } else {
            free.add(buf);
          }
          if (failure != null || n < buf.length) {
            break;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure = new java.io.InterruptedIOException("interrupted while downloading " + digest);
      } catch (RuntimeException e) {
        failure = e;
      } finally {
        toHash.add(Chunk.END);
      }
      // Always let the other stages drain, so the digest covers exactly the file for a resume.
      try {
        hasher.get();
        written += writer.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        hasher.cancel(true);
        writer.cancel(true);
        throw new java.io.InterruptedIOException("interrupted while storing " + digest);
      } catch (ExecutionException e) {
        // A failed disk write leaves the digest ahead of the file: not resumable, and not the network's fault.
        throw new OciException("cannot write " + digest + " to the content store " + root + ": "
            + e.getCause().getMessage(), e.getCause());
      }
      if (failure instanceof IOException e) {
        throw e;
      }
      if (failure instanceof RuntimeException e) {
        throw e;
      }
    }

    /** Discards what was written (e.g. a server that ignored a Range request, or a corrupted transfer). */
    public void restart() throws IOException {
      ch.truncate(0);
      ch.position(0);
      md = Digests.newDigest(Digests.algorithm(digest));
      written = 0;
      actual = null;
    }

    /**
     * Checks that what was written is the blob: its declared size, then its digest.
     *
     * @throws DigestMismatchException when it is not
     */
    public void verify() {
      if (size >= 0 && written != size) {
        throw new DigestMismatchException(digest, "size=" + written, "blob " + digest + " has " + written
            + " bytes but its descriptor declares " + size + "; discarded");
      }
      if (actual == null) {
        actual = Digests.format(Digests.algorithm(digest), md); // resets md: kept until more is written
      }
      if (!actual.equals(digest)) {
        throw new DigestMismatchException(digest, actual, "blob content hashes to " + actual + ", not " + digest
            + "; discarded");
      }
    }

    void commit() throws IOException {
      verify();
      if (fsync) {
        ch.force(true);
      }
      // Moved while still open and locked, so no reclaimer takes it between the close and the move.
      Path target = blobPath(digest);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      scratch.keep();
      if (fsync) {
        fsyncDir(target.getParent());
      }
    }

    @Override
    public void close() throws IOException {
      scratch.close();
    }
  }

  /** Waits for a background flush; a failed fsync may have dropped dirty pages, so it fails the blob. */
  private static void awaitFlush(Future<?> flush) throws IOException, InterruptedException {
    try {
      flush.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  /** A filled pipeline buffer; {@link #END} (length -1) stops the hasher. */
  private record Chunk(byte[] buffer, int length) {
    static final Chunk END = new Chunk(null, -1);
  }

  static void fsyncDir(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // Not every file system lets a directory be opened for fsync; the rename itself is still atomic.
    }
  }

  private static void touch(Path p) {
    try {
      Files.setLastModifiedTime(p, FileTime.from(Instant.now()));
    } catch (IOException ignored) {
      // Recency only steers pruning; a read-only store still serves content.
    }
  }

  // ---- tag resolutions ----

  private Path refFile(String reference) {
    return root.resolve("refs").resolve(Digests.hex(Digests.sha256(reference.getBytes(StandardCharsets.UTF_8))) + ".json");
  }

  public void recordResolution(String reference, String digest) {
    ObjectNode o = Manifests.JSON.createObjectNode();
    o.put("reference", reference).put("digest", digest).put("resolvedAt", Instant.now().toString());
    writeAtomically(refFile(reference), o.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A recorded tag resolution: digest and when it was made. */
  public record Resolution(String reference, String digest, Instant resolvedAt) {}

  public Optional<Resolution> resolution(String reference) {
    Path f = refFile(reference);
    try {
      JsonNode n = Manifests.JSON.readTree(Files.readAllBytes(f));
      String d = n.path("digest").asText(null);
      if (!reference.equals(n.path("reference").asText()) || !Digests.isValid(d)) {
        return Optional.empty();
      }
      return Optional.of(new Resolution(reference, d, Instant.parse(n.path("resolvedAt").asText())));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // a damaged record is a miss, never an error
    }
  }

  public void writeAtomically(Path target, byte[] bytes) {
    try (Scratch tmp = newScratchFile("w-", ".part")) {
      ByteBuffer bb = ByteBuffer.wrap(bytes);
      while (bb.hasRemaining()) {
        tmp.channel().write(bb);
      }
      tmp.channel().force(true);
      Files.move(tmp.path(), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp.keep();
    } catch (IOException e) {
      throw new OciException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  // ---- listing, pruning, removal ----

  /** A stored blob or extracted tree. */
  public record Entry(String digest, String kind, long size, Instant lastUsed, Path path) {}

  public List<Entry> list() {
    List<Entry> out = new ArrayList<>();
    for (String alg : new String[] {"sha256", "sha512"}) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve("blobs").resolve(alg))) {
        for (Path p : ds) {
          BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
          out.add(new Entry(alg + ":" + p.getFileName(), "blob", a.size(), a.lastModifiedTime().toInstant(), p));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve("rootfs"), "*.json")) {
      for (Path marker : ds) {
        String hex = marker.getFileName().toString().replace(".json", "");
        Path dir = root.resolve("rootfs").resolve(hex);
        out.add(new Entry("sha256:" + hex, "rootfs", treeSize(dir),
            Files.getLastModifiedTime(marker).toInstant(), dir));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(Comparator.comparing(Entry::lastUsed));
    return out;
  }

  static long treeSize(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  /** Deletes least recently used entries until the total is at most maxBytes; returns bytes freed. */
  public long prune(long maxBytes) {
    long freed = reclaim().bytes();
    List<Entry> entries = list();
    long total = entries.stream().mapToLong(Entry::size).sum();
    for (Entry e : entries) {
      if (total <= maxBytes) {
        break;
      }
      if (remove(e)) {
        total -= e.size();
        freed += e.size();
      }
    }
    return freed;
  }

  public boolean remove(String digest) {
    boolean any = false;
    for (Entry e : list()) {
      if (e.digest().equals(digest)) {
        any |= remove(e);
      }
    }
    return any;
  }

  private boolean remove(Entry e) {
    String hex = Digests.hex(e.digest());
    try (AutoCloseable l = lock(e.kind().equals("rootfs") ? "rootfs-" + hex : hex)) {
      if (e.kind().equals("rootfs")) {
        Files.deleteIfExists(root.resolve("rootfs").resolve(hex + ".json"));
        deleteTree(e.path());
        return true;
      }
      return Files.deleteIfExists(e.path());
    } catch (Exception ex) {
      throw new OciException("cannot remove " + e.digest() + " from " + root + ": " + ex.getMessage(), ex);
    }
  }

  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(dir);
      return;
    }
    List<Path> all;
    try (Stream<Path> s = Files.walk(dir)) {
      all = s.toList();
    }
    // Trees are made read-only when complete: make directories writable again before deleting inside them.
    for (Path p : all) {
      if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        p.toFile().setWritable(true);
      }
    }
    for (Path p : all.stream().sorted(Comparator.reverseOrder()).toList()) {
      Files.deleteIfExists(p);
    }
  }
}
