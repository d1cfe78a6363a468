package dev.skiff.http.jdk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * A folder served as files under a route: which file a request path names, if any, and its type. Only
 * regular files whose real path (symlinks followed) lies inside the folder's real path are ever named.
 */
final class StaticFolder {
  private static final Map<String, String> TYPES = Map.ofEntries(
      Map.entry("html", "text/html; charset=utf-8"), Map.entry("htm", "text/html; charset=utf-8"),
      Map.entry("css", "text/css; charset=utf-8"), Map.entry("js", "text/javascript; charset=utf-8"),
      Map.entry("mjs", "text/javascript; charset=utf-8"), Map.entry("json", "application/json"),
      Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("svg", "image/svg+xml"),
      Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
      Map.entry("gif", "image/gif"), Map.entry("ico", "image/x-icon"), Map.entry("wasm", "application/wasm"));

  final String route;
  private final Path root;

  StaticFolder(String route, Path folder) {
    this.route = route;
    try {
      this.root = folder.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot serve the folder " + folder + ": " + e.getMessage(), e);
    }
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException("Not a folder: " + folder);
    }
  }

  /**
   * The file a raw (still percent-encoded) path below the route names, or null: null for any {@code .}
   * or {@code ..} segment (decoded first, so {@code %2e%2e} too), a NUL or backslash, a file missing,
   * unreadable or not regular, or one whose real path leaves the folder. A folder names its index.html.
   */
  Path resolve(String rawRest) {
    String rest = decode(rawRest);
    if (rest == null || rest.indexOf('\0') >= 0 || rest.indexOf('\\') >= 0) {
      return null;
    }
    Path file = root;
    for (String segment : rest.split("/")) {
      if (segment.equals(".") || segment.equals("..")) {
        return null;
      }
      if (!segment.isEmpty()) {
        file = file.resolve(segment);
      }
    }
    try {
      Path real = file.toRealPath();
      if (Files.isDirectory(real)) {
        real = real.resolve("index.html").toRealPath();
      }
      return real.startsWith(root) && Files.isRegularFile(real) && Files.isReadable(real) ? real : null;
    } catch (IOException | RuntimeException e) {
      return null; // missing, or a name the file system refuses: not found either way
    }
  }

  /** A Content-Type from the file name's extension; application/octet-stream for the rest. */
  static String contentType(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String type = dot < 0 ? null : TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    return type == null ? "application/octet-stream" : type;
  }

  /** Percent-decoding as UTF-8 ({@code +} stays itself, as in a path); null if malformed. */
  private static String decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          return null;
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        bytes.write(hi << 4 | lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
