package dev.skiff.oci.internal.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.oci.AmbiguousModuleException;
import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.NotFoundException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.internal.Listeners;
import dev.skiff.oci.internal.format.Descriptor;
import dev.skiff.oci.internal.format.Digests;
import dev.skiff.oci.internal.format.Manifests;
import dev.skiff.oci.internal.format.MediaTypes;
import dev.skiff.oci.internal.pull.TarLayers;
import dev.skiff.oci.internal.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An extracted {@code docker save} archive: {@code manifest.json} lists Config, RepoTags and Layers. Skiff
 * synthesises a Docker schema2 manifest for it, so its manifest digest is Skiff's own, not a registry's.
 */
public final class DockerArchiveSource extends LocalSource {
  private final Map<String, Path> files = new HashMap<>();

  public DockerArchiveSource(Path dir, String tag, BlobStore store, PullListener listener, String label) {
    super(dir, tag, store, listener, label);
  }

  @Override
  public Top top() {
    Listeners.resolving(listener, label);
    Path mf = dir.resolve("manifest.json");
    if (!Files.isRegularFile(mf)) {
      throw new MalformedContentException(label + " is not a docker-save archive: it has no manifest.json");
    }
    JsonNode root;
    try {
      root = Manifests.readTree(Files.readAllBytes(mf), "manifest.json of " + label);
    } catch (IOException e) {
      throw new OciException("cannot read manifest.json of " + label + ": " + e.getMessage(), e);
    }
    if (!root.isArray() || root.isEmpty()) {
      throw new MalformedContentException("manifest.json of " + label + " is not a non-empty array");
    }
    JsonNode chosen = null;
    List<String> allTags = new ArrayList<>();
    for (JsonNode e : root) {
      for (JsonNode t : e.path("RepoTags")) {
        String rt = t.asText();
        allTags.add(rt);
        if (tag != null && (rt.equals(tag) || rt.endsWith(":" + tag) && !tag.contains(":") || rt.endsWith("/" + tag))) {
          chosen = e;
        }
      }
    }
    if (tag != null && chosen == null) {
      throw new NotFoundException(tag, "tag \"" + tag + "\" is not in " + label + "; it has " + allTags);
    }
    if (chosen == null) {
      if (root.size() > 1) {
        throw new AmbiguousModuleException(allTags, label + " holds " + root.size() + " images " + allTags
            + "; name one as " + label + ":TAG");
      }
      chosen = root.get(0);
    }
    ObjectNode m = Manifests.JSON.createObjectNode();
    m.put("schemaVersion", 2).put("mediaType", MediaTypes.DOCKER_MANIFEST);
    m.set("config", describeFile(chosen.path("Config").asText(null), MediaTypes.DOCKER_CONFIG));
    ArrayNode layers = m.putArray("layers");
    for (JsonNode l : chosen.path("Layers")) {
      layers.add(describeFile(l.asText(null), MediaTypes.OCI_TAR));
    }
    byte[] bytes = m.toString().getBytes(StandardCharsets.UTF_8);
    return new Top(bytes, MediaTypes.DOCKER_MANIFEST, Digests.sha256(bytes));
  }

  private ObjectNode describeFile(String rel, String mediaType) {
    if (rel == null || rel.isEmpty()) {
      throw new MalformedContentException("manifest.json of " + label + " has an entry without a file name");
    }
    Path f = dir.resolve(TarLayers.clean(rel, label)).normalize();
    if (!f.startsWith(dir) || !Files.isRegularFile(f)) {
      throw new MalformedContentException("manifest.json of " + label + " names \"" + rel + "\", which is not a file in the archive");
    }
    try (InputStream in = Files.newInputStream(f)) {
      MessageDigest md = Digests.newDigest("sha256");
      byte[] buf = new byte[1 << 16];
      long size = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
        size += n;
      }
      String digest = Digests.format("sha256", md);
      files.put(digest, f);
      return Manifests.descriptorJson(mediaType, digest, size);
    } catch (IOException e) {
      throw new OciException("cannot read " + rel + " in " + label + ": " + e.getMessage(), e);
    }
  }

  private Path file(Descriptor d) {
    Path f = files.get(d.digest());
    if (f == null) {
      throw new NotFoundException(d.digest(), d.digest() + " is not in " + label);
    }
    return f;
  }

  @Override
  public byte[] manifest(Descriptor d) {
    throw new MalformedContentException(label + " has no nested manifests");
  }

  @Override
  public byte[] config(Descriptor d) {
    try {
      return Source.check(d, Files.readAllBytes(file(d)), "config in " + label);
    } catch (IOException e) {
      throw new OciException("cannot read the config of " + label + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Path blob(Descriptor d) {
    Path f = file(d);
    return storeCopy(d, f);
  }
}
