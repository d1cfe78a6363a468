package dev.skiff.oci.internal.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.internal.format.Descriptor;
import dev.skiff.oci.internal.format.Digests;
import dev.skiff.oci.internal.source.Source;
import dev.skiff.oci.internal.store.BlobStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Index cycles are caught by the puller itself, also when a source serves what it does not verify. */
class IndexCycleTest {
  @TempDir Path dir;

  /** A source that does not verify what it serves, as a broken or hostile one might not. */
  static final class LyingSource implements Source {
    final Map<String, byte[]> manifests = new HashMap<>();
    final String top;

    LyingSource(String top) {
      this.top = top;
    }

    @Override
    public Top top() {
      return new Top(manifests.get(top), null, top);
    }

    @Override
    public byte[] manifest(Descriptor d) {
      return manifests.get(d.digest());
    }

    @Override
    public byte[] config(Descriptor d) {
      throw new AssertionError("a cycle must be found before any config is read");
    }

    @Override
    public Path blob(Descriptor d) {
      throw new AssertionError("a cycle must be found before any blob is read");
    }

    @Override
    public String describe() {
      return "lying-source";
    }
  }

  private static byte[] indexOf(String child) {
    return ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{"
        + "\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" + child + "\",\"size\":10}]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void indexCyclesAreDetectedEvenWhenASourceDoesNotVerifyDigests() {
    String a = Digests.sha256("a".getBytes());
    String b = Digests.sha256("b".getBytes());
    LyingSource twoStep = new LyingSource(a);
    twoStep.manifests.put(a, indexOf(b));
    twoStep.manifests.put(b, indexOf(a));
    Puller puller = new Puller(new BlobStore(dir), null, null, 1 << 20, 1 << 20);
    MalformedContentException e = assertThrows(MalformedContentException.class, () -> puller.resolve(twoStep, false));
    assertEquals("index lying-source refers back to " + a + " (an index cycle)", e.getMessage());
    LyingSource self = new LyingSource(a);
    self.manifests.put(a, indexOf(a));
    e = assertThrows(MalformedContentException.class, () -> puller.resolve(self, true));
    assertEquals("index lying-source refers back to " + a + " (an index cycle)", e.getMessage());
  }
}
