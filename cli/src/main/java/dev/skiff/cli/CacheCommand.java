package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.Skiff;
import dev.skiff.oci.ContentStore;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code skiff cache ls|prune}. */
@Command(name = "cache", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "List or prune the local content store.",
    synopsisSubcommandLabel = "(ls | prune)",
    subcommands = {CacheCommand.Ls.class, CacheCommand.Prune.class})
final class CacheCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a cache command: ls or prune");
  }

  /** One thing the store holds, with what it is and which references lead to it. */
  record Item(String kind, String digest, long size, Instant lastUsed, Set<String> references, Path path) {}

  @Command(name = "ls", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = "List what the store holds: modules, manifests, configs, layers, unpacked image files "
          + "(rootfs) and compiled code, with the references that lead to them.",
      footerHeading = "%nExamples:%n",
      footer = {"  skiff cache ls", "  skiff cache ls --no-trunc", "  skiff cache ls --json | jq '.[].size'"})
  static final class Ls implements Callable<Integer> {
    @CommandLine.Mixin Main.StoreOption store = new Main.StoreOption();
    @CommandLine.Mixin Verbosity verbosity = new Verbosity();
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--json", description = "Print the entries as a JSON array.")
    boolean json;

    @CommandLine.Option(names = "--no-trunc", description = "Show whole digests.")
    boolean noTrunc;

    @Override
    public Integer call() {
      verbosity.apply();
      try (Skiff skiff = store.apply(Skiff.builder()).build()) {
        Path root = skiff.oci().store().root();
        List<Item> items = items(skiff.oci().store());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
          List<Map<String, Object>> list = new ArrayList<>();
          for (Item i : items) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("kind", i.kind());
            o.put("digest", i.digest());
            o.put("size", i.size());
            o.put("lastUsed", i.lastUsed().toString());
            o.put("references", List.copyOf(i.references()));
            o.put("path", i.path().toString());
            list.add(o);
          }
          Json.print(out, list);
          return 0;
        }
        Instant now = Instant.now();
        String format = "%-9s %-" + (noTrunc ? 71 : 19) + "s %10s  %-14s %s%n";
        out.printf(format, "KIND", "DIGEST", "SIZE", "LAST USED", "REFERENCES");
        long total = 0;
        for (Item i : items) {
          String digest = noTrunc || i.digest().length() < 19 ? i.digest() : i.digest().substring(0, 19);
          out.printf(format, i.kind(), digest, Units.human(i.size()), ago(now, i.lastUsed()),
              i.references().isEmpty() ? "-" : String.join(", ", i.references()));
          total += i.size();
        }
        ContentStore.Temporary reclaimed = skiff.oci().store().reclaimed();
        ContentStore.Temporary inProgress = skiff.oci().store().temporary();
        out.flush();
        if (reclaimed.entries() > 0 || inProgress.entries() > 0) {
          // Opening the store reclaimed what interrupted pulls left; what a running pull holds stays.
          verbosity.note("temporary " + Units.human(inProgress.bytes()) + " in " + inProgress.entries()
              + " entries in progress; reclaimed " + Units.human(reclaimed.bytes()) + " in " + reclaimed.entries()
              + " leftovers of interrupted pulls");
        }
        out.flush();
        verbosity.note(items.size() + " entr" + (items.size() == 1 ? "y" : "ies") + ", " + Units.human(total)
            + " in " + root);
        return 0;
      }
    }
  }

  @Command(name = "prune", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = {"Remove least recently used entries until the store fits in --max-size, and compiled code "
          + "of modules no longer stored.", "With neither --max-size nor --all it asks first (and refuses "
          + "without a terminal)."},
      footerHeading = "%nExamples:%n",
      footer = {"  skiff cache prune --max-size 500m", "  skiff cache prune --all"})
  static final class Prune implements Callable<Integer> {
    @CommandLine.Mixin Main.StoreOption store = new Main.StoreOption();
    @CommandLine.Mixin Verbosity verbosity = new Verbosity();
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--max-size", paramLabel = "SIZE", converter = Units.SizeConverter.class,
        description = "Keep at most this much, e.g. 500m, 1.5g.")
    Long maxSize;

    @CommandLine.Option(names = "--all", description = "Empty the store.")
    boolean all;

    @Override
    public Integer call() {
      verbosity.apply();
      if (all && maxSize != null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--all and --max-size cannot be used together");
      }
      try (Skiff skiff = store.apply(Skiff.builder()).build()) {
        if (!all && maxSize == null) {
          Console console = System.console();
          long size = skiff.oci().store().list().stream().mapToLong(ContentStore.Entry::size).sum();
          if (console == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Say how much to keep: --max-size SIZE "
                + "(e.g. 500m), or --all to empty the store (" + Units.human(size) + " in "
                + skiff.oci().store().root() + ")");
          }
          String answer = console.readLine("Remove everything in %s (%s)? [y/N] ", skiff.oci().store().root(),
              Units.human(size));
          if (answer == null || !answer.trim().toLowerCase(java.util.Locale.ROOT).startsWith("y")) {
            verbosity.note("nothing removed");
            return 1;
          }
        }
        long freed = skiff.pruneStore(all || maxSize == null ? 0 : maxSize);
        long left = skiff.oci().store().list().stream().mapToLong(ContentStore.Entry::size).sum();
        spec.commandLine().getOut().println("freed " + Units.human(freed) + "; the store holds " + Units.human(left));
        spec.commandLine().getOut().flush();
        return 0;
      }
    }
  }

  /** The store's entries, classified by content, with the references recorded for them, then compiled code. */
  static List<Item> items(ContentStore store) {
    Map<String, Set<String>> refs = references(store.root());
    List<Item> items = new ArrayList<>();
    Map<String, String> jarToModule = new HashMap<>();
    for (ContentStore.Entry e : store.list()) {
      String kind = e.kind().equals("blob") ? sniff(e.path()) : e.kind();
      items.add(new Item(kind, e.digest(), e.size(), e.lastUsed(), refs.getOrDefault(e.digest(), Set.of()), e.path()));
      if (kind.equals("module") && e.digest().startsWith("sha256:")) {
        jarToModule.put(compiledFileName(e.digest()), e.digest());
      }
    }
    Path compiled = store.root().resolve("compiled");
    if (Files.isDirectory(compiled)) {
      try (Stream<Path> files = Files.walk(compiled)) {
        files.filter(p -> p.getFileName().toString().endsWith(".jar") && !p.getFileName().toString().startsWith("."))
            .forEach(p -> {
              String name = p.getFileName().toString();
              String module = jarToModule.getOrDefault(name, name);
              try {
                items.add(new Item("compiled", module, Files.size(p), Files.getLastModifiedTime(p).toInstant(),
                    refs.getOrDefault(module, Set.of()), p));
              } catch (IOException ignored) {
                // removed meanwhile
              }
            });
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return items;
  }

  /**
   * The compiled-code file of a module: Chicory keys its cache by {@code sha-256:<base64>} of the module,
   * which the cache turns into a file name.
   */
  static String compiledFileName(String sha256Digest) {
    byte[] raw = java.util.HexFormat.of().parseHex(sha256Digest.substring("sha256:".length()));
    return ("sha-256:" + java.util.Base64.getEncoder().encodeToString(raw)).replaceAll("[^A-Za-z0-9._-]", "_") + ".jar";
  }

  /** Each digest reachable from a recorded tag resolution (refs/*.json), through indexes and manifests. */
  private static Map<String, Set<String>> references(Path root) {
    Map<String, Set<String>> out = new HashMap<>();
    Path dir = root.resolve("refs");
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
      for (Path f : ds) {
        try {
          JsonNode n = Json.MAPPER.readTree(f.toFile());
          String reference = n.path("reference").asText();
          mark(root, n.path("digest").asText(), reference, out, 0);
        } catch (IOException ignored) {
          // a damaged record names nothing
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  private static void mark(Path root, String digest, String reference, Map<String, Set<String>> out, int depth) {
    if (digest.isEmpty() || depth > 3 || !out.computeIfAbsent(digest, d -> new LinkedHashSet<>()).add(reference)) {
      return;
    }
    Path blob = blobPath(root, digest);
    if (blob == null || !Files.isRegularFile(blob) || !sniff(blob).matches("index|manifest")) {
      return;
    }
    try {
      JsonNode n = Json.MAPPER.readTree(blob.toFile());
      n.path("manifests").forEach(m -> mark(root, m.path("digest").asText(), reference, out, depth + 1));
      mark(root, n.path("config").path("digest").asText(), reference, out, depth + 1);
      n.path("layers").forEach(l -> mark(root, l.path("digest").asText(), reference, out, depth + 1));
    } catch (IOException ignored) {
      // not JSON after all
    }
  }

  private static Path blobPath(Path root, String digest) {
    int colon = digest.indexOf(':');
    return colon < 0 ? null : root.resolve("blobs").resolve(digest.substring(0, colon)).resolve(digest.substring(colon + 1));
  }

  /** What a blob is, from its first bytes: module, component, index, manifest, config or layer. */
  static String sniff(Path blob) {
    byte[] head;
    try (InputStream in = Files.newInputStream(blob)) {
      head = in.readNBytes(512);
    } catch (IOException e) {
      return "blob";
    }
    if (head.length >= 8 && head[0] == 0 && head[1] == 'a' && head[2] == 's' && head[3] == 'm') {
      return head[4] == 1 && head[6] == 0 ? "module" : "component";
    }
    if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b
        || head.length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5
        || head.length > 262 && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar")) {
      return "layer";
    }
    String text = new String(head, java.nio.charset.StandardCharsets.UTF_8).strip();
    if (text.startsWith("{")) {
      if (text.contains("\"manifests\"") || text.contains("image.index")) {
        return "index";
      }
      if (text.contains("\"layers\"") || text.contains("manifest.v1+json") || text.contains("manifest.v2+json")) {
        return "manifest";
      }
      return "config";
    }
    return "blob";
  }

  static String ago(Instant now, Instant then) {
    Duration d = Duration.between(then, now);
    if (d.isNegative() || d.getSeconds() < 60) {
      return "just now";
    }
    if (d.toMinutes() < 60) {
      return d.toMinutes() + " min ago";
    }
    if (d.toHours() < 48) {
      return d.toHours() + " hours ago";
    }
    return d.toDays() + " days ago";
  }
}
