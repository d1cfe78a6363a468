package dev.skiff.oci.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.oci.internal.format.Digests;
import dev.skiff.oci.internal.format.Manifests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/** What a tag resolved to when it was last asked, in {@code refs/}: what pull policies other than ALWAYS reuse. */
public final class TagResolutions {
  /**
   * A recorded tag resolution.
   *
   * @param reference {@code registry/repository:tag}
   * @param digest the manifest or index digest it named
   * @param resolvedAt when
   */
  public record Resolution(String reference, String digest, Instant resolvedAt) {}

  private final Path dir;
  private final TempArea temp;

  TagResolutions(Path dir, TempArea temp) {
    this.dir = dir;
    this.temp = temp;
  }

  private Path file(String reference) {
    return dir.resolve(Digests.hex(Digests.sha256(reference.getBytes(StandardCharsets.UTF_8))) + ".json");
  }

  public void record(String reference, String digest) {
    ObjectNode o = Manifests.JSON.createObjectNode();
    o.put("reference", reference).put("digest", digest).put("resolvedAt", Instant.now().toString());
    temp.writeAtomically(file(reference), o.toString().getBytes(StandardCharsets.UTF_8));
  }

  public Optional<Resolution> lookup(String reference) {
    try {
      JsonNode n = Manifests.JSON.readTree(Files.readAllBytes(file(reference)));
      String d = n.path("digest").asText(null);
      if (!reference.equals(n.path("reference").asText()) || !Digests.isValid(d)) {
        return Optional.empty();
      }
      return Optional.of(new Resolution(reference, d, Instant.parse(n.path("resolvedAt").asText())));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // a damaged record is a miss, never an error
    }
  }
}
