package dev.skiff.oci.internal.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.oci.ImageConfig;
import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.UnsupportedArtifactException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses manifests, indexes and image configs; unknown fields are tolerated, missing required ones are not. */
public final class Manifests {
  /** containerd and distribution cap manifests at 4 MiB; anything larger is hostile or broken. */
  public static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
  public static final int MAX_CONFIG_BYTES = 8 * 1024 * 1024;
  public static final ObjectMapper JSON = new ObjectMapper();

  private Manifests() {}

  /** A parsed index or manifest. */
  public sealed interface Parsed permits Index, Manifest {
    String mediaType();
  }

  public record Index(String mediaType, List<Descriptor> manifests, Map<String, String> annotations) implements Parsed {}

  public record Manifest(String mediaType, String artifactType, Descriptor config, List<Descriptor> layers,
      Map<String, String> annotations) implements Parsed {}

  /**
   * Parses manifest bytes.
   *
   * @param servedAs the media type the descriptor or the registry gave, or null
   * @param what a description for messages (reference or digest)
   */
  public static Parsed parse(byte[] bytes, String servedAs, String what) {
    if (bytes.length > MAX_MANIFEST_BYTES) {
      throw new MalformedContentException("manifest " + what + " is " + bytes.length + " bytes, more than the "
          + MAX_MANIFEST_BYTES + "-byte limit");
    }
    JsonNode root = readTree(bytes, "manifest " + what);
    String declared = text(root, "mediaType");
    if (root.path("schemaVersion").asInt(0) == 1 || MediaTypes.DOCKER_SCHEMA1.equals(declared)
        || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(declared)) {
      throw new UnsupportedArtifactException("manifest " + what + " is Docker schema 1, which is deprecated and not "
          + "supported; re-push the image with a current tool");
    }
    String served = servedAs == null ? null : servedAs.split(";")[0].strip();
    if (served != null && (served.isEmpty() || served.equals("application/json") || served.equals("text/plain")
        || served.equals("application/octet-stream"))) {
      served = null; // generic types say nothing
    }
    if (declared != null && served != null && !declared.equals(served)) {
      throw new MalformedContentException("manifest " + what + " declares media type " + declared
          + " but was served as " + served);
    }
    String mt = declared != null ? declared : served;
    boolean looksIndex = root.has("manifests");
    boolean looksManifest = root.has("config") || root.has("layers");
    if (mt == null) {
      if (looksIndex == looksManifest) {
        throw new MalformedContentException("manifest " + what + " has no media type and is neither an index "
            + "(\"manifests\") nor a manifest (\"config\", \"layers\")");
      }
      mt = looksIndex ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }
    if (MediaTypes.isIndex(mt)) {
      if (!root.path("manifests").isArray()) {
        throw new MalformedContentException("index " + what + " has no \"manifests\" array");
      }
      List<Descriptor> list = new ArrayList<>();
      for (JsonNode d : root.path("manifests")) {
        list.add(descriptor(d, "index " + what + " entry"));
      }
      return new Index(mt, List.copyOf(list), stringMap(root.path("annotations")));
    }
    if (MediaTypes.isManifest(mt)) {
      if (!root.path("config").isObject()) {
        throw new MalformedContentException("manifest " + what + " has no \"config\" descriptor");
      }
      Descriptor config = descriptor(root.path("config"), "manifest " + what + " config");
      List<Descriptor> layers = new ArrayList<>();
      if (root.has("layers") && !root.path("layers").isArray()) {
        throw new MalformedContentException("manifest " + what + " has a \"layers\" field that is not an array");
      }
      for (JsonNode d : root.path("layers")) {
        layers.add(descriptor(d, "manifest " + what + " layer"));
      }
      return new Manifest(mt, text(root, "artifactType"), config, List.copyOf(layers), stringMap(root.path("annotations")));
    }
    throw new UnsupportedArtifactException("manifest " + what + " has media type " + mt
        + ", which is neither an image index nor an image manifest");
  }

  static Descriptor descriptor(JsonNode d, String where) {
    if (!d.isObject()) {
      throw new MalformedContentException(where + " is not a JSON object");
    }
    String mt = text(d, "mediaType");
    if (mt == null || mt.isEmpty()) {
      throw new MalformedContentException(where + " has no mediaType");
    }
    String digest = Digests.require(text(d, "digest"), where);
    JsonNode size = d.get("size");
    if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
      throw new MalformedContentException(where + " " + digest + " has no valid size");
    }
    Descriptor.Platform p = null;
    JsonNode pn = d.get("platform");
    if (pn != null && pn.isObject()) {
      p = new Descriptor.Platform(String.valueOf(text(pn, "os")), String.valueOf(text(pn, "architecture")), text(pn, "variant"));
    }
    return new Descriptor(mt, digest, size.asLong(), p, stringMap(d.path("annotations")));
  }

  /** Parses an OCI/Docker image config or a CNCF Wasm config into the runtime view. */
  public static ImageConfig config(byte[] bytes, Map<String, String> annotations, String what) {
    if (bytes.length > MAX_CONFIG_BYTES) {
      throw new MalformedContentException("config " + what + " is larger than " + MAX_CONFIG_BYTES + " bytes");
    }
    ImageConfig.Builder b = ImageConfig.builder().annotations(annotations);
    if (bytes.length == 0) {
      return b.build();
    }
    JsonNode root = readTree(bytes, "config " + what);
    if (!root.isObject()) {
      return b.build(); // e.g. the OCI empty descriptor "{}" or artifact configs we do not interpret
    }
    b.os(text(root, "os")).architecture(text(root, "architecture"));
    JsonNode c = root.path("config");
    if (c.isObject()) {
      b.entrypoint(strings(c.path("Entrypoint"))).cmd(strings(c.path("Cmd"))).env(strings(c.path("Env")))
          .workingDir(text(c, "WorkingDir")).labels(stringMap(c.path("Labels")));
    }
    return b.build();
  }

  public static JsonNode readTree(byte[] bytes, String what) {
    try {
      JsonNode n = JSON.readTree(bytes);
      if (n == null || n.isMissingNode()) {
        throw new MalformedContentException(what + " is empty");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new MalformedContentException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new MalformedContentException(what + " could not be read: " + e.getMessage(), e);
    }
  }

  static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
  }

  static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n.isArray()) {
      n.forEach(e -> out.add(e.asText()));
    } else if (n.isTextual()) {
      out.add(n.asText());
    }
    return out;
  }

  static Map<String, String> stringMap(JsonNode n) {
    Map<String, String> out = new LinkedHashMap<>();
    if (n.isObject()) {
      n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    }
    return out;
  }

  /** Serialises a descriptor for manifests we write (push, docker-archive). */
  public static ObjectNode descriptorJson(String mediaType, String digest, long size) {
    ObjectNode o = JSON.createObjectNode();
    o.put("mediaType", mediaType).put("digest", digest).put("size", size);
    return o;
  }
}
