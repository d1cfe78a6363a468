package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WasiOptionsTest {
  @Test
  void denyByDefault() {
    WasiOptions o = WasiOptions.builder().build();
    assertEquals(List.of(), o.args());
    assertEquals(Map.of(), o.env());
    assertSame(Stdin.none(), o.stdin());
    assertSame(Output.discard(), o.stdout());
    assertEquals(List.of(), o.preopens());
    assertEquals(List.of(), o.tcpListeners());
    assertEquals(WasiOptions.DEFAULT_MAX_OPEN_FILES, o.maxOpenFiles());
  }

  @Test
  void explicitEnvOverridesInheritedAndNewBuilderCopies() {
    WasiOptions o = WasiOptions.builder().inheritEnv().env("PATH", "/guest").args("a", "b").build();
    assertEquals("/guest", o.env().get("PATH"));
    assertTrue(o.env().size() >= System.getenv().size());
    WasiOptions copy = o.newBuilder().args("c").build();
    assertEquals(List.of("c"), copy.args());
    assertEquals(List.of("a", "b"), o.args());
    assertEquals("/guest", copy.env().get("PATH"));
    assertThrows(UnsupportedOperationException.class, () -> o.env().put("X", "y"));
  }

  @Test
  void rejectsBadInputWithClearMessages() {
    WasiOptions.Builder b = WasiOptions.builder();
    assertEquals("environment name must be non-empty without '=' or NUL, got \"A=B\"",
        assertThrows(IllegalArgumentException.class, () -> b.env("A=B", "x")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.args("nul\0"));
    assertThrows(IllegalArgumentException.class, () -> b.maxOpenFiles(2));
    assertThrows(IllegalArgumentException.class, () -> Output.capture(-1));
    assertThrows(IllegalArgumentException.class, () -> b.preopen("", Path.of("."), Access.READ_ONLY));
    assertThrows(IllegalArgumentException.class,
        () -> WasiOptions.builder().maxOpenFiles(3).preopen("/", Path.of("."), Access.READ_ONLY).build());
    assertThrows(IllegalArgumentException.class, () -> WasiPreview1.create(WasiOptions.builder()
        .preopen("/x", Path.of("does-not-exist-anywhere"), Access.READ_ONLY).build()));
  }

  @Test
  void toStringNeverShowsEnvironmentValues() {
    String s = WasiOptions.builder().env("TOKEN", "s3cr3t-value").build().toString();
    assertTrue(s.contains("TOKEN"));
    assertFalse(s.contains("s3cr3t-value"), s);
  }

  @Test
  void fixedClocksAndLimits() {
    assertEquals(1_000_000_123L, WasiClock.fixed(java.time.Instant.ofEpochSecond(1, 123)).nanos());
    assertEquals(10, Output.stream(new java.io.ByteArrayOutputStream()).limitBytes(10).maxBytes());
    assertEquals(5, Output.capture(5).limitBytes(100).maxBytes());
  }

  @Test
  void aPreopenOnAFileSystemWithoutDirectoryHandlesIsRefused(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws java.io.IOException {
    Path zip = tmp.resolve("data.zip");
    try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip, Map.of("create", "true"))) {
      Path dir = java.nio.file.Files.createDirectories(fs.getPath("/data"));
      WasiOptions o = WasiOptions.builder().preopen("/data", dir, Access.READ_ONLY).build();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WasiPreview1.create(o));
      assertTrue(e.getMessage().contains("SecureDirectoryStream"), e.getMessage());
    }
  }
}
