package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.internal.format.WasmArtifactManifest;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliability suite: a hostile registry (the real registry holding manifests that lie about sizes, behind
 * the fault proxy, which can also serve endless or corrupted blob bodies). Every case ends in a typed error
 * or a verified module, within a bounded number of bytes, and leaves nothing in the store's tmp/.
 */
@Tag("reliability")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReliabilityHostileRegistryTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();
  static final Path HELLO = Fixtures.wasm("hello.wasm");
  static final long TIB = 1L << 40;
  static byte[] wasm;
  static String layer;
  @TempDir Path tmp;

  @BeforeAll
  static void push() throws Exception {
    wasm = Files.readAllBytes(HELLO);
    layer = TestImages.sha256(wasm);
    GeneratedBlob.upload(registry.baseUrl(), "hostile/m", layer, wasm.length, new ByteArrayInputStream(wasm));
    pushManifest("declared-right", wasm.length);
    pushManifest("declared-tib", TIB);
    pushManifest("declared-short", wasm.length - 100);
  }

  /** A CNCF artifact whose one layer is hello.wasm but whose descriptor declares {@code declared} bytes. */
  private static void pushManifest(String tag, long declared) throws Exception {
    WasmArtifactManifest artifact = WasmArtifactManifest.of(layer, declared, null);
    GeneratedBlob.upload(registry.baseUrl(), "hostile/m", artifact.configDigest(), artifact.config().length,
        new ByteArrayInputStream(artifact.config()));
    GeneratedBlob.putManifest(registry.baseUrl(), "hostile/m", tag, "application/vnd.oci.image.manifest.v1+json",
        artifact.manifest());
  }

  private OciClient client(String store) {
    return client(OciClient.builder().store(tmp.resolve(store)));
  }

  private static OciClient client(OciClient.Builder b) {
    return b.readTimeout(Duration.ofSeconds(5)).retries(2, Duration.ofMillis(10), Duration.ofSeconds(10)).build();
  }

  private static List<String> layerGets(FaultProxy proxy) {
    return proxy.exchanges.stream().filter(x -> x.startsWith("GET") && x.contains(layer)).toList();
  }

  private static void assertNoLeftovers(OciClient c) throws Exception {
    try (Stream<Path> s = Files.list(c.store().root().resolve("tmp"))) {
      assertEquals(List.of(), s.toList(), "nothing left in tmp/");
    }
    assertEquals(new ContentStore.Temporary(0, 0), c.store().temporary());
  }

  @Test
  void aLayerDeclaringOneTebibyteIsRefusedBeforeAnyByteIsDownloaded() throws Exception {
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = client("tib")) {
      proxy.cutBlobIndex = 1; // were the layer ever asked for, it would never end
      proxy.endlessBlobContentLength = -1;
      MalformedContentException e = assertThrows(MalformedContentException.class,
          () -> c.pull(proxy.host() + "/hostile/m:declared-tib"));
      assertEquals("layer " + layer + " of " + proxy.host() + "/hostile/m:declared-tib declares " + TIB
          + " bytes, more than the 4294967296-byte limit; raise it with OciClient.Builder.maxBlobBytes if the "
          + "image is genuine", e.getMessage());
      assertEquals(List.of(), layerGets(proxy));
      assertNoLeftovers(c);
    }
  }

  @Test
  void theCallersBlobLimitIsEnforcedOnTheDescriptor() throws Exception {
    try (FaultProxy proxy = new FaultProxy(registry.host());
         OciClient c = client(OciClient.builder().store(tmp.resolve("cap")).maxBlobBytes(wasm.length - 1))) {
      MalformedContentException e = assertThrows(MalformedContentException.class,
          () -> c.pull(proxy.host() + "/hostile/m:declared-right"));
      assertTrue(e.getMessage().contains("declares " + wasm.length + " bytes, more than the " + (wasm.length - 1)
          + "-byte limit"), e.getMessage());
      assertEquals(List.of(), layerGets(proxy));
    }
    try (OciClient c = client(OciClient.builder().store(tmp.resolve("cap")).maxBlobBytes(wasm.length))) {
      assertArrayEquals(wasm, c.pull(registry.host() + "/hostile/m:declared-right").moduleBytes());
    }
    assertThrows(IllegalArgumentException.class, () -> OciClient.builder().maxBlobBytes(0));
  }

  @Test
  void anEndlessChunkedBodyStopsAtTheFirstByteBeyondTheDeclaredSize() throws Exception {
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = client("endless")) {
      proxy.cutBlobIndex = 1;
      proxy.endlessBlobContentLength = -1;
      DigestMismatchException e = assertThrows(DigestMismatchException.class,
          () -> c.pull(proxy.host() + "/hostile/m:declared-right"));
      assertEquals("blob " + layer + " is larger than the " + wasm.length + " bytes its descriptor declares;"
          + " discarded", e.getMessage());
      assertEquals(1, layerGets(proxy).size(), "a body longer than declared is not retried");
      // What the proxy got rid of includes the kernel's socket buffers on both sides; the client read one byte past.
      assertTrue(proxy.endlessBytesSent.get() < 16L << 20, proxy.endlessBytesSent.get() + " bytes sent");
      System.out.printf("reliability hostile: an endless body of a %d-byte layer was cut after the proxy sent %d"
          + " bytes%n", wasm.length, proxy.endlessBytesSent.get());
      assertNoLeftovers(c);
    }
  }

  @Test
  void aContentLengthBeyondTheDeclaredSizeIsRefusedBeforeTheBodyIsRead() throws Exception {
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = client("length")) {
      proxy.cutBlobIndex = 1;
      proxy.endlessBlobContentLength = TIB;
      DigestMismatchException e = assertThrows(DigestMismatchException.class,
          () -> c.pull(proxy.host() + "/hostile/m:declared-right"));
      assertEquals("blob " + layer + " of " + proxy.host() + "/hostile/m: the registry sends " + TIB
          + " bytes (Content-Length) but its descriptor declares " + wasm.length + "; refused", e.getMessage());
      assertNoLeftovers(c);
    }
  }

  @Test
  void aBlobLongerThanItsDescriptorIsADigestError() throws Exception {
    try (OciClient c = client("short")) {
      DigestMismatchException e = assertThrows(DigestMismatchException.class,
          () -> c.pull(registry.host() + "/hostile/m:declared-short"));
      assertTrue(e.getMessage().contains("larger than the " + (wasm.length - 100) + " bytes its descriptor declares")
          || e.getMessage().contains("declares " + (wasm.length - 100)), e.getMessage());
      assertNoLeftovers(c);
    }
  }

  @Test
  void aTransferCorruptedInFlightIsRetriedOnceFromScratch() throws Exception {
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = client("flip")) {
      proxy.cutBlobIndex = 1;
      proxy.flipBlobByteAt = 5_000;
      PulledModule m = c.pull(proxy.host() + "/hostile/m:declared-right");
      assertArrayEquals(wasm, m.moduleBytes());
      List<String> gets = layerGets(proxy);
      assertEquals(2, gets.size(), gets.toString());
      assertTrue(proxy.requestHeads.stream().noneMatch(h -> h.contains("Range:")), "retried from scratch");
      assertNoLeftovers(c);
    }
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = client("flip2")) {
      proxy.cutBlobIndex = 1;
      proxy.flipBlobByteAt = 5_000;
      proxy.flipsToSend.set(2);
      DigestMismatchException e = assertThrows(DigestMismatchException.class,
          () -> c.pull(proxy.host() + "/hostile/m:declared-right"));
      assertEquals(layer, e.expected());
      assertEquals(2, layerGets(proxy).size(), "once, not forever");
      assertNoLeftovers(c);
    }
  }
}
