package dev.skiff.wasi;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A fresh host directory on the default file system (a temp dir) or on an in-memory one (Jimfs).
 * Guests in the first get our memory ({@link WasiPreview1#memory}), where I/O moves through windows
 * on guest memory; guests in the second get Chicory's, so the copying path is covered as well.
 */
enum Sandboxes {
  DEFAULT_FS(WasiPreview1::memory) {
    @Override
    Path newRoot() throws IOException {
      return Files.createTempDirectory("skiff-wasi-").toRealPath();
    }
  },
  IN_MEMORY_FS(ByteArrayMemory::new) {
    @Override
    Path newRoot() throws IOException {
      FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
          .setAttributeViews("basic", "owner", "posix", "unix").build());
      return Files.createDirectories(fs.getPath("/host/root"));
    }
  };

  final Function<MemoryLimits, Memory> memory;

  Sandboxes(Function<MemoryLimits, Memory> memory) {
    this.memory = memory;
  }

  /** Returns a new empty directory that the test owns. */
  abstract Path newRoot() throws IOException;

  static void deleteTree(Path root) {
    if (root.getFileSystem() != java.nio.file.FileSystems.getDefault()) {
      try {
        root.getFileSystem().close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
