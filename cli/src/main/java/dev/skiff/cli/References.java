package dev.skiff.cli;

import dev.skiff.oci.ImageReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Checks a REF argument before anything is pulled, so a slip of the keyboard is a usage error. */
final class References {
  private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://(.*)");
  private static final String[] TRANSPORTS = {"oci:", "oci-archive:", "docker-archive:"};

  private References() {}

  /**
   * Refuses a URL ({@code https://host/repo}: registries are named without a scheme) and a path that
   * looks like a file but does not exist (never looked up on Docker Hub).
   *
   * @throws CommandLine.ParameterException which exits with the usage code
   */
  static void check(CommandLine cli, String ref) {
    Matcher m = SCHEME.matcher(ref);
    if (m.matches() && !m.group(1).equals("docker")) {
      String scheme = m.group(1).toLowerCase(java.util.Locale.ROOT);
      String rest = m.group(2);
      String host = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
      throw new CommandLine.ParameterException(cli, "'" + ref + "': registry references have no scheme; write "
          + rest + (scheme.equals("http") ? " and add --insecure " + host + " for a registry on plain HTTP" : ""));
    }
    for (String transport : TRANSPORTS) {
      if (ref.startsWith(transport)) {
        String spec = ref.substring(transport.length());
        if (!Files.exists(Path.of(spec)) && (spec.lastIndexOf(':') <= 0
            || !Files.exists(Path.of(spec.substring(0, spec.lastIndexOf(':')))))) {
          throw new CommandLine.ParameterException(cli, "'" + ref + "': " + Path.of(pathPart(spec))
              + " does not exist");
        }
        return;
      }
    }
    String path = ref.startsWith("file:") ? ref.substring("file:".length()) : ref;
    if (looksLikeFile(ref) && !Files.exists(Path.of(path))) {
      throw new CommandLine.ParameterException(cli, "'" + ref + "' does not exist (a file path; "
          + "a registry reference starts with its host, e.g. ghcr.io/org/tool:1.0)");
    }
  }

  /**
   * The registry hosts a reference names ({@code docker.io} with the host that serves it), none for a
   * file, layout or archive, or for text that is no valid reference (pulling it reports that).
   */
  static List<String> registryHosts(String ref) {
    if (looksLikeFile(ref) || Arrays.stream(TRANSPORTS).anyMatch(ref::startsWith)) {
      return List.of();
    }
    try {
      ImageReference r = ImageReference.parse(ref.startsWith("docker://") ? ref.substring("docker://".length()) : ref);
      return r.registry().equals(r.registryHost()) ? List.of(r.registry()) : List.of(r.registry(), r.registryHost());
    } catch (IllegalArgumentException notAReference) {
      return List.of();
    }
  }

  private static String pathPart(String spec) {
    int colon = spec.lastIndexOf(':');
    return colon > 0 && spec.indexOf('/', colon) < 0 ? spec.substring(0, colon) : spec;
  }

  /** A path by its form: absolute, relative with ./ or ../ or ~, file:, or a file name without a registry. */
  static boolean looksLikeFile(String ref) {
    if (ref.startsWith("/") || ref.startsWith("./") || ref.startsWith("../") || ref.startsWith("~")
        || ref.startsWith("file:") || ref.equals(".") || ref.equals("..")) {
      return true;
    }
    String lower = ref.toLowerCase(java.util.Locale.ROOT);
    boolean fileName = lower.endsWith(".wasm") || lower.endsWith(".tar") || lower.endsWith(".tar.gz")
        || lower.endsWith(".tgz") || lower.endsWith(".wat");
    return fileName && !namesRegistry(ref);
  }

  private static boolean namesRegistry(String ref) {
    int slash = ref.indexOf('/');
    if (slash <= 0) {
      return false;
    }
    String first = ref.substring(0, slash);
    return first.contains(".") || first.contains(":") || first.equals("localhost");
  }
}
