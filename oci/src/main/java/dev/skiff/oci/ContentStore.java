package dev.skiff.oci;

import dev.skiff.oci.internal.format.Digests;
import dev.skiff.oci.internal.store.BlobStore;
import dev.skiff.oci.internal.store.Usage;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The local content-addressed store shared by threads and processes: blobs under {@code blobs/sha256/},
 * extracted image trees under {@code rootfs/}, tag resolutions under {@code refs/}.
 */
public final class ContentStore {
  /**
   * A stored blob or extracted image tree.
   *
   * @param digest the blob digest, or the manifest digest of an extracted tree
   * @param kind {@code blob} or {@code rootfs}
   * @param size bytes on disk
   * @param lastUsed when it was last written or read (least recently used entries are pruned first)
   * @param path where it is
   */
  public record Entry(String digest, String kind, long size, Instant lastUsed, Path path) {}

  /**
   * Temporary state: downloads and extractions in progress, or what an interrupted process left behind.
   *
   * @param entries how many files or folders
   * @param bytes their bytes on disk
   */
  public record Temporary(int entries, long bytes) {}

  private final BlobStore store;

  ContentStore(BlobStore store) {
    this.store = store;
  }

  BlobStore blobs() {
    return store;
  }

  /**
   * The store's root directory.
   *
   * @return an absolute path
   */
  public Path root() {
    return store.root();
  }

  /**
   * Everything stored, least recently used first.
   *
   * @return the entries
   */
  public List<Entry> list() {
    return store.list().stream().map(e -> new Entry(e.digest(), e.kind(), e.size(), e.lastUsed(), e.path())).toList();
  }

  /**
   * Temporary state now in the store (not part of {@link #list()}): downloads and extractions in progress.
   * What a killed process left is reclaimed when a store is opened or pruned, so only what a live process
   * holds stays here.
   *
   * @return the entries and bytes
   */
  public Temporary temporary() {
    Usage u = store.temporary();
    return new Temporary(u.entries(), u.bytes());
  }

  /**
   * What this store reclaimed so far, when it was opened and pruned: leftovers of interrupted processes.
   *
   * @return the entries and bytes
   */
  public Temporary reclaimed() {
    Usage u = store.reclaimed();
    return new Temporary(u.entries(), u.bytes());
  }

  /**
   * Deletes least recently used entries until the store holds at most {@code maxBytes}, and the leftovers
   * of interrupted processes.
   *
   * @param maxBytes the size to shrink to
   * @return bytes freed (leftovers included)
   * @throws IllegalArgumentException when maxBytes is negative
   */
  public long prune(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0: " + maxBytes);
    }
    return store.prune(maxBytes);
  }

  /**
   * Removes a blob (and an extracted tree of a manifest with that digest).
   *
   * @param digest e.g. {@code sha256:...}
   * @return whether anything was removed
   * @throws IllegalArgumentException when the digest is malformed
   */
  public boolean remove(String digest) {
    if (!Digests.isValid(digest)) {
      throw new IllegalArgumentException("not a digest (sha256:<64 hex> or sha512:<128 hex>): " + digest);
    }
    return store.remove(digest);
  }

  @Override
  public String toString() {
    return "ContentStore{" + store.root() + "}";
  }
}
