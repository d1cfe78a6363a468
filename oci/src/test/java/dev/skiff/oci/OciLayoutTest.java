package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.testsupport.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OciLayout writes the CNCF Wasm artifact that push sends, and that the example layouts hold byte for byte. */
class OciLayoutTest {
  @TempDir Path tmp;

  @Test
  void theExampleLayoutsAreWhatTheOneWriterWrites() throws Exception {
    Path examples = Fixtures.repoRoot().resolve("examples");
    for (String[] example : new String[][] {{"hello", "hello.wasm"}, {"echo", "serving/echo.wasm"},
        {"files", "serving/files.wasm"}}) {
      Path ours = tmp.resolve(example[0]);
      OciLayout.writeWasmArtifact(Fixtures.wasm(example[1]), ours, "1.0");
      Path theirs = examples.resolve(example[0]);
      assertEquals(listing(theirs), listing(ours), example[0] + ": regenerate it with examples/make-*.sh");
      for (String f : listing(ours)) {
        assertArrayEquals(Files.readAllBytes(theirs.resolve(f)), Files.readAllBytes(ours.resolve(f)), example[0] + "/" + f);
      }
    }
  }

  @Test
  void aLayoutPullsAsACncfArtifactAndRefusesWhatIsNotAModule() throws Exception {
    Path hello = Fixtures.wasm("hello.wasm");
    String digest = OciLayout.writeWasmArtifact(hello, tmp.resolve("l"), "v1");
    try (OciClient c = OciClient.builder().store(tmp.resolve("s")).build()) {
      PulledModule m = c.pull("oci:" + tmp.resolve("l") + ":v1");
      assertEquals(Packaging.CNCF_ARTIFACT, m.packaging());
      assertEquals(digest, m.manifestDigest().orElseThrow());
      assertArrayEquals(Files.readAllBytes(hello), m.moduleBytes());
    }
    Path script = Files.writeString(tmp.resolve("x.wasm"), "#!/bin/sh\n");
    UnsupportedArtifactException e = assertThrows(UnsupportedArtifactException.class,
        () -> OciLayout.writeWasmArtifact(script, tmp.resolve("bad"), "v1"));
    assertEquals("file " + script + " is not a WebAssembly module (no \\0asm header)", e.getMessage());
    NotFoundException missing = assertThrows(NotFoundException.class,
        () -> OciLayout.writeWasmArtifact(tmp.resolve("none.wasm"), tmp.resolve("bad"), "v1"));
    assertEquals("module file " + tmp.resolve("none.wasm") + " does not exist", missing.getMessage());
  }

  private static List<String> listing(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }
}
