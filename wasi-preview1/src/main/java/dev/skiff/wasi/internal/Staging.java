package dev.skiff.wasi.internal;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The file-system calls java.nio cannot make relative to a directory handle: mkdir, symlink, link,
 * readlink and setting times with nanoseconds. On JDK 22+ with native access enabled they are the
 * *at(2) calls on a descriptor of the handle's directory ({@link NativeFs}); otherwise they go
 * through paths chosen so that no change inside the preopen can redirect them.
 *
 * <p>Why that path fallback cannot leave the preopen: every host path it names is
 * {@code <preopen root>/<one name>}. The kernel resolves the preopen root, a path the embedder
 * chose and the guest cannot change (it is the directory the guest's paths start below), then the
 * one name as the final component, which mkdir(2), symlink(2), link(2) (both names), readlink(2),
 * lutimes(3) and open(O_NOFOLLOW) never follow. So the call lands in the preopen root or fails. An
 * entry deeper down is first moved to the root under a fresh name with renameat(2) between two
 * directory handles ({@link java.nio.file.SecureDirectoryStream#move}, which follows neither
 * name), worked on there and moved back; a new entry is made at the root and moved into place.
 * If someone swaps the staged name for a link meanwhile, what we touch or move is that link,
 * which is inside the preopen too.
 *
 * <p>The costs of the fallback, all inside the preopen: a deep entry is briefly absent from its
 * directory while its times change or it is hard-linked, a staged entry is briefly visible at the
 * root as {@code .skiff-stage-*}, and a new entry replaces one that another process created at
 * the same name in that instant (renameat has no no-replace flag in java.nio). Moving needs the
 * directory and the root on one file system: across a mount inside the preopen such calls fail
 * with EXDEV. A deep readlink (used by our resolver, and by path_readlink) reads by path: a
 * concurrent swap of a directory on that path can make it return the text of a link elsewhere;
 * that text is only ever resolved again below our handles, so it opens nothing outside, but
 * path_readlink would hand it to the guest. Times on a symbolic link keep only microseconds on
 * the fallback (the JDK sets them with lutimes), as do times set through a descriptor on a
 * directory below the root (the handle's futimes).
 */
final class Staging {
  private static final String PREFIX = ".skiff-stage-";

  private Staging() {}

  @FunctionalInterface
  private interface PathOp {
    void apply(Path p) throws IOException;
  }

  /** The target of the link {@code name} in {@code d}. */
  static String readlink(Sandbox.Dir d, String name) throws IOException {
    NativeFs n = NativeFs.of(d);
    if (n != null) {
      return n.readlink(d, name);
    }
    return Files.readSymbolicLink(d.host.resolve(name)).toString();
  }

  static void mkdir(Sandbox.Dir d, String name) throws IOException {
    NativeFs n = NativeFs.of(d);
    if (n != null) {
      n.mkdir(d, name);
      return;
    }
    make(d, name, Files::createDirectory);
  }

  static void symlink(Sandbox.Dir d, String name, String target) throws IOException {
    NativeFs n = NativeFs.of(d);
    if (n != null) {
      n.symlink(d, name, target);
      return;
    }
    make(d, name, p -> Files.createSymbolicLink(p, p.getFileSystem().getPath(target)));
  }

  /** A hard link {@code dn} in {@code dd} to the entry {@code sn} in {@code sd} (never following it). */
  static void link(Sandbox.Dir sd, String sn, Sandbox.Dir dd, String dn) throws IOException {
    NativeFs n = NativeFs.of(sd);
    if (n != null) {
      n.link(sd, sn, dd, dn);
      return;
    }
    if (dd.lstat(dn) != null) {
      throw Errno.fail(Errno.EEXIST);
    }
    atRoot(sd, sn, src -> make(dd, dn, dst -> Files.createLink(dst, src)));
  }

  /**
   * Sets the times of {@code name} in {@code d} (of {@code d} itself when null) without following
   * a link; a null time is left as it is.
   */
  static void setTimes(Sandbox.Dir d, String name, FileTime mtime, FileTime atime) throws IOException {
    NativeFs n = NativeFs.of(d);
    if (n != null) {
      n.setTimes(d, name, mtime, atime);
      return;
    }
    if (name == null) {
      if (d.atRoot) {
        view(d.host).setTimes(mtime, atime, null);
      } else {
        d.handle.getFileAttributeView(BasicFileAttributeView.class).setTimes(mtime, atime, null);
      }
      return;
    }
    atRoot(d, name, p -> view(p).setTimes(mtime, atime, null));
  }

  private static BasicFileAttributeView view(Path p) {
    BasicFileAttributeView v = Files.getFileAttributeView(p, BasicFileAttributeView.class, Sandbox.NOFOLLOW);
    if (v == null) {
      throw Errno.fail(Errno.ENOTSUP);
    }
    return v;
  }

  /** Runs {@code op} on the entry {@code name} of {@code d} while it sits directly in the root. */
  private static void atRoot(Sandbox.Dir d, String name, PathOp op) throws IOException {
    if (d.atRoot || !staged(d)) {
      op.apply(d.host.resolve(name));
      return;
    }
    Sandbox.Dir root = d.root;
    String tmp = stageName();
    d.handle.move(d.name(name), root.handle, root.name(tmp));
    try {
      op.apply(root.host.resolve(tmp));
    } finally {
      root.handle.move(root.name(tmp), d.handle, d.name(name));
    }
  }

  /** Makes the entry {@code name} in {@code d} with {@code op} (which must not follow its path). */
  private static void make(Sandbox.Dir d, String name, PathOp op) throws IOException {
    if (d.atRoot || !staged(d)) {
      op.apply(d.host.resolve(name));
      return;
    }
    if (d.lstat(name) != null) {
      throw Errno.fail(Errno.EEXIST);
    }
    Sandbox.Dir root = d.root;
    String tmp = stageName();
    op.apply(root.host.resolve(tmp));
    try {
      root.handle.move(root.name(tmp), d.handle, d.name(name));
    } catch (IOException | RuntimeException e) {
      try {
        BasicFileAttributes a = root.lstat(tmp);
        if (a != null && a.isDirectory()) {
          root.handle.deleteDirectory(root.name(tmp));
        } else if (a != null) {
          root.handle.deleteFile(root.name(tmp));
        }
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Only the default file system stages. Jimfs's SecureDirectoryStream moves the target of a link
   * rather than the link, and an in-memory file system can only be changed by this JVM's threads:
   * there the calls go by path, as before handles.
   */
  private static boolean staged(Sandbox.Dir d) {
    return d.host.getFileSystem() == FileSystems.getDefault();
  }

  private static String stageName() {
    byte[] b = new byte[12];
    ThreadLocalRandom.current().nextBytes(b);
    return PREFIX + HexFormat.of().formatHex(b);
  }
}
