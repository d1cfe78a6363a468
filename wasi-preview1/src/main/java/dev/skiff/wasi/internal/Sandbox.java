package dev.skiff.wasi.internal;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
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
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Map;

/**
 * Path resolution confined to a preopen. We walk the path one component at a time and resolve
 * every symbolic link ourselves (reading it with {@code readSymbolicLink}, never letting the host
 * follow it), so {@code ..}, absolute paths and links can never leave the preopen's root. Escapes
 * fail with EPERM, as in wasmtime (cap-std reports them as "a path led outside of the filesystem").
 *
 * <p>Known limit: java.nio has no {@code openat}, so a <em>host</em> process that swaps a checked
 * directory for a symbolic link between our check and the final system call could race us. The
 * guest itself cannot, since it is single-threaded and every guest call goes through here.
 */
final class Sandbox {
  static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
  static final LinkOption[] FOLLOW = {};
  /** Linux's limit on symbolic links followed in one lookup (MAXSYMLINKS). */
  private static final int MAX_LINKS = 40;

  /** The outcome of resolving a guest path. */
  record Resolved(String[] components, Path host, boolean trailingSlash) {
    boolean isRoot() {
      return components.length == 0;
    }
  }

  private Sandbox() {}

  /**
   * Resolves {@code path} relative to {@code dir}. Links in the middle are always followed;
   * the final component is followed only if {@code followFinal} or a trailing slash asks for it.
   */
  static Resolved resolve(Descriptor.Directory dir, String path, boolean followFinal) throws IOException {
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
    ArrayList<String> cur = new ArrayList<>(todo.size());
    Path host = dir.host;
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      boolean last = todo.isEmpty();
      if (c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (cur.isEmpty()) {
          throw Errno.fail(Errno.EPERM);
        }
        cur.remove(cur.size() - 1);
        // Every component in cur was added by child() and is not a link, so the parent is exact.
        host = host.getParent();
        continue;
      }
      Path next = child(host, c);
      if (!last || followFinal || trailing) {
        BasicFileAttributes a = lstat(next);
        if (a != null && a.isSymbolicLink()) {
          if (++links > MAX_LINKS) {
            throw Errno.fail(Errno.ELOOP);
          }
          String target = Files.readSymbolicLink(next).toString();
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
        }
      }
      cur.add(c);
      host = next;
    }
    return new Resolved(cur.toArray(new String[0]), host, trailing);
  }

  private static Path child(Path parent, String name) {
    try {
      Path p = parent.resolve(name);
      // A name the host file system would read as several components (a separator of another
      // platform, say) must not slip past our one-component-at-a-time walk.
      if (!parent.equals(p.getParent())) {
        throw Errno.fail(Errno.EINVAL);
      }
      return p;
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

  /** Attributes without following a final link, or null if nothing is there. */
  static BasicFileAttributes lstat(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** A filestat; {@code follow} is only ever true after our resolver has vetted the path. */
  record Stat(int filetype, long dev, long ino, long nlink, long size, long atim, long mtim, long ctim) {}

  static Stat stat(Path p, boolean follow) throws IOException {
    LinkOption[] opts = follow ? FOLLOW : NOFOLLOW;
    FileSystem fs = p.getFileSystem();
    if (fs.supportedFileAttributeViews().contains("unix")) {
      Map<String, Object> m = Files.readAttributes(p, "unix:mode,dev,ino,nlink,size,lastAccessTime,"
          + "lastModifiedTime,ctime,isDirectory,isRegularFile,isSymbolicLink", opts);
      int mode = (Integer) m.get("mode");
      // Jimfs's unix:mode holds only the permission bits; fall back to the basic flags for the type.
      int type = (mode & 0170000) != 0 ? typeOfMode(mode)
          : Boolean.TRUE.equals(m.get("isSymbolicLink")) ? Descriptor.FILETYPE_SYMBOLIC_LINK
          : Boolean.TRUE.equals(m.get("isDirectory")) ? Descriptor.FILETYPE_DIRECTORY
          : Boolean.TRUE.equals(m.get("isRegularFile")) ? Descriptor.FILETYPE_REGULAR_FILE
          : Descriptor.FILETYPE_UNKNOWN;
      return new Stat(type, num(m.get("dev")), num(m.get("ino")), num(m.get("nlink")),
          num(m.get("size")), nanos((FileTime) m.get("lastAccessTime")),
          nanos((FileTime) m.get("lastModifiedTime")), nanos((FileTime) m.get("ctime")));
    }
    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, opts);
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
