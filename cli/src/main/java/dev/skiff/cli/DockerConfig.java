package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Docker's {@code config.json}, written as {@code docker login} writes it: {@code auths.<host>.auth} as
 * base64 of {@code user:password}, or the credential helper the file names ({@code credHelpers.<host>},
 * then {@code credsStore}) through its {@code store}/{@code erase} protocol. Other keys are kept; the file
 * is replaced atomically with mode 0600.
 */
final class DockerConfig {
  private final Path file;

  DockerConfig(Path dir) {
    this.file = dir.resolve("config.json");
  }

  /** {@code --config DIR}, else {@code $DOCKER_CONFIG}, else {@code ~/.docker}, as docker does. */
  static DockerConfig at(Path dir) {
    if (dir != null) {
      return new DockerConfig(dir);
    }
    String env = System.getenv("DOCKER_CONFIG");
    return new DockerConfig(env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".docker"));
  }

  Path file() {
    return file;
  }

  /** The key docker files a registry under: Docker Hub's legacy URL, else the host. */
  static String key(String registry) {
    return registry.equals("docker.io") || registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")
        ? "https://index.docker.io/v1/" : registry;
  }

  /** Stores the credential; returns where (the file, or the helper's name). */
  String store(String registry, String username, String password) {
    ObjectNode root = read();
    Optional<String> helper = helper(root, registry);
    if (helper.isPresent()) {
      ObjectNode msg = Json.MAPPER.createObjectNode();
      msg.put("ServerURL", key(registry)).put("Username", username).put("Secret", password);
      runHelper(helper.get(), "store", msg.toString());
      return "credential helper docker-credential-" + helper.get();
    }
    ObjectNode entry = Json.MAPPER.createObjectNode();
    entry.put("auth", Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    root.withObjectProperty("auths").set(key(registry), entry);
    write(root);
    return file.toString();
  }

  /** Removes the credential; whether there was one. */
  boolean erase(String registry) {
    ObjectNode root = read();
    Optional<String> helper = helper(root, registry);
    if (helper.isPresent()) {
      runHelper(helper.get(), "erase", key(registry));
      return true;
    }
    JsonNode auths = root.path("auths");
    if (!auths.isObject() || !auths.has(key(registry))) {
      return false;
    }
    ((ObjectNode) auths).remove(key(registry));
    write(root);
    return true;
  }

  private static Optional<String> helper(ObjectNode root, String registry) {
    JsonNode helpers = root.path("credHelpers");
    if (helpers.hasNonNull(key(registry))) {
      return Optional.of(helpers.get(key(registry)).asText());
    }
    return root.hasNonNull("credsStore") ? Optional.of(root.get("credsStore").asText()) : Optional.empty();
  }

  private static void runHelper(String name, String verb, String input) {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("config.json names a credential helper with an unsafe name: " + name);
    }
    try {
      Process p = new ProcessBuilder("docker-credential-" + name, verb)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(input.getBytes(StandardCharsets.UTF_8));
      }
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("docker-credential-" + name + " " + verb + " did not finish in 30 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("docker-credential-" + name + " " + verb + " failed (exit " + p.exitValue() + ")");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run docker-credential-" + name + " (named in config.json): "
          + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private ObjectNode read() {
    if (!Files.exists(file)) {
      return Json.MAPPER.createObjectNode();
    }
    try {
      JsonNode n = Json.MAPPER.readTree(file.toFile());
      if (n == null || n.isMissingNode()) {
        return Json.MAPPER.createObjectNode();
      }
      if (!n.isObject()) {
        throw new IllegalStateException(file + " is not a JSON object; fix or remove it");
      }
      return (ObjectNode) n;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file + ": " + e.getMessage() + "; fix or remove it", e);
    }
  }

  private void write(ObjectNode root) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), "config.json.", ".tmp");
      try {
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX file system
        }
        Files.write(tmp, Json.MAPPER.writeValueAsBytes(root));
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
