package dev.skiff.oci;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A parsed image reference: {@code [registry[:port]/]repository[:tag][@digest]}, following the grammar of
 * the CNCF distribution project's {@code reference} package, with Docker Hub normalisation
 * ({@code alpine} is {@code docker.io/library/alpine}).
 *
 * <pre>{@code
 * ImageReference ref = ImageReference.parse("ghcr.io/acme/hello:1.0");
 * ref.registry();   // "ghcr.io"
 * ref.repository(); // "acme/hello"
 * ref.tag();        // Optional[1.0]
 * }</pre>
 *
 * Immutable; {@code parse(ref.toString())} equals {@code ref}.
 */
public final class ImageReference {
  /** The canonical name of Docker Hub in references. */
  public static final String DOCKER_HUB = "docker.io";
  private static final String DOCKER_HUB_HOST = "registry-1.docker.io";

  private static final Pattern DOMAIN_COMPONENT = Pattern.compile("[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]");
  private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-fA-F:.]+\\]");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
  private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern ALGORITHM = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*");
  private static final Pattern HEX = Pattern.compile("[a-f0-9]+");
  private static final int MAX_NAME = 255;

  private final String registry;
  private final String repository;
  private final String tag;
  private final String digest;

  private ImageReference(String registry, String repository, String tag, String digest) {
    this.registry = registry;
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  /**
   * Parses a reference.
   *
   * @param reference e.g. {@code 127.0.0.1:5000/demo/hello:v1}, {@code alpine@sha256:...}
   * @return the parsed reference
   * @throws InvalidReferenceException naming the wrong part and why
   */
  public static ImageReference parse(String reference) {
    Objects.requireNonNull(reference, "reference");
    String in = reference;
    if (in.isEmpty()) {
      throw new InvalidReferenceException(in, "reference", "is empty");
    }
    if (!in.strip().equals(in)) {
      throw new InvalidReferenceException(in, "reference", "has leading or trailing white space");
    }
    String rest = in;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      checkDigest(in, digest);
    }
    // The tag is after the last ':' that follows the last '/', so a registry port is not taken for a tag.
    String tag = null;
    int slash = rest.lastIndexOf('/');
    int colon = rest.lastIndexOf(':');
    if (colon > slash) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new InvalidReferenceException(in, "tag",
            tag.isEmpty() ? "is empty" : "\"" + tag + "\" must be 1-128 of [A-Za-z0-9_.-] and not start with '.' or '-'");
      }
    }
    if (rest.isEmpty()) {
      throw new InvalidReferenceException(in, "repository", "is missing");
    }
    String registry;
    String repository;
    int firstSlash = rest.indexOf('/');
    String first = firstSlash < 0 ? null : rest.substring(0, firstSlash);
    if (first != null && (first.contains(".") || first.contains(":") || first.equals("localhost")
        || first.startsWith("[") || !first.equals(first.toLowerCase(Locale.ROOT)))) {
      registry = first;
      repository = rest.substring(firstSlash + 1);
      checkRegistry(in, registry);
    } else {
      registry = DOCKER_HUB;
      repository = rest;
    }
    if (registry.equals("index.docker.io") || registry.equals(DOCKER_HUB_HOST)) {
      registry = DOCKER_HUB;
    }
    checkRepository(in, repository);
    if (registry.equals(DOCKER_HUB) && !repository.contains("/")) {
      repository = "library/" + repository;
    }
    if (registry.length() + 1 + repository.length() > MAX_NAME) {
      throw new InvalidReferenceException(in, "repository", "makes the name longer than " + MAX_NAME + " characters");
    }
    return new ImageReference(registry, repository, tag, digest);
  }

  private static void checkDigest(String in, String digest) {
    int c = digest.indexOf(':');
    if (c <= 0) {
      throw new InvalidReferenceException(in, "digest", "\"" + digest + "\" must be ALGORITHM:HEX");
    }
    String alg = digest.substring(0, c);
    String hex = digest.substring(c + 1);
    if (!ALGORITHM.matcher(alg).matches()) {
      throw new InvalidReferenceException(in, "digest", "algorithm \"" + alg + "\" is not valid");
    }
    int want;
    switch (alg) {
      case "sha256": want = 64; break;
      case "sha512": want = 128; break;
      default: throw new InvalidReferenceException(in, "digest", "algorithm \"" + alg + "\" is not supported (sha256, sha512)");
    }
    if (hex.length() != want || !HEX.matcher(hex).matches()) {
      throw new InvalidReferenceException(in, "digest", "must be " + want + " lower-case hex digits after \"" + alg + ":\"");
    }
  }

  private static void checkRegistry(String in, String registry) {
    String host = registry;
    String port = null;
    if (registry.startsWith("[")) {
      int close = registry.indexOf(']');
      if (close < 0) {
        throw new InvalidReferenceException(in, "registry", "\"" + registry + "\" has an unclosed '['");
      }
      host = registry.substring(0, close + 1);
      String after = registry.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw new InvalidReferenceException(in, "registry", "\"" + registry + "\" has text after ']' that is not a port");
        }
        port = after.substring(1);
      }
      if (!IPV6.matcher(host).matches()) {
        throw new InvalidReferenceException(in, "registry", "\"" + host + "\" is not a valid IPv6 address");
      }
    } else {
      int c = registry.indexOf(':');
      if (c >= 0) {
        host = registry.substring(0, c);
        port = registry.substring(c + 1);
      }
      if (host.isEmpty()) {
        throw new InvalidReferenceException(in, "registry", "has an empty host");
      }
      for (String part : host.split("\\.", -1)) {
        if (!DOMAIN_COMPONENT.matcher(part).matches()) {
          throw new InvalidReferenceException(in, "registry", "\"" + host + "\" is not a valid host name");
        }
      }
    }
    if (port != null) {
      if (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535 || Integer.parseInt(port) == 0) {
        throw new InvalidReferenceException(in, "registry", "port \"" + port + "\" must be a number from 1 to 65535");
      }
    }
  }

  private static void checkRepository(String in, String repository) {
    if (repository.isEmpty()) {
      throw new InvalidReferenceException(in, "repository", "is missing");
    }
    for (String component : repository.split("/", -1)) {
      if (component.isEmpty()) {
        throw new InvalidReferenceException(in, "repository", "\"" + repository + "\" has an empty path component");
      }
      if (!PATH_COMPONENT.matcher(component).matches()) {
        String why = component.equals(component.toLowerCase(Locale.ROOT))
            ? "must be lower-case letters and digits separated by '.', '_', '__' or '-'"
            : "must be lower case";
        throw new InvalidReferenceException(in, "repository", "component \"" + component + "\" " + why);
      }
    }
  }

  /**
   * The registry as written in references, e.g. {@code ghcr.io}, {@code 127.0.0.1:5000}, or
   * {@code docker.io} for Docker Hub.
   *
   * @return the registry name with optional port
   */
  public String registry() {
    return registry;
  }

  /**
   * The host (and port) to contact for the registry API: as {@link #registry()} except Docker Hub,
   * which is served by {@code registry-1.docker.io}.
   *
   * @return host with optional port
   */
  public String registryHost() {
    return registry.equals(DOCKER_HUB) ? DOCKER_HUB_HOST : registry;
  }

  /**
   * The repository path, e.g. {@code library/alpine}.
   *
   * @return the repository
   */
  public String repository() {
    return repository;
  }

  /**
   * The tag, when one was given.
   *
   * @return the tag
   */
  public Optional<String> tag() {
    return Optional.ofNullable(tag);
  }

  /**
   * The digest, when one was given.
   *
   * @return e.g. {@code sha256:...}
   */
  public Optional<String> digest() {
    return Optional.ofNullable(digest);
  }

  /**
   * What to ask the registry for: the digest when pinned, else the tag, else {@code latest}.
   *
   * @return a digest or tag
   */
  public String identifier() {
    return digest != null ? digest : tag != null ? tag : "latest";
  }

  /**
   * This reference pinned to a digest (keeping the tag for display).
   *
   * @param newDigest e.g. {@code sha256:...}
   * @return a new reference
   * @throws InvalidReferenceException when the digest is malformed
   */
  public ImageReference withDigest(String newDigest) {
    checkDigest(newDigest, newDigest);
    return new ImageReference(registry, repository, tag, newDigest);
  }

  /**
   * The canonical form {@code registry/repository[:tag][@digest]}, which {@link #parse} accepts.
   *
   * @return the canonical string
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(registry).append('/').append(repository);
    if (tag != null) {
      sb.append(':').append(tag);
    }
    if (digest != null) {
      sb.append('@').append(digest);
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageReference r && r.registry.equals(registry) && r.repository.equals(repository)
        && Objects.equals(r.tag, tag) && Objects.equals(r.digest, digest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(registry, repository, tag, digest);
  }
}
