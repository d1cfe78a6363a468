package dev.skiff.oci.internal.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.AmbiguousModuleException;
import dev.skiff.oci.ImageConfig;
import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.NoMatchingPlatformException;
import dev.skiff.oci.Packaging;
import dev.skiff.oci.UnsupportedArtifactException;
import dev.skiff.oci.internal.format.Manifests;
import dev.skiff.oci.internal.format.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestsTest {
  static final String D1 = "sha256:" + "1".repeat(64);
  static final String D2 = "sha256:" + "2".repeat(64);
  static final String D3 = "sha256:" + "3".repeat(64);

  static byte[] b(String s) {
    return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }

  static String desc(String mt, String d) {
    return "{'mediaType':'" + mt + "','digest':'" + d + "','size':10}";
  }

  static String manifest(String configMt, String... layers) {
    return "{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "','config':" + desc(configMt, D1)
        + ",'layers':[" + String.join(",", layers) + "],'unknownField':{'x':1}}";
  }

  static Packaging classify(String json, ImageConfig cfg) {
    return Puller.classify((Manifests.Manifest) Manifests.parse(b(json), null, "t"), cfg, "img");
  }

  @Test
  void classifiesEveryPackaging() {
    ImageConfig none = ImageConfig.empty();
    assertEquals(Packaging.CNCF_ARTIFACT, classify(manifest(MediaTypes.WASM_CONFIG_V0, desc("application/wasm", D2)), none));
    assertEquals(Packaging.WASM_CONTENT_LAYER, classify(manifest(MediaTypes.WASM_CONFIG_V1, desc(MediaTypes.WASM_CONTENT_LAYER, D2)), none));
    assertEquals(Packaging.SOLO_WASM_LAYER, classify(manifest("application/vnd.oci.image.config.v1+json", desc(MediaTypes.SOLO_LAYER, D2)), none));
    assertEquals(Packaging.RUNWASI_LAYER, classify(manifest(MediaTypes.OCI_CONFIG, desc(MediaTypes.RUNWASI_LAYER, D2)), none));
    ImageConfig wasi = ImageConfig.builder().os("wasi").architecture("wasm").build();
    assertEquals(Packaging.IMAGE, classify(manifest(MediaTypes.OCI_CONFIG, desc(MediaTypes.OCI_TAR_GZIP, D2),
        desc(MediaTypes.OCI_TAR_ZSTD, D3)), wasi));
    assertEquals(Packaging.IMAGE, classify(manifest(MediaTypes.DOCKER_CONFIG, desc(MediaTypes.DOCKER_TAR_GZIP, D2)),
        ImageConfig.builder().os("WASIp1").architecture("wasm32").build()));
  }

  @Test
  void refusesWhatItCannotRun() {
    UnsupportedArtifactException linux = assertThrows(UnsupportedArtifactException.class, () ->
        classify(manifest(MediaTypes.OCI_CONFIG, desc(MediaTypes.OCI_TAR_GZIP, D2)),
            ImageConfig.builder().os("linux").architecture("amd64").build()));
    assertEquals("img is an image for linux/amd64, not a WebAssembly image (os wasi*, architecture wasm or wasm32)",
        linux.getMessage());
    UnsupportedArtifactException spin = assertThrows(UnsupportedArtifactException.class, () ->
        classify(manifest(MediaTypes.SPIN_CONFIG, desc(MediaTypes.WASM_CONTENT_LAYER, D2),
            desc("application/vnd.wasm.content.layer.v1+data", D3)), ImageConfig.empty()));
    assertTrue(spin.getMessage().startsWith("img is a Spin application"), spin.getMessage());
    UnsupportedArtifactException two = assertThrows(UnsupportedArtifactException.class, () ->
        classify(manifest(MediaTypes.WASM_CONFIG_V0, desc("application/wasm", D2), desc("application/wasm", D3)), ImageConfig.empty()));
    assertEquals("img is a CNCF Wasm artifact with layers [application/wasm, application/wasm]; the CNCF Wasm OCI "
        + "artifact spec requires exactly one application/wasm layer", two.getMessage());
    AmbiguousModuleException amb = assertThrows(AmbiguousModuleException.class, () ->
        classify(manifest(MediaTypes.WASM_CONFIG_V1, desc(MediaTypes.WASM_CONTENT_LAYER, D2), desc(MediaTypes.WASM_CONTENT_LAYER, D3)),
            ImageConfig.empty()));
    assertEquals(List.of(D2, D3), amb.candidates());
    UnsupportedArtifactException p2 = assertThrows(UnsupportedArtifactException.class, () ->
        classify(manifest(MediaTypes.WASM_CONFIG_V0, desc("application/wasm", D2)), ImageConfig.builder().os("wasip2").build()));
    assertTrue(p2.getMessage().contains("component"), p2.getMessage());
    UnsupportedArtifactException unknown = assertThrows(UnsupportedArtifactException.class, () ->
        classify(manifest("application/vnd.cncf.helm.config.v1+json", desc("application/vnd.cncf.helm.chart.content.v1.tar+gzip", D2)),
            ImageConfig.empty()));
    assertTrue(unknown.getMessage().contains("none of the Wasm packagings"), unknown.getMessage());
  }

  @Test
  void wasmHeaderCheckRecognisesComponents() {
    Puller.checkWasmHeader(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0}, "m");
    UnsupportedArtifactException c = assertThrows(UnsupportedArtifactException.class, () ->
        Puller.checkWasmHeader(new byte[] {0, 'a', 's', 'm', 0x0d, 0, 1, 0}, "m"));
    assertEquals("m is a WebAssembly component (preview 2); Skiff runs WASI preview1 core modules", c.getMessage());
    UnsupportedArtifactException n = assertThrows(UnsupportedArtifactException.class, () ->
        Puller.checkWasmHeader("#!/bin/sh\n".getBytes(), "m"));
    assertEquals("m is not a WebAssembly module (no \\0asm header)", n.getMessage());
  }

  static String indexEntry(String d, String os, String arch, String extra) {
    return "{'mediaType':'" + MediaTypes.OCI_MANIFEST + "','digest':'" + d + "','size':10,'platform':{'os':'" + os
        + "','architecture':'" + arch + "'}" + extra + "}";
  }

  static Manifests.Index index(String... entries) {
    return (Manifests.Index) Manifests.parse(b("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_INDEX
        + "','manifests':[" + String.join(",", entries) + "]}"), MediaTypes.OCI_INDEX, "idx");
  }

  @Test
  void choosesTheWasmPlatformAndSkipsAttestations() {
    Puller p = new Puller(null, null, null, 1, 1);
    Manifests.Index idx = index(indexEntry(D1, "linux", "amd64", ""),
        indexEntry(D3, "unknown", "unknown", ",'annotations':{'vnd.docker.reference.type':'attestation-manifest'}"),
        indexEntry(D2, "Wasip1", "WASM", ""));
    assertEquals(D2, p.choose(idx, "idx").digest());
    assertEquals(D2, p.choose(index(indexEntry(D2, "wasi", "wasm32", "")), "idx").digest());
    assertEquals(D1, new Puller(null, null, "linux/amd64", 1, 1).choose(idx, "idx").digest());
    NoMatchingPlatformException e = assertThrows(NoMatchingPlatformException.class, () ->
        p.choose(index(indexEntry(D1, "linux", "amd64", ""), indexEntry(D3, "linux", "arm64", "")), "idx"));
    assertEquals(List.of("linux/amd64", "linux/arm64"), e.available());
    assertTrue(e.getMessage().startsWith("index idx has no WebAssembly entry (os wasi*, architecture wasm or wasm32); it has "
        + "[linux/amd64, linux/arm64]"), e.getMessage());
    NoMatchingPlatformException forced = assertThrows(NoMatchingPlatformException.class, () ->
        new Puller(null, null, "wasi/wasm", 1, 1).choose(index(indexEntry(D1, "linux", "amd64", "")), "idx"));
    assertEquals("index idx has no entry for platform wasi/wasm; it has [linux/amd64]", forced.getMessage());
  }

  @Test
  void rejectsMalformedManifests() {
    assertEquals("manifest t is not valid JSON: Unrecognized token 'xx': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
        assertThrows(MalformedContentException.class, () -> Manifests.parse(b("xx"), null, "t")).getMessage());
    assertEquals("manifest t has no media type and is neither an index (\"manifests\") nor a manifest (\"config\", \"layers\")",
        assertThrows(MalformedContentException.class, () -> Manifests.parse(b("{'schemaVersion':2}"), null, "t")).getMessage());
    assertEquals("manifest t declares media type " + MediaTypes.OCI_INDEX + " but was served as " + MediaTypes.OCI_MANIFEST,
        assertThrows(MalformedContentException.class, () -> Manifests.parse(b("{'mediaType':'" + MediaTypes.OCI_INDEX
            + "','manifests':[]}"), MediaTypes.OCI_MANIFEST, "t")).getMessage());
    assertEquals("manifest t layer has an invalid or unsupported digest \"sha256:xyz\" (expected sha256:<64 hex> or sha512:<128 hex>)",
        assertThrows(MalformedContentException.class, () -> Manifests.parse(b("{'mediaType':'" + MediaTypes.OCI_MANIFEST
            + "','config':" + desc("a/b", D1) + ",'layers':[{'mediaType':'x','digest':'sha256:xyz','size':1}]}"), null, "t")).getMessage());
    assertEquals("manifest t config has no mediaType",
        assertThrows(MalformedContentException.class, () -> Manifests.parse(b("{'schemaVersion':2,'config':{'digest':'" + D1
            + "','size':1},'layers':[]}"), null, "t")).getMessage());
    byte[] huge = new byte[Manifests.MAX_MANIFEST_BYTES + 1];
    assertEquals("manifest t is 4194305 bytes, more than the 4194304-byte limit",
        assertThrows(MalformedContentException.class, () -> Manifests.parse(huge, null, "t")).getMessage());
    assertTrue(assertThrows(UnsupportedArtifactException.class, () -> Manifests.parse(b("{'schemaVersion':1,'name':'x'}"), null, "t"))
        .getMessage().contains("Docker schema 1"));
  }

  @Test
  void readsImageConfig() {
    ImageConfig c = Manifests.config(b("{'os':'wasi','architecture':'wasm','config':{'Entrypoint':['/app.wasm','-v'],"
        + "'Cmd':['x'],'Env':['A=1','B=2'],'WorkingDir':'/work','Labels':{'l':'v'}},'rootfs':{}}"), Map.of("a", "b"), "c");
    assertEquals(List.of("/app.wasm", "-v"), c.entrypoint());
    assertEquals(List.of("x"), c.cmd());
    assertEquals(List.of("A=1", "B=2"), c.env());
    assertEquals("/work", c.workingDir().orElseThrow());
    assertEquals(Map.of("l", "v"), c.labels());
    assertEquals(Map.of("a", "b"), c.annotations());
    assertEquals("wasi", c.os());
    assertTrue(c.toString().contains("env=[A, B]"), "values hidden: " + c);
    assertInstanceOf(ImageConfig.class, Manifests.config(new byte[0], Map.of(), "c"));
  }
}
