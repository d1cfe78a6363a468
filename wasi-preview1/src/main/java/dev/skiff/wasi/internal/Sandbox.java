package dev.skiff.wasi.internal;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Map;

/**
 * Path resolution confined to a preopen, the way cap-std does it: a path is walked one component at
 * a time relative to an open directory handle ({@link SecureDirectoryStream}: a directory file
 * descriptor on Linux, opened with {@code openat(O_NOFOLLOW)}), and every symbolic link is read and
 * resolved by us, within the sandbox, never followed by the host. Each step works on the directory
 * the previous step opened, so a directory swapped for a link between our look and our use is
 * never entered: the swap is seen (the open fails with ELOOP) and the component is looked at again.
 * Escapes fail with EPERM, as in wasmtime.
 *
 * <p>java.nio has no {@code mkdirat}, {@code symlinkat}, {@code linkat}, {@code readlinkat} or
 * nanosecond {@code utimensat} relative to a handle. Those go through {@link Staging}, which only
 * ever names host paths of the form {@code <preopen root>/<one component>}: the preopen root is the
 * embedder's trusted path, and none of those calls follows its final component, so no concurrent
 * change inside the preopen can redirect them (see Staging for the argument).
 */
final class Sandbox {
  static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
  /** Linux's limit on symbolic links followed in one lookup (MAXSYMLINKS). */
  private static final int MAX_LINKS = 40;

  /**
   * An open directory handle with reference counting: a resolution, a descriptor and the files
   * opened below it share one handle. {@code host} is where the directory was when we opened it
   * (the preopen root plus the components walked); only the preopen root's path is trusted.
   */
  static final class Dir {
    final SecureDirectoryStream<Path> handle;
    final Path host;
    /** The preopen root this handle was reached from (itself for a root). */
    final Dir root;
    /** True when {@code host} is the preopen root itself, so {@code host/name} is a trusted path. */
    final boolean atRoot;
    private int refs = 1;
    /** What {@link NativeFs} keeps for this handle (its own descriptor), or null. */
    Object nativeState;

    private Dir(SecureDirectoryStream<Path> handle, Path host, Dir root, boolean atRoot) {
      this.handle = handle;
      this.host = host;
      this.root = root == null ? this : root.retain();
      this.atRoot = atRoot;
    }

    Dir retain() {
      refs++;
      return this;
    }

    void release() {
      if (--refs == 0) {
        try {
          handle.close();
        } catch (IOException e) {
          // nothing was written through a directory handle
        }
        NativeFs n = NativeFs.of(this);
        if (n != null) {
          n.closed(this);
        }
        if (root != this) {
          root.release();
        }
      }
    }

    Path name(String name) {
      return host.getFileSystem().getPath(name);
    }

    /** Opens the child directory {@code name} without following a link; null if it is a link now. */
    Dir openChild(String name) throws IOException {
      try {
        SecureDirectoryStream<Path> s = handle.newDirectoryStream(name(name), NOFOLLOW);
        return new Dir(s, host.resolve(name), root, false);
      } catch (NotDirectoryException | FileSystemLoopException e) {
        return null;
      } catch (FileSystemException e) {
        if (errno(e) == Errno.ELOOP) {
          return null;
        }
        throw e;
      }
    }

    /** A second handle on this directory (for a descriptor the guest opens on it). */
    Dir reopen() throws IOException {
      SecureDirectoryStream<Path> s = handle.newDirectoryStream(name("."), NOFOLLOW);
      return new Dir(s, host, root, atRoot);
    }

    /** Attributes of {@code name} (this directory when null) without following a link; null if absent. */
    BasicFileAttributes lstat(String name) throws IOException {
      try {
        BasicFileAttributeView v = name == null ? handle.getFileAttributeView(BasicFileAttributeView.class)
            : handle.getFileAttributeView(name(name), BasicFileAttributeView.class, NOFOLLOW);
        return v.readAttributes();
      } catch (NoSuchFileException e) {
        return null;
      }
    }
  }

