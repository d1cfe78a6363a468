package dev.skiff.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code skiff serve --routes FILE}: a TOML file of {@code [[route]]} tables, each a path and either a
 * module (with its own env, read-only folders and limits) or a static folder. Host paths are relative to
 * the file's folder. Everything is checked here, before anything is pulled or bound.
 */
final class RoutesFile {
  private static final Set<String> MODULE_KEYS =
      Set.of("path", "module", "env", "dirs", "timeout", "max-memory", "max-body", "max-response");
  private static final Set<String> STATIC_KEYS = Set.of("path", "static");
  private static final String[] TRANSPORTS = {"oci:", "oci-archive:", "docker-archive:"};

  /**
   * One route. For a module route {@code module} is set, {@code folder} null, and a null limit means the
   * command line's; for a static route only {@code path} and {@code folder} are set.
   */
  record Route(String path, String module, Path folder, Map<String, String> env, List<Dir> dirs,
      Duration timeout, Long maxMemory, Long maxBody, Long maxResponse) {}

  /** A read-only preopen: a host folder and the guest path it appears at. */
  record Dir(Path host, String guest) {}

  /** A routes file that cannot be served; the message is one line naming the file and the route. */
  static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message);
    }
  }

  private RoutesFile() {}

  /**
   * Reads and checks a routes file.
   *
   * @throws Invalid for any mistake in it, or if it cannot be read
   */
  static List<Route> read(Path file) {
    JsonNode root;
    try {
      root = new TomlMapper().readTree(Files.readString(file));
    } catch (JacksonException e) {
      throw new Invalid(file + ": not valid TOML: " + e.getOriginalMessage().replaceAll("\\s+", " ")
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
    } catch (IOException e) {
      throw new Invalid(file + ": cannot be read: " + e.getMessage());
    }
    Path base = file.toAbsolutePath().getParent();
    for (Iterator<String> keys = root.fieldNames(); keys.hasNext();) {
      String key = keys.next();
      if (!key.equals("route")) {
        throw new Invalid(file + ": unknown key '" + key + "' (the file holds [[route]] tables)");
      }
    }
    JsonNode tables = root.path("route");
    if (!tables.isArray() || tables.isEmpty()) {
      throw new Invalid(file + ": no routes (add [[route]] tables with a path and a module or static folder)");
    }
    List<Route> routes = new ArrayList<>();
    for (int i = 0; i < tables.size(); i++) {
      routes.add(route(file, base, i + 1, tables.get(i)));
    }
    return routes;
  }

  private static Route route(Path file, Path base, int n, JsonNode t) {
    String where = file + ": route " + n;
    if (!t.isObject()) {
      throw new Invalid(where + ": not a table");
    }
    String path = string(where, t, "path");
    if (path == null || !path.startsWith("/")) {
      throw new Invalid(where + ": needs a path starting with '/', e.g. path = \"/api/hello\"");
    }
    String w = where + " (" + path + ")";
    String module = string(w, t, "module");
    String folder = string(w, t, "static");
    if ((module == null) == (folder == null)) {
      throw new Invalid(w + ": needs exactly one of module (a module to run) and static (a folder of files)");
    }
    Set<String> allowed = module != null ? MODULE_KEYS : STATIC_KEYS;
    for (Iterator<String> keys = t.fieldNames(); keys.hasNext();) {
      String key = keys.next();
      if (!allowed.contains(key)) {
        throw new Invalid(w + ": unknown key '" + key + "'" + (MODULE_KEYS.contains(key)
            ? " (a static route takes only path and static)" : " (known: " + String.join(", ", sorted(MODULE_KEYS)) + ")"));
      }
    }
    if (folder != null) {
      Path dir = base.resolve(folder).normalize();
      if (!Files.isDirectory(dir)) {
        throw new Invalid(w + ": static folder " + dir + " is not a folder");
      }
      return new Route(path, null, dir, Map.of(), List.of(), null, null, null, null);
    }
    Map<String, String> env = new LinkedHashMap<>();
    JsonNode e = t.path("env");
    if (!e.isMissingNode()) {
      if (!e.isObject()) {
        throw new Invalid(w + ": env is a table of strings, e.g. env = { GREETING = \"hi\" }");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> kv = it.next();
        if (!kv.getValue().isValueNode() || kv.getValue().isNull()) {
          throw new Invalid(w + ": env." + kv.getKey() + " is not a string");
        }
        env.put(kv.getKey(), kv.getValue().asText());
      }
    }
    List<Dir> dirs = new ArrayList<>();
    JsonNode d = t.path("dirs");
    if (!d.isMissingNode()) {
      if (!d.isArray()) {
        throw new Invalid(w + ": dirs is a list of \"HOST:GUEST\", e.g. dirs = [\"data:/data\"]");
      }
      for (JsonNode item : d) {
        String s = item.isTextual() ? item.asText() : "";
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
          throw new Invalid(w + ": dirs needs \"HOST:GUEST\" entries, got " + item);
        }
        Path host = base.resolve(s.substring(0, colon)).normalize();
        if (!Files.isDirectory(host)) {
          throw new Invalid(w + ": dirs: " + host + " is not a folder");
        }
        dirs.add(new Dir(host, s.substring(colon + 1)));
      }
    }
    return new Route(path, source(base, module), null, Map.copyOf(env), List.copyOf(dirs), duration(w, t, "timeout"),
        size(w, t, "max-memory"), size(w, t, "max-body"), size(w, t, "max-response"));
  }

  /**
   * A module source with a path in it (a .wasm file, {@code oci:DIR[:TAG]}, {@code oci-archive:FILE[:TAG]},
   * {@code docker-archive:FILE[:TAG]}) made relative to the routes file's folder, never to the working
   * folder (a missing one then fails at start-up as missing); anything else (a registry reference) as
   * written.
   */
  static String source(Path base, String module) {
    for (String transport : TRANSPORTS) {
      if (module.startsWith(transport)) {
        String spec = module.substring(transport.length());
        int colon = spec.lastIndexOf(':');
        if (!Files.exists(base.resolve(spec)) && colon > 0 && Files.exists(base.resolve(spec.substring(0, colon)))) {
          return transport + base.resolve(spec.substring(0, colon)).normalize() + spec.substring(colon);
        }
        return transport + base.resolve(spec).normalize();
      }
    }
    boolean file = module.endsWith(".wasm") || Files.exists(base.resolve(module));
    return file ? base.resolve(module).normalize().toString() : module;
  }

  private static String string(String where, JsonNode t, String key) {
    JsonNode v = t.get(key);
    if (v == null) {
      return null;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new Invalid(where + ": " + key + " is not a string: " + v);
    }
    return v.asText();
  }

  private static Duration duration(String where, JsonNode t, String key) {
    String v = string(where, t, key);
    try {
      return v == null ? null : Units.parseDuration(v);
    } catch (IllegalArgumentException e) {
      throw new Invalid(where + ": " + key + ": " + e.getMessage());
    }
  }

  private static Long size(String where, JsonNode t, String key) {
    String v = string(where, t, key);
    try {
      return v == null ? null : Units.parseSize(v);
    } catch (IllegalArgumentException e) {
      throw new Invalid(where + ": " + key + ": " + e.getMessage());
    }
  }

  private static List<String> sorted(Set<String> keys) {
    return keys.stream().sorted().toList();
  }
}
