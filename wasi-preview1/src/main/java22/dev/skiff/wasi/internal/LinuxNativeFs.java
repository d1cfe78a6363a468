package dev.skiff.wasi.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/**
 * The *at(2) calls on Linux x86-64 through the FFM API (JDK 22+): each {@link Sandbox.Dir} gets its
 * own {@code O_PATH} descriptor, opened from the preopen root one component at a time with
 * {@code O_NOFOLLOW} (so it cannot leave the root whatever changes meanwhile) and checked to be the
 * very directory the handle holds (same device and inode), then mkdirat, symlinkat, linkat,
 * readlinkat and utimensat with nanoseconds run relative to it. Used only when the module has
 * native access ({@code --enable-native-access}); without it, {@link Staging}'s paths.
 */
final class LinuxNativeFs extends NativeFs {
  private static final int O_DIRECTORY = 0200000;
  private static final int O_NOFOLLOW = 0400000;
  private static final int O_CLOEXEC = 02000000;
  private static final int O_PATH = 010000000;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final long UTIME_OMIT = (1L << 30) - 2;
  private static final int STAT_SIZE = 144; // struct stat on x86-64: st_dev at 0, st_ino at 8

  private static final StructLayout STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private final MethodHandle openat;
  private final MethodHandle close;
  private final MethodHandle fstat;
  private final MethodHandle mkdirat;
  private final MethodHandle symlinkat;
  private final MethodHandle linkat;
  private final MethodHandle readlinkat;
  private final MethodHandle utimensat;

  private LinuxNativeFs() {
    Linker linker = Linker.nativeLinker();
    openat = fn(linker, "openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
        Linker.Option.firstVariadicArg(3));
    close = fn(linker, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    fstat = fn(linker, "fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    mkdirat = fn(linker, "mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    symlinkat = fn(linker, "symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    linkat = fn(linker, "linkat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    readlinkat = fn(linker, "readlinkat", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    utimensat = fn(linker, "utimensat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
  }

  @SuppressWarnings("restricted") // the whole point: this module is granted native access
  private static MethodHandle fn(Linker linker, String name, FunctionDescriptor d, Linker.Option... more) {
    Linker.Option[] opts = new Linker.Option[more.length + 1];
    opts[0] = Linker.Option.captureCallState("errno");
    System.arraycopy(more, 0, opts, 1, more.length);
    MemorySegment addr = linker.defaultLookup().find(name).orElseThrow();
    return linker.downcallHandle(addr, d, opts);
  }

  /** Called by {@link NativeFs}; null where these calls are not ours to make. */
  static NativeFs create() {
    if (!"Linux".equals(System.getProperty("os.name")) || !"amd64".equals(System.getProperty("os.arch"))
        || !LinuxNativeFs.class.getModule().isNativeAccessEnabled()) {
      return null;
    }
    return new LinuxNativeFs();
  }

  @Override
  String readlink(Sandbox.Dir d, String name) throws IOException {
    int fd = fd(d);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      MemorySegment p = a.allocateFrom(name);
      for (long size = 256; ; size *= 2) {
        MemorySegment buf = a.allocate(size);
        long n = (long) invoke(readlinkat, st, fd, p, buf, size);
        if (n < 0) {
          throw fail(st);
        }
        if (n < size) {
          return new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
        }
      }
    }
  }

  @Override
  void mkdir(Sandbox.Dir d, String name) throws IOException {
    int fd = fd(d);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      check((int) invoke(mkdirat, st, fd, a.allocateFrom(name), 0777), st);
    }
  }

  @Override
  void symlink(Sandbox.Dir d, String name, String target) throws IOException {
    int fd = fd(d);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      check((int) invoke(symlinkat, st, a.allocateFrom(target), fd, a.allocateFrom(name)), st);
    }
  }

  @Override
  void link(Sandbox.Dir sd, String sn, Sandbox.Dir dd, String dn) throws IOException {
    int sfd = fd(sd);
    int dfd = fd(dd);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      // flags 0: a link named by sn is linked itself, never followed
      check((int) invoke(linkat, st, sfd, a.allocateFrom(sn), dfd, a.allocateFrom(dn), 0), st);
    }
  }

  @Override
  void setTimes(Sandbox.Dir d, String name, FileTime mtime, FileTime atime) throws IOException {
    int fd = fd(d);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      MemorySegment ts = a.allocate(JAVA_LONG, 4);
      put(ts, 0, atime);
      put(ts, 2, mtime);
      int flags = name == null ? 0 : AT_SYMLINK_NOFOLLOW;
      check((int) invoke(utimensat, st, fd, a.allocateFrom(name == null ? "." : name), ts, flags), st);
    }
  }

