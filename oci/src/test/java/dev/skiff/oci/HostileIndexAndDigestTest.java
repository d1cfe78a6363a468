package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Index depth bombs and sha512-addressed content, pushed to a real registry. */
class HostileIndexAndDigestTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();
  static final Path HELLO = Fixtures.wasm("hello.wasm");
  static final String INDEX = "application/vnd.oci.image.index.v1+json";
  static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  @TempDir Path tmp;

  private static String digest(String algorithm, byte[] bytes) throws Exception {
    String jca = algorithm.equals("sha512") ? "SHA-512" : "SHA-256";
    return algorithm + ":" + HexFormat.of().formatHex(MessageDigest.getInstance(jca).digest(bytes));
  }

  /** Wraps a manifest in {@code levels} nested single-entry indexes; returns the outermost index's tag. */
  private static String nest(String repo, String manifestDigest, int levels) throws Exception {
    String child = manifestDigest;
    String childType = MANIFEST;
    long childSize = registrySize(repo, manifestDigest);
    for (int level = 1; level <= levels; level++) {
      byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + INDEX + "\",\"manifests\":[{\"mediaType\":\""
          + childType + "\",\"digest\":\"" + child + "\",\"size\":" + childSize + "}]}")
          .getBytes(StandardCharsets.UTF_8);
      String tag = "depth" + levels + "-" + level;
      GeneratedBlob.putManifest(registry.baseUrl(), repo, tag, INDEX, index);
      child = digest("sha256", index);
      childType = INDEX;
      childSize = index.length;
    }
    return "depth" + levels + "-" + levels;
  }

  private static long registrySize(String repo, String digest) throws Exception {
    var c = (java.net.HttpURLConnection) java.net.URI.create(registry.baseUrl() + "/v2/" + repo + "/manifests/"
        + digest).toURL().openConnection();
    c.setRequestProperty("Accept", MANIFEST);
    try (var in = c.getInputStream()) {
      return in.readAllBytes().length;
    }
  }

  @Test
  void indexesNestedDeeperThanFourAreRefusedAsADepthBomb() throws Exception {
    String manifest = TestImages.pushCncfArtifact(registry, "nest/hello:1", HELLO, OciLayout::writeWasmArtifact);
    String ok = nest("nest/hello", manifest, 4);
    String bomb = nest("nest/hello", manifest, 5);
    try (OciClient c = OciClient.builder().store(tmp.resolve("s")).build()) {
      PulledModule m = c.pull(registry.host() + "/nest/hello:" + ok);
      assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
      assertEquals(manifest, m.manifestDigest().orElseThrow());
      MalformedContentException e = assertThrows(MalformedContentException.class,
          () -> c.pull(registry.host() + "/nest/hello:" + bomb));
      assertEquals("index " + registry.host() + "/nest/hello:" + bomb + " nests indexes more than 4 deep",
          e.getMessage());
    }
  }

  @Test
  void sha512AddressedBlobsAreFetchedVerifiedAndStoredUnderSha512() throws Exception {
    // Written by hand: Skiff's own writer (WasmArtifactManifest) addresses the config by SHA-256.
    byte[] wasm = Files.readAllBytes(HELLO);
    String layer = digest("sha512", wasm);
    byte[] config = ("{\"architecture\":\"wasm\",\"os\":\"wasip1\",\"layerDigests\":[\"" + layer + "\"]}")
        .getBytes(StandardCharsets.UTF_8);
    String configDigest = digest("sha512", config);
    GeneratedBlob.upload(registry.baseUrl(), "sha512/hello", layer, wasm.length, new ByteArrayInputStream(wasm));
    GeneratedBlob.upload(registry.baseUrl(), "sha512/hello", configDigest, config.length,
        new ByteArrayInputStream(config));
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"config\":{\"mediaType\":"
        + "\"application/vnd.wasm.config.v0+json\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length
        + "},\"layers\":[{\"mediaType\":\"application/wasm\",\"digest\":\"" + layer + "\",\"size\":" + wasm.length
        + "}]}").getBytes(StandardCharsets.UTF_8);
    GeneratedBlob.putManifest(registry.baseUrl(), "sha512/hello", "1", MANIFEST, manifest);
    try (OciClient c = OciClient.builder().store(tmp.resolve("s")).build()) {
      PulledModule m = c.pull(registry.host() + "/sha512/hello:1");
      assertEquals(layer, m.moduleDigest());
      assertEquals(Packaging.CNCF_ARTIFACT, m.packaging());
      assertEquals(tmp.resolve("s").resolve("blobs/sha512").resolve(layer.substring(7)), m.modulePath());
      assertArrayEquals(wasm, m.moduleBytes());
      assertEquals(configDigest, m.configDigest().orElseThrow());
      // Tampering with the stored file is caught by the SHA-512 check on read.
      Files.write(m.modulePath(), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
      DigestMismatchException e = assertThrows(DigestMismatchException.class, m::moduleBytes);
      assertEquals(layer, e.expected());
      assertTrue(e.actual().startsWith("sha512:"), e.actual());
    }
  }
}
