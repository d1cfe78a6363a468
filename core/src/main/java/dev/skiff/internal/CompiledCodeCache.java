package dev.skiff.internal;

import com.dylibso.chicory.compiler.Cache;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Chicory's compiled-code {@link Cache} on disk, one jar per module digest under a folder named for the
 * Chicory version and the compiler options, because Chicory keys entries by module digest alone and a
 * jar from another version or option set must never be loaded. Entries are written to a temporary file
 * and moved into place atomically, so a concurrent reader (thread or process) sees a whole jar or none.
 */
public final class CompiledCodeCache implements Cache, AutoCloseable {
  private final Path dir;
  /** Guarded by this: once closed, a background compile that finishes later writes nothing. */
  private boolean closed;

  public CompiledCodeCache(Path storeRoot, String namespace) {
    this.dir = storeRoot.resolve("compiled").resolve(namespace);
  }

  public Path directory() {
    return dir;
  }

  /** Whether an entry for {@code key} is on disk. */
  public boolean contains(String key) {
    return Files.isRegularFile(fileFor(key));
  }

  @Override
  public byte[] get(String key) throws IOException {
    try {
      return Files.readAllBytes(fileFor(key));
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Waits for a write under way, then turns later writes into no-ops, so the store is left alone. */
  @Override
  public synchronized void close() {
    closed = true;
  }

  @Override
  public synchronized void putIfAbsent(String key, byte[] value) throws IOException {
    Path target = fileFor(key);
    if (closed || Files.exists(target)) {
      return;
    }
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".tmp-", ".jar");
    try {
      Files.write(tmp, value);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
        // another writer won the race with identical content
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Deletes everything under the store's compiled-code folder except this namespace's entries for
   * modules in {@code moduleDigests} (OCI digests, {@code sha256:<hex>}): code compiled for modules
   * no longer stored, and whole folders of other Chicory versions or options, which nothing loads.
   *
   * @return the bytes freed
   */
  public synchronized long retainModules(Collection<String> moduleDigests) throws IOException {
    Set<Path> keep = new HashSet<>();
    for (String digest : moduleDigests) {
      if (digest.startsWith("sha256:")) {
        keep.add(fileFor(chicoryKey(digest)));
      }
    }
    Path compiled = dir.getParent();
    if (!Files.isDirectory(compiled)) {
      return 0;
    }
    long freed = 0;
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(compiled)) {
      paths = walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList()); // children first
    }
    for (Path p : paths) {
      if (p.equals(compiled) || keep.contains(p)) {
        continue;
      }
      if (Files.isDirectory(p)) {
        if (isEmpty(p)) { // a folder goes once nothing kept is left in it
          Files.deleteIfExists(p);
        }
      } else {
        long size = Files.size(p);
        if (Files.deleteIfExists(p)) {
          freed += size;
        }
      }
    }
    return freed;
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  /** Chicory's cache key for a module: {@code WasmModule.digest()}, the SHA-256 in base64. */
  private static String chicoryKey(String ociDigest) {
    return "sha-256:" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(ociDigest.substring(7)));
  }

  private Path fileFor(String key) {
    // keys are module digests; keep only safe characters so a key can never name another folder
    return dir.resolve(key.replaceAll("[^A-Za-z0-9._-]", "_") + ".jar");
  }
}
