package dev.skiff.oci.internal.store;

import dev.skiff.oci.OciException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.internal.Listeners;
import dev.skiff.oci.internal.format.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Extracted image trees in {@code rootfs/<manifest hex>}, each complete once its marker
 * {@code <hex>.json} exists. A tree is filled in tmp/, moved into place, then marked; a tree without its
 * marker is a leftover of a crash and is reclaimed under its lock.
 */
public final class RootfsTrees {
  private static final System.Logger LOG = System.getLogger("dev.skiff.oci.store");

  /** Fills an empty folder with a tree (e.g. by applying image layers). */
  @FunctionalInterface
  public interface Filler {
    void fill(Path emptyDir) throws IOException;
  }

  private final Path dir;
  private final StoreLocks locks;
  private final TempArea temp;

  RootfsTrees(Path dir, StoreLocks locks, TempArea temp) {
    this.dir = dir;
    this.locks = locks;
    this.temp = temp;
  }

  private static String lockKey(String hex) {
    return "rootfs-" + hex;
  }

  /**
   * The tree of {@code manifestDigest}, filled once (under a lock shared with other threads and processes)
   * when it is not there yet.
   *
   * @param what the image, for messages
   */
  public Path ensure(String manifestDigest, PullListener listener, String what, Filler filler) {
    String hex = Digests.hex(manifestDigest);
    Path tree = dir.resolve(hex);
    Path marker = dir.resolve(hex + ".json");
    if (Files.exists(marker) && Files.isDirectory(tree)) {
      Listeners.cacheHit(listener, manifestDigest);
      return tree;
    }
    try (AutoCloseable l = locks.lock(lockKey(hex))) {
      if (Files.exists(marker) && Files.isDirectory(tree)) {
        return tree;
      }
      try (Scratch scratch = temp.newDir("rootfs-")) {
        Path tmp = scratch.path();
        filler.fill(tmp);
        FileTrees.deleteTree(tree); // a tree without its marker is a leftover of a crash
        try {
          Files.move(tmp, tree, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, tree);
        }
      }
      temp.writeAtomically(marker, ("{\"manifest\":\"" + manifestDigest + "\"}").getBytes(StandardCharsets.UTF_8));
      return tree;
    } catch (OciException e) {
      throw e;
    } catch (Exception e) {
      throw new OciException("cannot extract the layers of " + what + ": " + e.getMessage(), e);
    }
  }

  /** The folders of the complete trees, named by their manifest hex. */
  List<Path> markedTrees() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
      for (Path marker : ds) {
        out.add(dir.resolve(marker.getFileName().toString().replace(".json", "")));
      }
    }
    return out;
  }

  /** The marker of a tree; its modification time is when the tree was last used. */
  Path marker(Path tree) {
    return tree.resolveSibling(tree.getFileName() + ".json");
  }

  /** Deletes a tree, marker first, under its lock. */
  void remove(String hex) throws Exception {
    try (AutoCloseable l = locks.lock(lockKey(hex))) {
      Files.deleteIfExists(dir.resolve(hex + ".json"));
      FileTrees.deleteTree(dir.resolve(hex));
    }
  }

  private List<Path> unmarked() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (!n.endsWith(".json") && !Files.exists(p.resolveSibling(n + ".json"))) {
          out.add(p);
        }
      }
    }
    return out;
  }

  /** Trees without their marker: being filled now, or left by a crash. */
  Usage unmarkedUsage() throws IOException {
    Usage u = Usage.NONE;
    for (Path p : unmarked()) {
      u = u.plus(new Usage(1, FileTrees.sizeOf(p)));
    }
    return u;
  }

  /** Deletes the unmarked trees nobody holds the lock of. Never fails. */
  Usage reclaim() {
    Usage freed = Usage.NONE;
    try {
      for (Path tree : unmarked()) {
        String hex = tree.getFileName().toString();
        try (AutoCloseable l = locks.tryLock(lockKey(hex))) {
          if (l != null && Files.isDirectory(tree) && !Files.exists(marker(tree))) {
            freed = freed.plus(new Usage(1, FileTrees.sizeOf(tree)));
            FileTrees.deleteTree(tree);
          }
        }
      }
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot reclaim unfinished trees in {0}: {1}", dir, e.toString());
    }
    return freed;
  }
}
