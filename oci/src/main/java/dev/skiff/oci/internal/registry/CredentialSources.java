package dev.skiff.oci.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.oci.internal.format.Manifests;
import dev.skiff.oci.internal.source.Source;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Credential sources tried in order, each of which may say "not mine": explicit, environment
 * ({@code SKIFF_REGISTRY}, {@code SKIFF_USERNAME}, {@code SKIFF_PASSWORD}), Docker's config.json
 * ({@code auths}, {@code credHelpers}, {@code credsStore}) and podman's auth.json.
 */
public final class CredentialSources {
  private static final System.Logger LOG = System.getLogger("dev.skiff.oci.auth");

  /** One source. */
  @FunctionalInterface
  public interface Source {
    Optional<Credential> lookup(String registry);
  }

  private final List<Source> sources;

  public CredentialSources(List<Source> sources) {
    this.sources = List.copyOf(sources);
  }

  /** The default chain: explicit, environment, Docker config, podman auth. */
  public static CredentialSources defaults(Map<String, Credential> explicit, Map<String, String> env, Path home) {
    List<Source> s = new ArrayList<>();
    s.add(r -> Optional.ofNullable(explicit.get(r)));
    s.add(r -> fromEnv(env, r));
    String dockerConfig = env.get("DOCKER_CONFIG");
    Path docker = dockerConfig != null ? Path.of(dockerConfig, "config.json") : home.resolve(".docker/config.json");
    // Credential helpers are looked up on the PATH of the environment given, like Docker does.
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    Function<String[], Optional<Credential>> helper = a -> runHelper(a, path);
    // a = {helper name, registry, the file naming it}
    s.add(r -> dockerConfig(docker, r, "docker config " + docker, helper));
    List<Path> podman = new ArrayList<>();
    if (env.get("REGISTRY_AUTH_FILE") != null) {
      podman.add(Path.of(env.get("REGISTRY_AUTH_FILE")));
    }
    if (env.get("XDG_RUNTIME_DIR") != null) {
      podman.add(Path.of(env.get("XDG_RUNTIME_DIR"), "containers/auth.json"));
    }
    podman.add(home.resolve(".config/containers/auth.json"));
    for (Path p : podman) {
      s.add(r -> dockerConfig(p, r, "podman auth " + p, helper));
    }
    return new CredentialSources(s);
  }

  public Optional<Credential> lookup(String registry) {
    for (Source s : sources) {
      Optional<Credential> c = s.lookup(registry);
      if (c.isPresent()) {
        return c;
      }
    }
    return Optional.empty();
  }

  static Optional<Credential> fromEnv(Map<String, String> env, String registry) {
    String r = env.get("SKIFF_REGISTRY");
    String u = env.get("SKIFF_USERNAME");
    String p = env.get("SKIFF_PASSWORD");
    // Only for the registry named, so a password is never offered to another host.
    if (r != null && u != null && p != null && r.equals(registry)) {
      return Optional.of(new Credential(u, p, null, "the environment variables SKIFF_REGISTRY, SKIFF_USERNAME and"
          + " SKIFF_PASSWORD"));
    }
    return Optional.empty();
  }

  /** Keys under which config.json may file a registry. */
  static List<String> keysFor(String registry) {
    List<String> keys = new ArrayList<>(List.of(registry, "https://" + registry, "http://" + registry,
        "https://" + registry + "/v1/", "https://" + registry + "/v2/"));
    if (registry.equals("docker.io") || registry.equals("registry-1.docker.io")) {
      keys.add(0, "https://index.docker.io/v1/");
      keys.add("index.docker.io");
      keys.add("docker.io");
    }
    return keys;
  }

  static Optional<Credential> dockerConfig(Path file, String registry, String label,
      Function<String[], Optional<Credential>> helper) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = Manifests.JSON.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "ignoring unreadable credentials file {0}: {1}", file, e.getClass().getSimpleName());
      return Optional.empty();
    }
    List<String> keys = keysFor(registry);
    JsonNode helpers = root.path("credHelpers");
    for (String k : keys) {
      if (helpers.hasNonNull(k)) {
        return helper.apply(new String[] {helpers.get(k).asText(), registry, label});
      }
    }
    JsonNode auths = root.path("auths");
    for (String k : keys) {
      JsonNode a = auths.get(k);
      if (a == null || !a.isObject()) {
        continue;
      }
      String identity = a.path("identitytoken").asText(null);
      String auth = a.path("auth").asText(null);
      String user = a.path("username").asText(null);
      String pass = a.path("password").asText(null);
      if (auth != null && !auth.isEmpty()) {
        String decoded;
        try {
          decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          LOG.log(System.Logger.Level.WARNING, "ignoring malformed auth entry for {0} in {1}", registry, file);
          continue;
        }
        int c = decoded.indexOf(':');
        if (c > 0) {
          user = decoded.substring(0, c);
          pass = decoded.substring(c + 1);
        }
      }
      if (identity != null && !identity.isEmpty()) {
        return Optional.of(new Credential(user, null, identity, label));
      }
      if (user != null && pass != null) {
        return Optional.of(new Credential(user, pass, null, label));
      }
    }
    if (root.hasNonNull("credsStore")) {
      return helper.apply(new String[] {root.get("credsStore").asText(), registry, label});
    }
    return Optional.empty();
  }

  /** Runs {@code docker-credential-<name> get} with the server on stdin (the Docker credential helper protocol). */
  static Optional<Credential> runHelper(String[] nameAndRegistry, String searchPath) {
    String name = nameAndRegistry[0];
    String registry = nameAndRegistry[1];
    if (!name.matches("[A-Za-z0-9_-][A-Za-z0-9._-]*")) {
      LOG.log(System.Logger.Level.WARNING, "ignoring credential helper with an unsafe name: {0}", name);
      return Optional.empty();
    }
    String program = "docker-credential-" + name;
    String source = "the credential helper " + program + (nameAndRegistry.length > 2 ? " (named in "
        + nameAndRegistry[2] + ")" : "");
    Path executable = null;
    for (String dir : searchPath.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        executable = candidate.toAbsolutePath();
        break;
      }
    }
    if (executable == null) {
      LOG.log(System.Logger.Level.DEBUG, "credential helper {0} is not on the PATH", program);
      return Optional.empty();
    }
    try {
      Process p = new ProcessBuilder(executable.toString(), "get").redirectError(ProcessBuilder.Redirect.DISCARD).start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(registry.getBytes(StandardCharsets.UTF_8));
      }
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      if (p.exitValue() != 0) {
        return Optional.empty(); // "credentials not found in native keychain": not ours
      }
      JsonNode n = Manifests.JSON.readTree(out);
      String user = n.path("Username").asText(null);
      String secret = n.path("Secret").asText(null);
      if (secret == null || secret.isEmpty()) {
        return Optional.empty();
      }
      // The helper protocol marks identity tokens with the user name "<token>".
      if ("<token>".equals(user)) {
        return Optional.of(new Credential(null, null, secret, source));
      }
      return Optional.of(new Credential(user, secret, null, source));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "credential helper {0} failed: {1}", program, e.getMessage());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