  /** Opens a preopen's root directory handle. */
  static Dir openRoot(Path host) throws IOException {
    DirectoryStream<Path> ds = Files.newDirectoryStream(host);
    if (!(ds instanceof SecureDirectoryStream)) {
      ds.close();
      throw new IllegalArgumentException("preopen " + host + ": its file system has no secure directory "
          + "access (java.nio.file.SecureDirectoryStream), so Skiff cannot confine a guest to it");
    }
    return new Dir((SecureDirectoryStream<Path>) ds, host, null, true);
  }

  /**
   * The outcome of resolving a guest path: the open directory that holds the final component and
   * its name, or, when the path names a directory handle itself ("." or "a/.."), a null name.
   * Closing it releases the handle.
   */
  record Resolved(Dir parent, String name, boolean trailingSlash) implements AutoCloseable {
    boolean isRoot() {
      return name == null;
    }

    /** Where it is on the host; trusted only when {@code parent.atRoot}. */
    Path host() {
      return name == null ? parent.host : parent.host.resolve(name);
    }

    BasicFileAttributes lstat() throws IOException {
      return parent.lstat(name);
    }

    @Override
    public void close() {
      parent.release();
    }
  }

  private Sandbox() {}

  /**
   * Resolves {@code path} relative to {@code dir}. Links in the middle are always followed (by us);
   * the final component is followed only if {@code followFinal} or a trailing slash asks for it.
   */
  static Resolved resolve(Dir dir, String path, boolean followFinal) throws IOException {
    if (path.isEmpty()) {
      throw Errno.fail(Errno.ENOENT);
    }
    if (path.indexOf('\0') >= 0) {
      throw Errno.fail(Errno.EINVAL);
    }
    if (path.charAt(0) == '/') {
      throw Errno.fail(Errno.EPERM);
    }
    boolean trailing = path.endsWith("/") || path.endsWith("/.") || path.equals(".")
        || path.endsWith("/..") || path.equals("..");
    ArrayDeque<String> todo = new ArrayDeque<>();
    split(path, todo, false);
    // Each directory descriptor is its own capability (as with cap-std's Dir in wasmtime): a path
    // may not climb above the directory it is resolved from, even if that is below the preopen.
    ArrayDeque<Dir> chain = new ArrayDeque<>();
    chain.push(dir.retain());
    try {
      int links = 0;
      String name = null;
      while (!todo.isEmpty()) {
        String c = todo.pollFirst();
        boolean last = todo.isEmpty();
        if (c.equals(".")) {
          continue;
        }
        if (c.equals("..")) {
          if (chain.size() == 1) {
            throw Errno.fail(Errno.EPERM);
          }
          // Every handle in the chain was opened by name without following a link, so its parent
          // is the handle below it: ".." is exact, whatever was renamed meanwhile.
          chain.pop().release();
          continue;
        }
        Dir top = chain.peek();
        checkName(top, c);
        if (!last) {
          // Most components are directories: open first (O_NOFOLLOW), look only if that failed.
          Dir child = top.openChild(c);
          if (child != null) {
            chain.push(child);
            continue;
          }
        }
        if (!last || followFinal || trailing) {
          BasicFileAttributes a = top.lstat(c);
          if (a != null && a.isSymbolicLink()) {
            if (++links > MAX_LINKS) {
              throw Errno.fail(Errno.ELOOP);
            }
            String target = Staging.readlink(top, c);
            if (target.isEmpty()) {
              throw Errno.fail(Errno.ENOENT);
            }
            if (target.startsWith("/")) {
              throw Errno.fail(Errno.EPERM);
            }
            if (last && target.endsWith("/")) {
              trailing = true;
            }
            split(target, todo, true);
            continue;
          }
          if (!last) {
            if (a == null) {
              throw Errno.fail(Errno.ENOENT);
            }
            if (!a.isDirectory()) {
              throw Errno.fail(Errno.ENOTDIR);
            }
            // A directory again (it changed between the open and our look): start over with it.
            if (++links > MAX_LINKS) {
              throw Errno.fail(Errno.ELOOP);
            }
            todo.addFirst(c);
            continue;
          }
        }
        name = c;
      }
      return new Resolved(chain.pop(), name, trailing);
    } finally {
      for (Dir d : chain) {
        d.release();
      }
    }
  }

