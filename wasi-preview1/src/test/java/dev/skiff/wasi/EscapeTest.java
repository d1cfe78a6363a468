package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The escape probes (fixtures/src/wasi/escape.c) against real symbolic links on the default file
 * system, and on an in-memory one: every probe fails, nothing outside the preopen changes.
 */
@Timeout(60)
class EscapeTest {
  private Path root;

  @AfterEach
  void cleanUp() {
    if (root != null) {
      Sandboxes.deleteTree(root);
    }
  }

  @ParameterizedTest
  @EnumSource(Sandboxes.class)
  void everyEscapeProbeFailsSafely(Sandboxes fs) throws IOException {
    root = fs.newRoot();
    Path secret = Files.writeString(root.resolve("secret.txt"), "SECRET");
    Path sandbox = Files.createDirectories(root.resolve("sandbox"));
    Files.writeString(sandbox.resolve("inside.txt"), "INSIDE");
    Files.createDirectories(sandbox.resolve("sub"));
    Files.createSymbolicLink(sandbox.resolve("abs_link"), secret.toAbsolutePath());
    Files.createSymbolicLink(sandbox.resolve("rel_out"), sandbox.getFileSystem().getPath("../secret.txt"));
    Files.createSymbolicLink(sandbox.resolve("dir_out"), sandbox.getFileSystem().getPath(".."));
    Files.createSymbolicLink(sandbox.resolve("chain1"), sandbox.getFileSystem().getPath("chain2"));
    Files.createSymbolicLink(sandbox.resolve("chain2"), sandbox.getFileSystem().getPath("../secret.txt"));
    Files.createSymbolicLink(sandbox.resolve("sub/deep_out"), sandbox.getFileSystem().getPath("../../secret.txt"));
    Files.createSymbolicLink(sandbox.resolve("ok_link"), sandbox.getFileSystem().getPath("sub/../inside.txt"));
    Files.createSymbolicLink(sandbox.resolve("loop1"), sandbox.getFileSystem().getPath("loop2"));
    Files.createSymbolicLink(sandbox.resolve("loop2"), sandbox.getFileSystem().getPath("loop1"));
    Files.createSymbolicLink(sandbox.resolve("abs_root"), sandbox.getFileSystem().getPath("/"));
    List<String> before = listing(root);

    Guests.Result r = Guests.run("wasi/escape.wasm", WasiOptions.builder()
        .args("escape").preopen("/sandbox", sandbox, Access.READ_WRITE).build());

    assertEquals(0, r.exitCode(), r::toString);
    assertEquals("ok\n", r.stdout());
    assertEquals("SECRET", Files.readString(secret));
    assertEquals(before, listing(root), "nothing was created, moved or removed");
  }

  private static List<String> listing(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.map(p -> root.relativize(p).toString()).sorted().collect(Collectors.toList());
    }
  }
}
