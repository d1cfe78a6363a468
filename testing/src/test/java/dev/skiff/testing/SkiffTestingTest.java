package dev.skiff.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.WasmInstance;
import dev.skiff.oci.Packaging;
import dev.skiff.testsupport.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The documented way users embed modules in their own tests. */
class SkiffTestingTest {
  @TempDir Path tmp;

  @Test
  void classpathModuleRuns() {
    try (Skiff skiff = Skiff.builder().store(tmp.resolve("store")).build();
        WasmInstance i = skiff.pull(SkiffTesting.classpathModule("/plugins/calc.wasm", tmp)).runner().instantiate()) {
      assertEquals(5, i.function("add").callInt(2, 3));
    }
  }

  @Test
  void packagedLayoutPullsAsACncfArtifact() {
    String digest = SkiffTesting.writeOciLayout(Fixtures.wasm("core/calc.wasm"), tmp.resolve("layout"), "1.0");
    try (Skiff skiff = Skiff.builder().store(tmp.resolve("store")).build()) {
      WasmArtifact a = skiff.pull("oci:" + tmp.resolve("layout") + ":1.0");
      assertEquals(Packaging.CNCF_ARTIFACT, a.image().packaging());
      assertEquals(digest, a.image().manifestDigest().orElseThrow());
      try (WasmInstance i = a.runner().instantiate()) {
        assertEquals(9, i.function("add").callInt(4, 5));
      }
    }
  }

  @Test
  void missingResourceIsMisuse() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SkiffTesting.classpathModule("/nope.wasm", tmp));
    assertEquals("No class path resource '/nope.wasm' (looked up from dev.skiff.testing.SkiffTesting)",
        e.getMessage());
    IllegalArgumentException notWasm = assertThrows(IllegalArgumentException.class,
        () -> SkiffTesting.classpathModule("plugins/calc.wat", tmp));
    assertEquals("Expected a .wasm resource, got '/plugins/calc.wat'", notWasm.getMessage());
  }
}
