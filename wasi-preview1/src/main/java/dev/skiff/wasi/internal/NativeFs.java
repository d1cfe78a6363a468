package dev.skiff.wasi.internal;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.attribute.FileTime;

/**
 * The *at(2) calls java.nio lacks, made on the directory of a {@link Sandbox.Dir} (see
 * {@link Staging}). This base version, for JDK 17 to 21, has none; a multi-release jar carries one
 * for JDK 22+ built on the FFM API, used when this module may access native code
 * ({@code --enable-native-access}).
 */
abstract class NativeFs {
  private static final NativeFs INSTANCE = load();

  /** The native calls for handles on the default file system, or null to use {@link Staging}'s paths. */
  static NativeFs of(Sandbox.Dir d) {
    return INSTANCE != null && d.host.getFileSystem() == FileSystems.getDefault() ? INSTANCE : null;
  }

  private static NativeFs load() {
    if (Runtime.version().feature() < 22) {
      return null;
    }
    try {
      return (NativeFs) Class.forName("dev.skiff.wasi.internal.LinuxNativeFs")
          .getDeclaredMethod("create").invoke(null);
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  abstract String readlink(Sandbox.Dir d, String name) throws IOException;

  abstract void mkdir(Sandbox.Dir d, String name) throws IOException;

  abstract void symlink(Sandbox.Dir d, String name, String target) throws IOException;

  abstract void link(Sandbox.Dir sd, String sn, Sandbox.Dir dd, String dn) throws IOException;

  abstract void setTimes(Sandbox.Dir d, String name, FileTime mtime, FileTime atime) throws IOException;

  /** Releases what this class holds for a root handle that is being closed. */
  abstract void closed(Sandbox.Dir d);
}
