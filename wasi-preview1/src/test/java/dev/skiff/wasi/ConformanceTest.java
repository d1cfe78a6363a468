package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs each conformance guest (fixtures/src/wasi/*.c) on the default file system and on an
 * in-memory one. A guest checks one area and exits non-zero naming each failed check.
 */
@Timeout(60)
class ConformanceTest {
  private Path root;

  @AfterEach
  void cleanUp() {
    if (root != null) {
      Sandboxes.deleteTree(root);
    }
  }

  private Guests.Result run(Sandboxes fs, String guest, String... args) throws IOException {
    return run(fs, guest, b -> b, args);
  }

  private Guests.Result run(Sandboxes fs, String guest, UnaryOperator<WasiOptions.Builder> more,
      String... args) throws IOException {
    root = fs.newRoot();
    Files.createDirectories(root.resolve("sandbox"));
    return Guests.run("wasi/" + guest, more.apply(WasiOptions.builder()
        .args(args.length == 0 ? new String[] {guest} : args)
        .preopen("/sandbox", root.resolve("sandbox"), Access.READ_WRITE))
        .build(), fs.memory);
  }

  private static void assertOk(Guests.Result r) {
    assertEquals(0, r.exitCode(), r::toString);
    assertEquals("ok\n", r.stdout(), r::toString);
  }

  @ParameterizedTest
  @EnumSource(Sandboxes.class)
  void files(Sandboxes fs) throws IOException {
    assertOk(run(fs, "fs_files.wasm"));
  }

  @ParameterizedTest
  @EnumSource(Sandboxes.class)
  void readsAndWritesWithManyIovecsAcrossPages(Sandboxes fs) throws IOException {
    byte[] stdin = new byte[70_000];
    for (int i = 0; i < stdin.length; i++) {
      stdin[i] = (byte) (i * 7 + i / 251);
    }
    assertOk(run(fs, "fs_iovecs.wasm", b -> b.stdin(Stdin.bytes(stdin))));
  }

  @ParameterizedTest
  @EnumSource(Sandboxes.class)
  void directoriesReaddirRenamesAndTrailingSlashes(Sandboxes fs) throws IOException {
    assertOk(run(fs, "fs_dirs.wasm"));
  }

  @ParameterizedTest
  @EnumSource(Sandboxes.class)
  void symbolicAndHardLinks(Sandboxes fs) throws IOException {
    assertOk(run(fs, "fs_links.wasm"));
  }

  @ParameterizedTest
  @EnumSource(Sandboxes.class)
  void timestampsWithNowAndOmit(Sandboxes fs) throws IOException {
    // Times on a symbolic link keep their nanoseconds through the native calls (JDK 22+ with native
    // access); without them the JDK sets a link's times with lutimes, in microseconds.
    String[] args = fs.inMemory() || nativeCalls() ? new String[0] : new String[] {"fs_times", "symlink-us"};
    assertOk(run(fs, "fs_times.wasm",
        b -> b.realtimeClock(WasiClock.fixed(1_700_000_000_123_456_789L)), args));
  }

  /** Whether this JVM lets the module make the native calls of its JDK 22+ version. */
  static boolean nativeCalls() {
    if (Runtime.version().feature() < 22) {
      return false;
    }
    try {
      return (Boolean) Module.class.getMethod("isNativeAccessEnabled").invoke(WasiPreview1.class.getModule());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest
  @EnumSource(Sandboxes.class)
  void rightsNarrowAndReadOnlyPreopen(Sandboxes fs) throws IOException {
    Path[] ro = new Path[1];
    Guests.Result r = run(fs, "fs_rights.wasm", b -> {
      try {
        ro[0] = Files.createDirectories(root.resolve("ro"));
        Files.writeString(ro[0].resolve("data.txt"), "data");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return b.preopen("/ro", ro[0], Access.READ_ONLY);
    });
    assertOk(r);
    assertEquals("data", Files.readString(ro[0].resolve("data.txt")));
    try (var s = Files.list(ro[0])) {
      assertEquals(1, s.count(), "nothing was created in the read-only preopen");
    }
  }

  @ParameterizedTest
  @EnumSource(Sandboxes.class)
  void pollOneoffClocksAndFdReadiness(Sandboxes fs) throws IOException {
    assertOk(run(fs, "poll.wasm", b -> b.stdin(Stdin.bytes("input".getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
  }

  @ParameterizedTest
  @EnumSource(Sandboxes.class)
  void maxOpenFilesGivesEmfile(Sandboxes fs) throws IOException {
    assertOk(run(fs, "fs_limits.wasm", b -> b.maxOpenFiles(8)));
  }
}
