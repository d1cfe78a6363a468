package dev.skiff.oci.internal.store;

import dev.skiff.oci.OciException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.internal.Listeners;
import dev.skiff.oci.internal.format.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Content-addressed store: {@code blobs/<alg>/<hex>}, written through a {@link PendingBlob} that is
 * verified, fsynced and atomically renamed. Writers of one digest are serialised by {@link StoreLocks},
 * so threads and processes sharing the store never download the same blob twice at once. Beside the
 * blobs: the scratch space of {@link TempArea}, extracted trees ({@link RootfsTrees}) and tag resolutions
 * ({@link TagResolutions}).
 */
public final class BlobStore {
  private static final System.Logger LOG = System.getLogger("dev.skiff.oci.store");
  private static final int BUFFER = 1 << 16;

  private final Path root;
  private final boolean fsync;
  private final StoreLocks locks;
  private final TempArea temp;
  private final RootfsTrees trees;
  private final TagResolutions resolutions;
  private final AtomicReference<Usage> reclaimed = new AtomicReference<>(Usage.NONE);

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
    this.locks = new StoreLocks(this.root.resolve("locks"), key);
    this.temp = new TempArea(this.root.resolve("tmp"), locks);
    this.trees = new RootfsTrees(this.root.resolve("rootfs"), locks, temp);
    this.resolutions = new TagResolutions(this.root.resolve("refs"), temp);
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
    return locks.lock(key);
  }

  /** A new locked folder in tmp/ whose {@link Scratch#path()} is an empty folder to fill and move into place. */
  public Scratch newScratchDir(String prefix) {
    return temp.newDir(prefix);
  }

  /** Extracted image trees. */
  public RootfsTrees trees() {
    return trees;
  }

  /** Recorded tag resolutions. */
  public TagResolutions resolutions() {
    return resolutions;
  }

  /** Temporary state now in the store: entries of tmp/ (held or not) and extracted trees without their marker. */
  public Usage temporary() {
    try {
      return temp.usage().plus(trees.unmarkedUsage());
    } catch (IOException | UncheckedIOException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot measure the temporary state of {0}: {1}", root, e.toString());
      return Usage.NONE;
    }
  }

  /** What this instance reclaimed so far (when opened and pruned). */
  public Usage reclaimed() {
    return reclaimed.get();
  }

  /**
   * Deletes what dead processes left: entries of tmp/ whose lock can be taken, and extracted trees moved into
   * place without their marker (under their extraction lock). Never fails: a store that cannot be cleaned
   * (read-only, say) still serves what it has.
   *
   * @return what was reclaimed
   */
  public Usage reclaim() {
    Usage freed = temp.reclaim().plus(trees.reclaim());
    if (freed.entries() > 0) {
      LOG.log(System.Logger.Level.INFO, "reclaimed {0} leftovers of interrupted pulls ({1} bytes) in {2}",
          freed.entries(), freed.bytes(), root);
      reclaimed.accumulateAndGet(freed, Usage::plus);
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
    void fetch(PendingBlob pending) throws IOException;
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
    try (AutoCloseable l = locks.lock(Digests.hex(digest))) {
      if (Files.exists(p) && verifyStored(digest, size)) {
        Listeners.cacheHit(listener, digest);
        return p;
      }
      try (PendingBlob pending = new PendingBlob(digest, size, listener,
          temp.newFile(Digests.hex(digest).substring(0, 12) + "-", ".part"), p, fsync)) {
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

  private static void touch(Path p) {
    try {
      Files.setLastModifiedTime(p, FileTime.from(Instant.now()));
    } catch (IOException ignored) {
      // Recency only steers pruning; a read-only store still serves content.
    }
  }

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
    try {
      for (Path dir : trees.markedTrees()) {
        out.add(new Entry("sha256:" + dir.getFileName(), "rootfs", FileTrees.treeSize(dir),
            Files.getLastModifiedTime(trees.marker(dir)).toInstant(), dir));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(Comparator.comparing(Entry::lastUsed));
    return out;
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
    try {
      if (e.kind().equals("rootfs")) {
        trees.remove(hex);
        return true;
      }
      try (AutoCloseable l = locks.lock(hex)) {
        return Files.deleteIfExists(e.path());
      }
    } catch (Exception ex) {
      throw new OciException("cannot remove " + e.digest() + " from " + root + ": " + ex.getMessage(), ex);
    }
  }
}
