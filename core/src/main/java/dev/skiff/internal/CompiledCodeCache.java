package dev.skiff.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * What Skiff keeps per module digest beside the store, under a folder named for the Chicory version and
 * the compiler options ({@link Versions#compiledCodeNamespace()}), so nothing made by another version or
 * option set is ever read:
 * <ul>
 *   <li>{@code <hex>.jar}: the compiled classes, the stub ("meta") module they run against and a
 *       properties entry naming digest, namespace, main class and the functions left to the interpreter.
 *       Written to a temporary file and moved into place atomically; an entry that does not read back
 *       whole (zip CRCs) or names another digest or namespace is deleted and never used.
 *   <li>{@code <hex>.valid}: the full module passed Chicory's validation once, so later parses skip it
 *       (the bytes themselves are digest-verified by the store on every pull).
 *   <li>{@code <hex>.failed}: a background compile ran out of its bounds; background compiles stop
 *       retrying, an explicit compile still tries.
 *   <li>{@code <hex>.lock}: held while one process compiles the module, so two never compile it at once.
 * </ul>
 */
public final class CompiledCodeCache implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(CompiledCodeCache.class.getName());
  private static final String PROPERTIES = "META-INF/skiff-compiled.properties";
  private static final String META_MODULE = "META-INF/module.meta.wasm";
  /** File locks are per JVM: holders in this process are tracked here so a second tryLock says "held". */
  private static final Set<Path> HELD = new HashSet<>();

  private final Path dir;
  private final String namespace;
  /** Guarded by this: once closed, a compile that finishes later writes nothing. */
  private boolean closed;

  /** A compiled module as stored: class files by name, the main class, the stub module, interpreted functions. */
  public static final class Entry {
    final Map<String, byte[]> classes;
    final String mainClass;
    final byte[] metaModule;
    final Set<Integer> interpreted;

    public Entry(Map<String, byte[]> classes, String mainClass, byte[] metaModule, Set<Integer> interpreted) {
      this.classes = classes;
      this.mainClass = mainClass;
      this.metaModule = metaModule;
      this.interpreted = interpreted;
    }
  }

  public CompiledCodeCache(Path storeRoot, String namespace) {
    this.dir = storeRoot.resolve("compiled").resolve(namespace);
    this.namespace = namespace;
  }

  public Path directory() {
    return dir;
  }

  /** Whether an entry for {@code digest} ({@code sha256:<hex>}) is on disk (not yet read back). */
  public boolean contains(String digest) {
    return Files.isRegularFile(file(digest, ".jar"));
  }

  /** Whether this Chicory version validated the module of {@code digest} before. */
  public boolean isValidated(String digest) {
    return Files.isRegularFile(file(digest, ".valid"));
  }

  public void markValidated(String digest) {
    touch(digest, ".valid");
  }

  /** Whether a background compile of {@code digest} failed within its bounds before. */
  public boolean hasFailed(String digest) {
    return Files.isRegularFile(file(digest, ".failed"));
  }

  public void markFailed(String digest) {
    touch(digest, ".failed");
  }

  private synchronized void touch(String digest, String suffix) {
    if (closed) {
      return;
    }
    try {
      Files.createDirectories(dir);
      Files.write(file(digest, suffix), new byte[0]);
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "Cannot write " + file(digest, suffix), e);
    }
  }

  /**
   * Reads the entry for {@code digest}; empty when there is none or it cannot be trusted, in which case
   * the file is deleted (when no compile holds the module's lock) so the next compile replaces it.
   */
  public Optional<Entry> load(String digest) {
    Path jar = file(digest, ".jar");
    Map<String, byte[]> classes = new LinkedHashMap<>();
    Properties props = new Properties();
    byte[] meta = null;
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(jar))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        byte[] bytes = in.readAllBytes(); // a damaged entry fails its CRC here
        if (e.getName().equals(PROPERTIES)) {
          props.load(new java.io.ByteArrayInputStream(bytes));
        } else if (e.getName().equals(META_MODULE)) {
          meta = bytes;
        } else if (e.getName().endsWith(".class")) {
          classes.put(e.getName().substring(0, e.getName().length() - 6).replace('/', '.'), bytes);
        }
      }
      String main = props.getProperty("mainClass");
      if (!digest.equals(props.getProperty("digest")) || !namespace.equals(props.getProperty("namespace"))
          || meta == null || main == null || !classes.containsKey(main)
          || !String.valueOf(classes.size()).equals(props.getProperty("classes"))) {
        throw new IOException("the entry is incomplete or was made for another module or Chicory version");
      }
      return Optional.of(new Entry(classes, main, meta, parseInts(props.getProperty("interpreted", ""))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "Ignoring the damaged compiled-code entry " + jar + " (" + e.getMessage()
          + "); the module runs without it and is compiled again");
      discard(digest);
      return Optional.empty();
    }
  }

  /** Deletes the entry of {@code digest} unless a compile holds its lock (and will replace it). */
  public void discard(String digest) {
    Path jar = file(digest, ".jar");
    try (Lock lock = tryLock(digest)) {
      if (lock != null) {
        Files.deleteIfExists(jar);
      }
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "Cannot delete " + jar, e);
    }
  }

  /**
   * Writes the entry for {@code digest} (the caller holds its {@link #tryLock lock}) unless the cache
   * is closed: to a temporary file first, moved into place atomically (replacing an entry that did not
   * load), so a reader in any process sees a whole entry or none.
   */
  public synchronized void store(String digest, Entry entry) throws IOException {
    Path target = file(digest, ".jar");
    if (closed) {
      return;
    }
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, hex(digest) + ".jar.tmp-", "");
    try {
      try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
        Properties props = new Properties();
        props.setProperty("digest", digest);
        props.setProperty("namespace", namespace);
        props.setProperty("mainClass", entry.mainClass);
        props.setProperty("classes", String.valueOf(entry.classes.size()));
        props.setProperty("interpreted", new TreeSet<>(entry.interpreted).stream()
            .map(String::valueOf).collect(Collectors.joining(",")));
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        props.store(p, null);
        put(zip, PROPERTIES, p.toByteArray());
        put(zip, META_MODULE, entry.metaModule);
        for (Map.Entry<String, byte[]> c : entry.classes.entrySet()) {
          put(zip, c.getKey().replace('.', '/') + ".class", c.getValue());
        }
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true); // the entry is whole on disk before its name says it is there
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(file(digest, ".failed"));
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Entries are stored uncompressed: inflating 40 MB of classes took seconds of a cached run; CRCs stay. */
  private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setTime(0);
    e.setMethod(ZipEntry.STORED);
    e.setSize(bytes.length);
    CRC32 crc = new CRC32();
    crc.update(bytes);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    zip.write(bytes);
    zip.closeEntry();
  }

  /** The per-digest compile lock, held until closed. */
  public final class Lock implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    Lock(Path path, FileChannel channel, FileLock lock) {
      this.path = path;
      this.channel = channel;
      this.lock = lock;
    }

    @Override
    public void close() throws IOException {
      try {
        lock.release();
        channel.close();
      } finally {
        synchronized (HELD) {
          HELD.remove(path);
        }
      }
    }
  }

  /**
   * Takes the compile lock of {@code digest} if no thread or process holds it, or returns null. The
   * holder is the only writer of the module's temporary files, so leftovers of a killed compile are
   * deleted here. Once the cache is closed it returns null, so a compile that starts as its Skiff closes
   * creates no files in a store that is being deleted.
   */
  public synchronized Lock tryLock(String digest) throws IOException {
    if (closed) {
      return null;
    }
    Files.createDirectories(dir);
    Path path = file(digest, ".lock").toAbsolutePath();
    synchronized (HELD) {
      if (!HELD.add(path)) {
        return null;
      }
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = ch.tryLock();
      if (lock == null) {
        throw new OverlappingFileLockException();
      }
      try (DirectoryStream<Path> tmps = Files.newDirectoryStream(dir, hex(digest) + ".jar.tmp-*")) {
        for (Path t : tmps) {
          Files.deleteIfExists(t);
        }
      }
      return new Lock(path, ch, lock);
    } catch (OverlappingFileLockException | IOException e) {
      if (ch != null) {
        ch.close();
      }
      synchronized (HELD) {
        HELD.remove(path);
      }
      if (e instanceof IOException) {
        throw (IOException) e;
      }
      return null;
    }
  }

  /** Turns later writes into no-ops (waiting for one under way), so the store is left alone. */
  @Override
  public synchronized void close() {
    closed = true;
  }

  /**
   * Deletes everything under the store's compiled-code folder except this namespace's files for
   * modules in {@code moduleDigests} ({@code sha256:<hex>}): code compiled for modules no longer
   * stored, and whole folders of other Chicory versions or options, which nothing reads. Files of a
   * module whose compile is under way (lock held) are left alone.
   *
   * @return the bytes freed
   */
  public synchronized long retainModules(Collection<String> moduleDigests) throws IOException {
    Set<String> keep = new HashSet<>();
    for (String digest : moduleDigests) {
      if (digest.startsWith("sha256:")) {
        keep.add(hex(digest));
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
      if (p.equals(compiled)) {
        continue;
      }
      if (Files.isDirectory(p)) {
        if (isEmpty(p)) { // a folder goes once nothing kept is left in it
          Files.deleteIfExists(p);
        }
        continue;
      }
      String name = p.getFileName().toString();
      int dot = name.indexOf('.');
      String owner = dot < 0 ? name : name.substring(0, dot);
      if (p.getParent().equals(dir) && (keep.contains(owner) || name.endsWith(".lock") || isLocked(owner))) {
        continue;
      }
      long size = Files.size(p);
      if (Files.deleteIfExists(p)) {
        freed += size;
      }
    }
    try (Stream<Path> locks = Files.list(dir).filter(p -> p.toString().endsWith(".lock"))) {
      for (Path lock : (Iterable<Path>) locks::iterator) { // locks of modules whose files are all gone
        String owner = lock.getFileName().toString().replace(".lock", "");
        if (!keep.contains(owner) && !isLocked(owner)) {
          Files.deleteIfExists(lock);
        }
      }
    } catch (NoSuchFileException e) {
      // nothing of this namespace
    }
    return freed;
  }

  private boolean isLocked(String hex) throws IOException {
    try (Lock lock = tryLock("sha256:" + hex)) {
      return lock == null;
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  private static Set<Integer> parseInts(String list) {
    Set<Integer> out = new HashSet<>();
    for (String s : list.split(",")) {
      if (!s.isBlank()) {
        out.add(Integer.parseInt(s.trim()));
      }
    }
    return out;
  }

  private static String hex(String digest) {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    return digest.substring(7);
  }

  private Path file(String digest, String suffix) {
    return dir.resolve(hex(digest) + suffix);
  }
}
