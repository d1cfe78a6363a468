package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.MalformedContentException;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.TestImages;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every registry client setting is reachable from {@link Skiff.Builder}. */
class SkiffBuilderTest {
  @TempDir Path tmp;

  @Test
  void ociSettingsReachTheClientSkiffBuilds() {
    Path layout = TestImages.wasiImageLayout(tmp.resolve("image"), Fixtures.wasm("hello.wasm"), "/hello.wasm", Map.of());
    try (Skiff skiff = Skiff.builder().store(tmp.resolve("store")).oci(o -> o.maxExtractedBytes(1000)).build()) {
      ArtifactException e = assertThrows(ArtifactException.class, () -> skiff.pull("oci:" + layout + ":t"));
      assertTrue(e.getMessage().contains("expands beyond the limit of 1000 bytes"), e.getMessage());
      assertTrue(e.getCause() instanceof MalformedContentException);
    }
    try (Skiff skiff = Skiff.builder().store(tmp.resolve("store2")).build()) {
      assertEquals("/hello.wasm", skiff.pull("oci:" + layout + ":t").imageConfig().entrypoint().get(0));
    }
  }
}