  private static void put(MemorySegment ts, int at, FileTime t) {
    if (t == null) {
      ts.setAtIndex(JAVA_LONG, at, 0);
      ts.setAtIndex(JAVA_LONG, at + 1, UTIME_OMIT);
      return;
    }
    Instant i = t.toInstant();
    ts.setAtIndex(JAVA_LONG, at, i.getEpochSecond());
    ts.setAtIndex(JAVA_LONG, at + 1, i.getNano());
  }

  @Override
  void closed(Sandbox.Dir d) {
    if (d.nativeState instanceof Integer fd) {
      d.nativeState = null;
      try (Arena a = Arena.ofConfined()) {
        invoke(close, a.allocate(STATE), fd.intValue());
      }
    }
  }

  /**
   * This handle's own O_PATH descriptor: walked from the preopen root by the names the handle was
   * reached by, never following a link, and verified to be the handle's directory.
   */
  private int fd(Sandbox.Dir d) throws IOException {
    if (d.nativeState instanceof Integer fd) {
      return fd;
    }
    int fd;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(STATE);
      int flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
      if (d.root == d) {
        // The root itself: the embedder's trusted path, which may well be reached through a link.
        fd = (int) invoke(openat, st, -100 /* AT_FDCWD */, a.allocateFrom(d.host.toString()),
            flags & ~O_NOFOLLOW, 0);
        if (fd < 0) {
          throw fail(st);
        }
      } else {
        int at = fd(d.root);
        fd = -1;
        for (Path c : d.root.host.relativize(d.host)) {
          int next = (int) invoke(openat, st, fd < 0 ? at : fd, a.allocateFrom(c.toString()), flags, 0);
          int err = (int) ERRNO.get(st, 0L);
          if (fd >= 0) {
            invoke(close, st, fd);
          }
          if (next < 0) {
            throw Errno.fail(errno(err));
          }
          fd = next;
        }
      }
      if (!sameDirectory(a, st, fd, d)) {
        invoke(close, st, fd);
        throw Errno.fail(Errno.ENOENT); // moved since the handle was opened: not where we look
      }
    }
    d.nativeState = fd;
    return fd;
  }

  private boolean sameDirectory(Arena a, MemorySegment st, int fd, Sandbox.Dir d) throws IOException {
    MemorySegment stat = a.allocate(STAT_SIZE, 8);
    if ((int) invoke(fstat, st, fd, stat) != 0) {
      throw fail(st);
    }
    BasicFileAttributes attrs = d.lstat(null);
    // The JDK's key for a file on Linux prints as "(dev=<hex>,ino=<decimal>)".
    String key = "(dev=" + Long.toHexString(stat.get(JAVA_LONG, 0)) + ",ino=" + stat.get(JAVA_LONG, 8) + ")";
    return attrs != null && attrs.fileKey() != null && key.equals(attrs.fileKey().toString());
  }

  private static void check(int result, MemorySegment st) {
    if (result != 0) {
      throw fail(st);
    }
  }

  private static Errno.WasiErrnoException fail(MemorySegment st) {
    return Errno.fail(errno((int) ERRNO.get(st, 0L)));
  }

  private static Object invoke(MethodHandle h, Object... args) {
    try {
      return h.invokeWithArguments(args);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Linux errno to WASI errno. */
  private static int errno(int linux) {
    switch (linux) {
      case 1: return Errno.EPERM;
      case 2: return Errno.ENOENT;
      case 9: return Errno.EBADF;
      case 13: return Errno.EACCES;
      case 17: return Errno.EEXIST;
      case 18: return Errno.EXDEV;
      case 20: return Errno.ENOTDIR;
      case 21: return Errno.EISDIR;
      case 22: return Errno.EINVAL;
      case 28: return Errno.ENOSPC;
      case 30: return Errno.EROFS;
      case 31: return Errno.EMLINK;
      case 36: return Errno.ENAMETOOLONG;
      case 39: return Errno.ENOTEMPTY;
      case 40: return Errno.ELOOP;
      case 95: return Errno.ENOTSUP;
      default: return Errno.EIO;
    }
  }
}
