package dev.skiff.oci.internal.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * The one writer of CNCF TAG-Runtime Wasm artifacts (the "Wasm OCI Artifact" layout, as {@code wkg} and
 * runwasi write it): a config {@code application/vnd.wasm.config.v0+json} with {@code architecture: wasm},
 * {@code os: wasip1} and {@code layerDigests}, and an OCI image manifest with that config and one
 * {@code application/wasm} layer. No {@code artifactType}: the config media type names the artifact, and
 * the OCI image spec asks for {@code artifactType} only when the config is the empty descriptor.
 *
 * @param config the config blob
 * @param configDigest its sha256 digest
 * @param manifest the manifest bytes
 * @param manifestDigest their sha256 digest
 */
public record WasmArtifactManifest(byte[] config, String configDigest, byte[] manifest, String manifestDigest) {
  /**
   * The artifact of one module layer.
   *
   * @param title the module's file name, recorded as {@code org.opencontainers.image.title}; null for none
   */
  public static WasmArtifactManifest of(String layerDigest, long layerSize, String title) {
    ObjectNode cfg = Manifests.JSON.createObjectNode();
    cfg.put("architecture", "wasm").put("os", "wasip1");
    cfg.putArray("layerDigests").add(layerDigest);
    byte[] config = cfg.toString().getBytes(StandardCharsets.UTF_8);
    String configDigest = Digests.sha256(config);

    ObjectNode m = Manifests.JSON.createObjectNode();
    m.put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_MANIFEST);
    m.set("config", Manifests.descriptorJson(MediaTypes.WASM_CONFIG_V0, configDigest, config.length));
    ObjectNode layer = Manifests.descriptorJson(MediaTypes.WASM_LAYER, layerDigest, layerSize);
    if (title != null) {
      layer.putObject("annotations").put("org.opencontainers.image.title", title);
    }
    m.putArray("layers").add(layer);
    byte[] manifest = m.toString().getBytes(StandardCharsets.UTF_8);
    return new WasmArtifactManifest(config, configDigest, manifest, Digests.sha256(manifest));
  }
}
