package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.internal.format.Digests;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import dev.skiff.testsupport.Tools;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Pulls every packaging from a real CNCF distribution registry and from the other sources. */
class RegistryPullTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();
  @TempDir Path tmp;

  static final Path HELLO = Fixtures.wasm("hello.wasm");

  private OciClient client(PullPolicy policy, PullListener listener) {
    return OciClient.builder().store(tmp.resolve("store")).pullPolicy(policy).listener(listener).build();
  }

  private OciClient client() {
    return client(PullPolicy.IF_NOT_PRESENT, new PullListener() {});
  }

  static final class Events implements PullListener {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void resolving(String reference) {
      events.add("resolving " + reference);
    }

    @Override
    public void verified(String digest) {
      events.add("verified " + digest);
    }

    @Override
    public void cacheHit(String digest) {
      events.add("hit " + digest);
    }

    @Override
    public void progress(String digest, long bytes, long total) {
      if (bytes == total) {
        events.add("complete " + digest);
      }
    }
  }

  @Test
  void pullsACncfArtifactAndVerifiesIt() throws Exception {
    String manifest = TestImages.pushCncfArtifact(registry, "cncf/hello:1.0", HELLO, OciLayout::writeWasmArtifact);
    byte[] module = Files.readAllBytes(HELLO);
    Events ev = new Events();
    try (OciClient oci = client(PullPolicy.IF_NOT_PRESENT, ev)) {
      PulledModule m = oci.pull(registry.host() + "/cncf/hello:1.0");
      assertEquals(Packaging.CNCF_ARTIFACT, m.packaging());
      assertEquals(manifest, m.manifestDigest().orElseThrow());
      assertEquals(TestImages.sha256(module), m.moduleDigest());
      assertArrayEquals(module, m.moduleBytes());
      assertArrayEquals(module, Files.readAllBytes(m.modulePath()));
      assertTrue(m.modulePath().startsWith(tmp.resolve("store")));
      assertEquals("wasip1", m.config().os());
      assertTrue(m.rootfs().isEmpty());
      assertTrue(m.indexDigest().isEmpty());
      assertTrue(ev.events.contains("verified " + m.moduleDigest()), ev.events.toString());
      assertTrue(ev.events.contains("complete " + m.moduleDigest()), ev.events.toString());

      // By digest: everything comes from the store.
      ev.events.clear();
      PulledModule again = oci.pull(registry.host() + "/cncf/hello@" + manifest);
      assertEquals(m.moduleDigest(), again.moduleDigest());
      assertFalse(ev.events.stream().anyMatch(e -> e.startsWith("verified")), ev.events.toString());
      assertTrue(ev.events.contains("hit " + manifest), ev.events.toString());

      // A tampered module file is detected on read.
      m.modulePath().toFile().setWritable(true);
      Files.write(m.modulePath(), "\0asm\1\0\0\0tampered".getBytes(StandardCharsets.ISO_8859_1));
      DigestMismatchException e = assertThrows(DigestMismatchException.class, m::moduleBytes);
      assertEquals(m.moduleDigest(), e.expected());
      // ... and the next pull replaces it instead of returning it.
      PulledModule healed = oci.pull(registry.host() + "/cncf/hello:1.0");
      assertArrayEquals(module, healed.moduleBytes());
    }
  }

  @Test
  void offlinePullUsesTheStoreAndNamesWhatIsMissing() throws Exception {
    TestImages.pushCncfArtifact(registry, "offline/hello:v1", HELLO, OciLayout::writeWasmArtifact);
    try (OciClient online = client()) {
      online.pull(registry.host() + "/offline/hello:v1");
    }
    try (OciClient offline = client(PullPolicy.NEVER, new PullListener() {})) {
      PulledModule m = offline.pull(registry.host() + "/offline/hello:v1");
      assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
      OfflineMissException e = assertThrows(OfflineMissException.class,
          () -> offline.pull(registry.host() + "/offline/other:v1"));
      assertEquals(registry.host() + "/offline/other:v1", e.reference());
      assertEquals(registry.host() + "/offline/other:v1 is not in the content store and the pull policy is NEVER "
          + "(offline); pull it once online or use another policy", e.getMessage());
    }
  }

  @Test
  void pullPolicyAlwaysReResolvesTags() throws Exception {
    TestImages.pushCncfArtifact(registry, "moving/tag:v1", HELLO, OciLayout::writeWasmArtifact);
    try (OciClient oci = client()) {
      String first = oci.pull(registry.host() + "/moving/tag:v1").manifestDigest().orElseThrow();
      Path other = tmp.resolve("other.wasm");
      byte[] changed = Files.readAllBytes(HELLO);
      changed = java.util.Arrays.copyOf(changed, changed.length + 8); // trailing bytes: still a valid header
      Files.write(other, changed);
      String second = oci.push(other, registry.host() + "/moving/tag:v1");
      // IF_NOT_PRESENT keeps the recorded resolution.
      assertEquals(first, oci.pull(registry.host() + "/moving/tag:v1").manifestDigest().orElseThrow());
      try (OciClient always = client(PullPolicy.ALWAYS, new PullListener() {})) {
        PulledModule m = always.pull(registry.host() + "/moving/tag:v1");
        assertEquals(second, m.manifestDigest().orElseThrow());
        assertArrayEquals(changed, m.moduleBytes());
      }
    }
  }

  @Test
  void pullsWasiImagesAsOciAndDockerSchema2WithTheirFiles() throws Exception {
    Map<String, byte[]> extra = Map.of("/app/data/greeting.txt", "hi".getBytes(StandardCharsets.UTF_8));
    String oci = TestImages.pushWasiImage(registry, "img/oci:1", HELLO, "/app/hello.wasm", extra, false);
    String v2 = TestImages.pushWasiImage(registry, "img/v2s2:1", HELLO, "/app/hello.wasm", extra, true);
    try (OciClient c = client()) {
      for (String[] t : new String[][] {{"img/oci:1", oci}, {"img/v2s2:1", v2}}) {
        PulledModule m = c.pull(registry.host() + "/" + t[0]);
        assertEquals(Packaging.IMAGE, m.packaging());
        assertEquals(t[1], m.manifestDigest().orElseThrow());
        assertEquals(List.of("/app/hello.wasm"), m.config().entrypoint());
        assertEquals("wasi", m.config().os());
        assertEquals("/app/hello.wasm", m.modulePathInImage().orElseThrow());
        assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
        Path rootfs = m.rootfs().orElseThrow();
        assertEquals("hi", Files.readString(rootfs.resolve("app/data/greeting.txt")));
        assertFalse(Files.getPosixFilePermissions(rootfs.resolve("app/data/greeting.txt"))
            .contains(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE), "rootfs is read-only");
      }
      ImageInfo info = c.inspect(registry.host() + "/img/v2s2:1");
      assertEquals("application/vnd.docker.distribution.manifest.v2+json", info.manifestMediaType().orElseThrow());
      assertEquals(Packaging.IMAGE, info.packaging().orElseThrow());
      assertEquals(1, info.layers().size());
    }
  }

  @Test
  void choosesTheWasmEntryOfAnIndexAndInspectsIt() throws Exception {
    String wasmManifest = TestImages.pushCncfArtifact(registry, "multi/app:wasm", HELLO, OciLayout::writeWasmArtifact);
    String otherManifest = TestImages.pushCncfArtifact(registry, "multi/app:other", HELLO, OciLayout::writeWasmArtifact);
    long wasmSize = registrySize("multi/app", wasmManifest);
    String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
        + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + otherManifest + "\",\"size\":"
        + wasmSize + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
        + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + wasmManifest + "\",\"size\":"
        + wasmSize + ",\"platform\":{\"os\":\"wasip1\",\"architecture\":\"wasm\"}}]}";
    Path layout = tmp.resolve("idx");
    String indexDigest = putManifest("multi/app", "latest", index, "application/vnd.oci.image.index.v1+json");
    try (OciClient c = client()) {
      PulledModule m = c.pull(registry.host() + "/multi/app");
      assertEquals(indexDigest, m.indexDigest().orElseThrow());
      assertEquals(wasmManifest, m.manifestDigest().orElseThrow());
      ImageInfo info = c.inspect(registry.host() + "/multi/app:latest");
      assertEquals(List.of("linux/amd64", "wasip1/wasm"), info.platforms());
      assertEquals("wasip1/wasm", info.platform().orElseThrow());
      assertEquals(indexDigest, info.indexDigest().orElseThrow());
    }
    try (OciClient forced = OciClient.builder().store(tmp.resolve("store")).platform("linux/arm64").build()) {
      NoMatchingPlatformException e = assertThrows(NoMatchingPlatformException.class,
          () -> forced.pull(registry.host() + "/multi/app:latest"));
      assertEquals(List.of("linux/amd64", "wasip1/wasm"), e.available());
    }
  }

  private static long registrySize(String repo, String digest) throws Exception {
    return httpGet(registry.baseUrl() + "/v2/" + repo + "/manifests/" + digest).length;
  }

  static final okhttp3.OkHttpClient HTTP = new okhttp3.OkHttpClient();

  static byte[] httpGet(String url) throws Exception {
    try (okhttp3.Response r = HTTP.newCall(new okhttp3.Request.Builder().url(url)
        .header("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json").build()).execute()) {
      return r.body().bytes();
    }
  }

  static String putManifest(String repo, String tag, String json, String mediaType) throws Exception {
    try (okhttp3.Response r = HTTP.newCall(new okhttp3.Request.Builder().url(registry.baseUrl() + "/v2/" + repo
        + "/manifests/" + tag).put(okhttp3.RequestBody.create(json.getBytes(StandardCharsets.UTF_8),
        okhttp3.MediaType.get(mediaType))).build()).execute()) {
      assertEquals(201, r.code(), r.body().string());
      return r.header("Docker-Content-Digest");
    }
  }

  @Test
  void missingReferencesAreTypedErrors() {
    try (OciClient c = client()) {
      NotFoundException e = assertThrows(NotFoundException.class, () -> c.pull(registry.host() + "/nope/nothing:1"));
      assertTrue(e.getMessage().startsWith(registry.host() + "/nope/nothing:1 was not found (HTTP 404"), e.getMessage());
      assertThrows(InvalidReferenceException.class, () -> c.pull(registry.host() + "/UPPER:1"));
    }
  }

  @Test
  void pushesMonolithicallyAndInChunksAndPullsBack() throws Exception {
    byte[] module = Files.readAllBytes(HELLO);
    try (OciClient c = OciClient.builder().store(tmp.resolve("store")).pushChunkSize(4096).build()) {
      String d = c.push(HELLO, registry.host() + "/pushed/chunked:v1");
      assertEquals(d, registry.manifestDigest("pushed/chunked", "v1"));
      assertEquals(OciLayout.writeWasmArtifact(HELLO, tmp.resolve("layout"), "v1"), d,
          "push sends the manifest an OCI layout holds: one writer of CNCF Wasm artifacts");
      // Same content to another repository: the blobs are mounted across repositories.
      String d2 = c.push(HELLO, registry.host() + "/pushed/mounted:v1");
      assertEquals(d, d2);
      PulledModule m = c.pull(registry.host() + "/pushed/mounted:v1");
      assertEquals(Packaging.CNCF_ARTIFACT, m.packaging());
      assertArrayEquals(module, m.moduleBytes());
    }
    try (OciClient c = OciClient.builder().store(tmp.resolve("store2")).build()) {
      String d = c.push(HELLO, registry.host() + "/pushed/mono:v1");
      PulledModule m = c.pull(registry.host() + "/pushed/mono@" + d);
      assertArrayEquals(module, m.moduleBytes());
      assertEquals("wasip1", m.config().os());
    }
  }

  @Test
  void aBlobAnotherRepositoryHoldsIsMountedNotUploaded() throws Exception {
    String layer = TestImages.sha256(Files.readAllBytes(HELLO));
    // The proxy only relays and records: what it sees is what the real registry answered.
    try (FaultProxy proxy = new FaultProxy(registry.host());
         OciClient c = OciClient.builder().store(tmp.resolve("store")).pushChunkSize(4096).build()) {
      c.push(HELLO, proxy.host() + "/mount/a:v1");
      int before = proxy.exchanges.size();
      assertTrue(proxy.exchanges.stream().anyMatch(e -> e.startsWith("PATCH /v2/mount/a/blobs/uploads/")),
          "the first push uploads in chunks: " + proxy.exchanges);
      String d = c.push(HELLO, proxy.host() + "/mount/b:v1");
      List<String> toB = proxy.exchanges.subList(before, proxy.exchanges.size()).stream()
          .map(e -> URLDecoder.decode(e, StandardCharsets.UTF_8))
          .filter(e -> e.contains(" /v2/mount/b/blobs/uploads/")).toList();
      assertTrue(toB.contains("POST /v2/mount/b/blobs/uploads/?mount=" + layer + "&from=mount/a HTTP/1.1"
          + " -> HTTP/1.1 201 Created"), toB.toString());
      assertTrue(toB.stream().allMatch(e -> e.startsWith("POST ") && e.contains("?mount=")
          && e.endsWith(" 201 Created")), "nothing but answered mounts, no upload: " + toB);
      assertEquals(d, registry.manifestDigest("mount/b", "v1"));
    }
    try (OciClient fresh = OciClient.builder().store(tmp.resolve("fresh")).build()) {
      assertArrayEquals(Files.readAllBytes(HELLO), fresh.pull(registry.host() + "/mount/b:v1").moduleBytes());
    }
  }

  @Test
  void aTimeoutTheHttpClientCannotHoldIsRefusedBeforeAnyPull() {
    // OkHttp is built on first network use, so its own check would only fire at the first pull.
    IllegalArgumentException read = assertThrows(IllegalArgumentException.class,
        () -> OciClient.builder().store(tmp.resolve("store")).readTimeout(Duration.ofDays(30)).build());
    assertEquals("readTimeout must be at most 2147483647 ms: PT720H", read.getMessage());
    IllegalArgumentException connect = assertThrows(IllegalArgumentException.class,
        () -> OciClient.builder().store(tmp.resolve("store")).connectTimeout(Duration.ofDays(30)).build());
    assertEquals("connectTimeout must be at most 2147483647 ms: PT720H", connect.getMessage());
  }

  @Test
  void pullsFromLayoutsArchivesAndBareFiles() throws Exception {
    byte[] module = Files.readAllBytes(HELLO);
    Path layout = tmp.resolve("layout");
    String manifest = OciLayout.writeWasmArtifact(HELLO, layout, "v1");
    try (OciClient c = client()) {
      PulledModule a = c.pull("oci:" + layout + ":v1");
      assertEquals(manifest, a.manifestDigest().orElseThrow());
      assertArrayEquals(module, a.moduleBytes());
      assertEquals(manifest, c.pull("oci:" + layout).manifestDigest().orElseThrow());
      NotFoundException nf = assertThrows(NotFoundException.class, () -> c.pull("oci:" + layout + ":v2"));
      assertEquals("tag \"v2\" is not in oci:" + layout + ":v2; it has tags [v1]", nf.getMessage());

      Path archive = tmp.resolve("layout.tar");
      Tools.run(layout, "tar", "-cf", archive.toString(), ".");
      assertEquals(manifest, c.pull("oci-archive:" + archive + ":v1").manifestDigest().orElseThrow());

      Path image = TestImages.wasiImageLayout(tmp.resolve("work"), HELLO, "/hello.wasm", Map.of());
      Path dockerArchive = tmp.resolve("image-docker.tar");
      Tools.run(null, "skopeo", "copy", "--quiet", "--insecure-policy", "oci:" + image + ":t",
          "docker-archive:" + dockerArchive + ":demo/hello:t");
      PulledModule d = c.pull("docker-archive:" + dockerArchive);
      assertEquals(Packaging.IMAGE, d.packaging());
      assertArrayEquals(module, d.moduleBytes());
      assertEquals(d.moduleDigest(), c.pull("docker-archive:" + dockerArchive + ":demo/hello:t").moduleDigest());

      PulledModule bare = c.pull(HELLO.toString());
      assertEquals(Packaging.BARE_MODULE, bare.packaging());
      assertEquals(ImageConfig.empty(), bare.config());
      assertArrayEquals(module, bare.moduleBytes());
      Path notWasm = tmp.resolve("x.wasm");
      Files.writeString(notWasm, "text");
      UnsupportedArtifactException u = assertThrows(UnsupportedArtifactException.class, () -> c.pull(notWasm.toString()));
      assertEquals("file " + notWasm + " is not a WebAssembly module (no \\0asm header)", u.getMessage());
      assertThrows(NotFoundException.class, () -> c.pull(tmp.resolve("missing.wasm").toString()));
      // A relative .wasm path without a registry host is a file, even when it does not exist.
      NotFoundException relative = assertThrows(NotFoundException.class, () -> c.pull("no/such/module.wasm"));
      assertTrue(relative.getMessage().contains("module file no/such/module.wasm does not exist"),
          relative::getMessage);
    }
  }

  @Test
  void storeListsPrunesAndRemoves() throws Exception {
    TestImages.pushCncfArtifact(registry, "store/hello:1", HELLO, OciLayout::writeWasmArtifact);
    try (OciClient c = client()) {
      PulledModule m = c.pull(registry.host() + "/store/hello:1");
      List<ContentStore.Entry> entries = c.store().list();
      assertTrue(entries.stream().anyMatch(e -> e.digest().equals(m.moduleDigest())));
      assertTrue(c.store().remove(m.moduleDigest()));
      assertFalse(Files.exists(m.modulePath()));
      c.pull(registry.host() + "/store/hello:1");
      assertTrue(Files.exists(m.modulePath()));
      c.store().prune(0);
      assertTrue(c.store().list().isEmpty());
      assertThrows(IllegalArgumentException.class, () -> c.store().remove("sha256:nothex"));
    }
  }

  @Test
  void concurrentPullsOfOneImageShareTheDownload() throws Exception {
    TestImages.pushWasiImage(registry, "conc/img:1", HELLO, "/hello.wasm", Map.of("/d/f", new byte[100_000]), false);
    Events ev = new Events();
    try (OciClient c = client(PullPolicy.IF_NOT_PRESENT, ev)) {
      var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
      List<java.util.concurrent.Future<PulledModule>> fs = new java.util.ArrayList<>();
      for (int i = 0; i < 6; i++) {
        fs.add(pool.submit(() -> c.pull(registry.host() + "/conc/img:1")));
      }
      String digest = null;
      for (var f : fs) {
        PulledModule m = f.get();
        digest = digest == null ? m.moduleDigest() : digest;
        assertEquals(digest, m.moduleDigest());
      }
      pool.shutdown();
      long layerDownloads = ev.events.stream().filter(e -> e.startsWith("complete ")).count();
      assertEquals(ev.events.stream().filter(e -> e.startsWith("complete ")).distinct().count(), layerDownloads,
          "each blob downloaded once: " + ev.events);
    }
  }

  @Test
  void digestHelperAgreesWithTestSupport() {
    assertEquals(TestImages.sha256(new byte[] {1, 2}), Digests.sha256(new byte[] {1, 2}));
  }
}
