package dev.skiff.oci.internal.push;

import dev.skiff.oci.ImageReference;
import dev.skiff.oci.NotFoundException;
import dev.skiff.oci.internal.format.Digests;
import dev.skiff.oci.internal.format.MediaTypes;
import dev.skiff.oci.internal.format.WasmArtifactManifest;
import dev.skiff.oci.internal.pull.Puller;
import dev.skiff.oci.internal.registry.Uploads;
import dev.skiff.oci.internal.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Pushes a module as a CNCF Wasm artifact: stores it, skips blobs the registry has, mounts across
 * repositories when a repository holding a blob is known, uploads the rest and puts the manifest.
 */
public final class Pusher {
  private final BlobStore store;
  private final Supplier<Uploads> uploads;
  private final long chunkSize;
  private final Map<String, String> blobRepos;

  /**
   * @param uploads made on first use, as the registry client is
   * @param blobRepos {@code "registry digest"} to a repository known to hold the blob, shared with pulls
   */
  public Pusher(BlobStore store, Supplier<Uploads> uploads, long chunkSize, Map<String, String> blobRepos) {
    this.store = store;
    this.uploads = uploads;
    this.chunkSize = chunkSize;
    this.blobRepos = blobRepos;
  }

  /** Pushes {@code wasmFile} to {@code ref}; returns the manifest digest. */
  public String push(Path wasmFile, ImageReference ref) {
    // Streamed (hashed, then copied into the store): a module is never held in memory whole.
    long wasmSize;
    String layerDigest;
    try (InputStream in = Files.newInputStream(wasmFile)) {
      Puller.checkWasmHeader(in.readNBytes(8), "file " + wasmFile);
      wasmSize = Files.size(wasmFile);
      layerDigest = Digests.sha256(wasmFile);
    } catch (IOException e) {
      throw new NotFoundException(wasmFile.toString(), "cannot read module file " + wasmFile + ": " + e.getMessage());
    }
    store.ensure(layerDigest, wasmSize, null, pending -> {
      try (InputStream in = Files.newInputStream(wasmFile)) {
        pending.transferFrom(in);
      }
    });
    WasmArtifactManifest artifact = WasmArtifactManifest.of(layerDigest, wasmSize, wasmFile.getFileName().toString());
    store.putVerified(artifact.configDigest(), artifact.config());

    Uploads up = uploads.get();
    String host = ref.registryHost();
    for (String d : List.of(artifact.configDigest(), layerDigest)) {
      if (!up.blobExists(host, ref.registry(), ref.repository(), d)) {
        String from = blobRepos.get(ref.registry() + " " + d);
        up.uploadBlob(host, ref.registry(), ref.repository(), d, store.blobPath(d), chunkSize, from);
      }
      blobRepos.put(ref.registry() + " " + d, ref.repository());
    }
    String digest = up.putManifest(host, ref.registry(), ref.repository(),
        ref.tag().orElse(artifact.manifestDigest()), artifact.manifest(), MediaTypes.OCI_MANIFEST);
    store.putVerified(digest, artifact.manifest());
    return digest;
  }
}