  private static void checkName(Dir d, String name) {
    try {
      Path p = d.name(name);
      // A name the host file system would read as several components (a separator of another
      // platform, say) must not slip past our one-component-at-a-time walk.
      if (p.isAbsolute() || p.getNameCount() != 1 || !p.toString().equals(name)) {
        throw Errno.fail(Errno.EINVAL);
      }
    } catch (InvalidPathException e) {
      throw Errno.fail(Errno.EINVAL);
    }
  }

  /** Pushes the components of {@code path} in front of {@code todo} (or at the end). */
  private static void split(String path, ArrayDeque<String> todo, boolean front) {
    ArrayList<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= path.length(); i++) {
      if (i == path.length() || path.charAt(i) == '/') {
        if (i > start) {
          parts.add(path.substring(start, i));
        }
        start = i + 1;
      }
    }
    if (front) {
      for (int i = parts.size() - 1; i >= 0; i--) {
        todo.addFirst(parts.get(i));
      }
    } else {
      todo.addAll(parts);
    }
  }

  /** A filestat. */
  record Stat(int filetype, long dev, long ino, long nlink, long size, long atim, long mtim, long ctim) {}

  /**
   * The filestat of {@code name} in {@code d} (of {@code d} itself when null), never following a
   * link. The handle gives the race-free answer; java.nio only reads dev, ino, nlink and ctime by
   * path, so those come from a path lookup whose file key must match the handle's (else the path
   * led elsewhere meanwhile, and the handle's answer stands alone).
   */
  static Stat stat(Dir d, String name) throws IOException {
    Path p = name == null ? d.host : d.host.resolve(name);
    FileSystem fs = p.getFileSystem();
    boolean unix = fs.supportedFileAttributeViews().contains("unix");
    if (unix && d.atRoot && name != null) {
      // <root>/<name> is a trusted path whose final name is not followed: one lookup is exact.
      Map<String, Object> m = Files.readAttributes(p, "unix:mode,dev,ino,nlink,size,lastAccessTime,"
          + "lastModifiedTime,ctime,isDirectory,isRegularFile,isSymbolicLink", NOFOLLOW);
      int mode = (Integer) m.get("mode");
      int type = (mode & 0170000) != 0 ? typeOfMode(mode)
          : Boolean.TRUE.equals(m.get("isSymbolicLink")) ? Descriptor.FILETYPE_SYMBOLIC_LINK
          : Boolean.TRUE.equals(m.get("isDirectory")) ? Descriptor.FILETYPE_DIRECTORY
          : Boolean.TRUE.equals(m.get("isRegularFile")) ? Descriptor.FILETYPE_REGULAR_FILE
          : Descriptor.FILETYPE_UNKNOWN;
      return new Stat(type, num(m.get("dev")), num(m.get("ino")), num(m.get("nlink")), num(m.get("size")),
          nanos((FileTime) m.get("lastAccessTime")), nanos((FileTime) m.get("lastModifiedTime")),
          nanos((FileTime) m.get("ctime")));
    }
    BasicFileAttributes a = d.lstat(name);
    if (a == null) {
      throw new NoSuchFileException(name);
    }
    if (unix) {
      Map<String, Object> m;
      try {
        m = Files.readAttributes(p, "unix:mode,dev,ino,nlink,ctime,fileKey", NOFOLLOW);
      } catch (IOException e) {
        m = null;
      }
      if (m != null && a.fileKey() != null && a.fileKey().equals(m.get("fileKey"))) {
        int mode = (Integer) m.get("mode");
        // Jimfs's unix:mode holds only the permission bits; fall back to the basic flags for the type.
        int type = (mode & 0170000) != 0 ? typeOfMode(mode) : typeOf(a);
        return new Stat(type, num(m.get("dev")), num(m.get("ino")), num(m.get("nlink")), a.size(),
            nanos(a.lastAccessTime()), nanos(a.lastModifiedTime()), nanos((FileTime) m.get("ctime")));
      }
    }
    Object key = a.fileKey();
    long ino = key != null ? key.hashCode() & 0xFFFFFFFFL : p.toAbsolutePath().hashCode() & 0xFFFFFFFFL;
    return new Stat(typeOf(a), 0, ino, 1, a.size(), nanos(a.lastAccessTime()),
        nanos(a.lastModifiedTime()), nanos(a.lastModifiedTime()));
  }

  private static long num(Object o) {
    return o == null ? 0 : ((Number) o).longValue();
  }

  static int typeOf(BasicFileAttributes a) {
    if (a.isSymbolicLink()) {
      return Descriptor.FILETYPE_SYMBOLIC_LINK;
    }
    if (a.isDirectory()) {
      return Descriptor.FILETYPE_DIRECTORY;
    }
    if (a.isRegularFile()) {
      return Descriptor.FILETYPE_REGULAR_FILE;
    }
    return Descriptor.FILETYPE_UNKNOWN;
  }

  private static int typeOfMode(int mode) {
    switch (mode & 0170000) {
      case 0040000: return Descriptor.FILETYPE_DIRECTORY;
      case 0100000: return Descriptor.FILETYPE_REGULAR_FILE;
      case 0120000: return Descriptor.FILETYPE_SYMBOLIC_LINK;
      case 0020000: return Descriptor.FILETYPE_CHARACTER_DEVICE;
      case 0060000: return 1; // block device
      case 0140000: return Descriptor.FILETYPE_SOCKET_STREAM;
      default: return Descriptor.FILETYPE_UNKNOWN;
    }
  }

  static long nanos(FileTime t) {
    if (t == null) {
      return 0;
    }
    java.time.Instant i = t.toInstant();
    try {
      return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
    } catch (ArithmeticException e) {
      return i.getEpochSecond() < 0 ? 0 : Long.MAX_VALUE;
    }
  }

  /** Maps a host I/O failure to the errno POSIX would give. */
  static int errno(IOException e) {
    if (e instanceof NoSuchFileException) {
      return Errno.ENOENT;
    }
    if (e instanceof FileAlreadyExistsException) {
      return Errno.EEXIST;
    }
    if (e instanceof DirectoryNotEmptyException) {
      return Errno.ENOTEMPTY;
    }
    if (e instanceof AccessDeniedException) {
      return Errno.EACCES;
    }
    if (e instanceof NotDirectoryException) {
      return Errno.ENOTDIR;
    }
    if (e instanceof NotLinkException) {
      return Errno.EINVAL;
    }
    if (e instanceof FileSystemLoopException) {
      return Errno.ELOOP;
    }
    if (e instanceof ClosedByInterruptException) {
      Thread.currentThread().interrupt();
      return Errno.EINTR;
    }
    if (e instanceof ClosedChannelException) {
      return Errno.EBADF;
    }
    String reason = e instanceof FileSystemException ? ((FileSystemException) e).getReason() : e.getMessage();
    if (reason != null) {
      String r = reason.toLowerCase(java.util.Locale.ROOT);
      if (r.contains("is a directory")) {
        return Errno.EISDIR;
      }
      if (r.contains("not a directory")) {
        return Errno.ENOTDIR;
      }
      if (r.contains("read-only file system")) {
        return Errno.EROFS;
      }
      if (r.contains("no space left")) {
        return Errno.ENOSPC;
      }
      if (r.contains("too many links")) {
        return Errno.EMLINK;
      }
      if (r.contains("too many levels of symbolic links")) {
        return Errno.ELOOP;
      }
      if (r.contains("directory not empty")) {
        return Errno.ENOTEMPTY;
      }
      if (r.contains("file name too long")) {
        return Errno.ENAMETOOLONG;
      }
      if (r.contains("operation not permitted")) {
        return Errno.EPERM;
      }
      if (r.contains("cross-device")) {
        return Errno.EXDEV;
      }
      if (r.contains("invalid argument")) {
        return Errno.EINVAL;
      }
      if (r.contains("connection reset")) {
        return Errno.ECONNRESET;
      }
      if (r.contains("broken pipe")) {
        return Errno.EPIPE;
      }
      if (r.contains("file too large")) {
        return Errno.EFBIG;
      }
    }
    if (e instanceof SocketException) {
      return Errno.ECONNRESET;
    }
    return Errno.EIO;
  }
}
