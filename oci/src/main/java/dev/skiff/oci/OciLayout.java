package dev.skiff.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.oci.internal.format.Digests;
import dev.skiff.oci.internal.format.Manifests;
import dev.skiff.oci.internal.format.MediaTypes;
import dev.skiff.oci.internal.format.WasmArtifactManifest;
import dev.skiff.oci.internal.pull.Puller;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * Writes OCI image layouts on disk, for tests, air-gapped copies and tools that read layouts
 * ({@code skopeo}, {@code oras}, {@link OciClient#pull(String) pull("oci:DIR:TAG")}).
 *
 * <pre>{@code
 * String digest = OciLayout.writeWasmArtifact(Path.of("build/calc.wasm"), Path.of("layout"), "1.0");
 * PulledModule m = oci.pull("oci:layout:1.0");
 * }</pre>
 */
public final class OciLayout {
  private OciLayout() {}

  /**
   * Packages a module as a CNCF Wasm artifact (config {@code application/vnd.wasm.config.v0+json}, one
   * {@code application/wasm} layer: the same manifest {@link OciClient#push} sends) in an OCI image layout,
   * tagged {@code tag}.
   *
   * @param wasm the module file
   * @param layoutDir the layout folder, created when missing; an existing {@code index.json} is replaced
   * @param tag the tag, recorded as the {@code org.opencontainers.image.ref.name} annotation
   * @return the manifest digest
   * @throws NotFoundException when the module file does not exist
   * @throws UnsupportedArtifactException when it is not a WebAssembly core module
   * @throws OciException when the layout cannot be written
   */
  public static String writeWasmArtifact(Path wasm, Path layoutDir, String tag) {
    Objects.requireNonNull(wasm, "wasm");
    Objects.requireNonNull(layoutDir, "layoutDir");
    Objects.requireNonNull(tag, "tag");
    try {
      long size;
      String layerDigest;
      try (InputStream in = Files.newInputStream(wasm)) {
        Puller.checkWasmHeader(in.readNBytes(8), "file " + wasm);
        size = Files.size(wasm);
        layerDigest = Digests.sha256(wasm);
      } catch (NoSuchFileException e) {
        throw new NotFoundException(wasm.toString(), "module file " + wasm + " does not exist");
      }
      Path blobs = Files.createDirectories(layoutDir.resolve("blobs/sha256"));
      Files.copy(wasm, blobs.resolve(Digests.hex(layerDigest)), StandardCopyOption.REPLACE_EXISTING);
      WasmArtifactManifest artifact = WasmArtifactManifest.of(layerDigest, size, wasm.getFileName().toString());
      Files.write(blobs.resolve(Digests.hex(artifact.configDigest())), artifact.config());
      Files.write(blobs.resolve(Digests.hex(artifact.manifestDigest())), artifact.manifest());
      Files.writeString(layoutDir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
      ObjectNode index = Manifests.JSON.createObjectNode();
      index.put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
      ObjectNode entry = Manifests.descriptorJson(MediaTypes.OCI_MANIFEST, artifact.manifestDigest(),
          artifact.manifest().length);
      entry.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
      index.putArray("manifests").add(entry);
      Files.write(layoutDir.resolve("index.json"), index.toString().getBytes(StandardCharsets.UTF_8));
      return artifact.manifestDigest();
    } catch (IOException e) {
      throw new OciException("cannot write an OCI layout of " + wasm + " into " + layoutDir + ": " + e.getMessage(), e);
    }
  }
}
