package dev.skiff.wasi;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.skiff.testsupport.TestFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * A fresh host directory on the default file system (a temp dir) or on an in-memory one (Jimfs),
 * each with the guest in our memory ({@link WasiPreview1#memory}, where I/O moves through windows on
 * guest memory) or in Chicory's (where it is copied through a host buffer): every pairing of
 * channel kind and copy path runs.
 */
enum Sandboxes {
  DEFAULT_FS(false, WasiPreview1::memory),
  DEFAULT_FS_CHICORY_MEMORY(false, ByteArrayMemory::new),
  IN_MEMORY_FS(true, ByteArrayMemory::new),
  IN_MEMORY_FS_OUR_MEMORY(true, WasiPreview1::memory);

  private final boolean inMemory;
  final Function<MemoryLimits, Memory> memory;

  Sandboxes(boolean inMemory, Function<MemoryLimits, Memory> memory) {
    this.inMemory = inMemory;
    this.memory = memory;
  }

  boolean inMemory() {
    return inMemory;
  }

  /** Returns a new empty directory that the test owns. */
  Path newRoot() throws IOException {
    if (!inMemory) {
      return Files.createTempDirectory("skiff-wasi-").toRealPath();
    }
    FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
        .setAttributeViews("basic", "owner", "posix", "unix").build());
    return Files.createDirectories(fs.getPath("/host/root"));
  }

  static void deleteTree(Path root) {
    if (root.getFileSystem() != java.nio.file.FileSystems.getDefault()) {
      try {
        root.getFileSystem().close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return;
    }
    TestFiles.deleteTree(root);
  }
}
