package dev.skiff.cli;

import dev.skiff.Skiff;
import dev.skiff.oci.ImageConfig;
import dev.skiff.oci.ImageInfo;
import dev.skiff.oci.PulledModule;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skiff inspect REF}: the image without downloading layers; the module too with --module. */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"Show what a reference holds without running it: platforms of an index, packaging, "
        + "manifest, config, layers and sizes, annotations. Only the manifest and config are fetched.",
        "With --module (or for a .wasm file) also the module: command, reactor or component, imports and "
            + "exports with signatures, memory and table limits, custom sections and toolchain (producers), "
            + "and why skiff run would refuse it."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  skiff inspect ghcr.io/example/hello:1.0",
        "  skiff inspect --module --json oci:./layout:1.0",
        "  skiff inspect ./tool.wasm"})
final class InspectCommand implements Callable<Integer> {
  @Mixin Main.StoreOption store = new Main.StoreOption();
  @Mixin Main.RegistryOptions registry = new Main.RegistryOptions();
  @Mixin Main.PullOptions pull = new Main.PullOptions();
  @Mixin Verbosity verbosity = new Verbosity();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF", description = "What to inspect (see skiff run --help).")
  String ref;

  @Option(names = "--module", description = "Also download and read the module.")
  boolean module;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Override
  public Integer call() {
    verbosity.apply();
    References.check(spec.commandLine(), ref);
    Map<String, Object> report = new LinkedHashMap<>();
    Path bare = barePath(ref);
    if (bare != null) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(bare);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + bare + ": " + e.getMessage(), e);
      }
      report.put("source", ref);
      report.put("packaging", "BARE_MODULE");
      report.put("module", moduleReport(bytes, null));
    } else {
      try (Skiff skiff = pull.apply(registry.apply(store.apply(Skiff.builder()), List.of(ref), pull.mirrorHosts())).build()) {
        ImageInfo info = skiff.oci().inspect(ref);
        report.putAll(image(info));
        if (module) {
          PulledModule m = skiff.oci().pull(ref);
          report.put("module", moduleReport(m.moduleBytes(), m));
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Json.print(out, report);
    } else {
      human(out, report);
      if (bare == null && !module) {
        out.println("(add --module to download and read the module itself)");
      }
      out.flush();
    }
    return 0;
  }

  private static Map<String, Object> moduleReport(byte[] bytes, PulledModule pulled) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("digest", pulled != null ? pulled.moduleDigest() : "sha256:" + sha256(bytes));
    if (pulled != null) {
      pulled.modulePathInImage().ifPresent(p -> m.put("pathInImage", p));
    }
    m.putAll(ModuleReport.of(bytes));
    return m;
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path barePath(String ref) {
    if (ref.startsWith("file:")) {
      return Path.of(ref.substring("file:".length()));
    }
    if (ref.startsWith("oci:") || ref.startsWith("oci-archive:") || ref.startsWith("docker-archive:")) {
      return null;
    }
    return References.looksLikeFile(ref) || Files.isRegularFile(Path.of(ref)) ? Path.of(ref) : null;
  }

  private static Map<String, Object> image(ImageInfo info) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("source", info.source());
    info.packaging().ifPresent(p -> r.put("packaging", p.toString()));
    info.indexDigest().ifPresent(d -> r.put("index", d));
    if (!info.platforms().isEmpty()) {
      r.put("platforms", info.platforms());
    }
    info.platform().ifPresent(p -> r.put("platform", p));
    info.manifestDigest().ifPresent(d -> r.put("manifest", d));
    info.manifestMediaType().ifPresent(d -> r.put("manifestMediaType", d));
    info.configDigest().ifPresent(d -> r.put("config", d));
    info.configMediaType().ifPresent(d -> r.put("configMediaType", d));
    r.put("layers", info.layers().stream().map(l -> {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("digest", l.digest());
      o.put("mediaType", l.mediaType());
      o.put("size", l.size());
      return o;
    }).collect(Collectors.toList()));
    r.put("size", info.layers().stream().mapToLong(ImageInfo.Layer::size).sum());
    ImageConfig c = info.config();
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("os", c.os());
    config.put("architecture", c.architecture());
    config.put("entrypoint", c.entrypoint());
    config.put("cmd", c.cmd());
    config.put("env", c.env());
    c.workingDir().ifPresent(w -> config.put("workingDir", w));
    config.put("labels", c.labels());
    r.put("imageConfig", config);
    r.put("annotations", c.annotations());
    info.refusal().ifPresent(why -> r.put("refusal", why));
    return r;
  }

  @SuppressWarnings("unchecked")
  private static void human(PrintWriter out, Map<String, Object> r) {
    line(out, "source", r.get("source"));
    line(out, "packaging", r.get("packaging"));
    if (r.containsKey("index")) {
      line(out, "index", r.get("index") + "  platforms: " + String.join(", ", (List<String>) r.get("platforms")));
    }
    line(out, "platform", r.get("platform"));
    if (r.containsKey("manifest")) {
      line(out, "manifest", r.get("manifest") + "  " + r.getOrDefault("manifestMediaType", ""));
    }
    if (r.containsKey("config")) {
      line(out, "config", r.get("config") + "  " + r.getOrDefault("configMediaType", ""));
    }
    if (r.containsKey("layers")) {
      for (Map<String, Object> l : (List<Map<String, Object>>) r.get("layers")) {
        line(out, "layer", l.get("digest") + "  " + l.get("mediaType") + "  " + Units.human((Long) l.get("size")));
      }
      line(out, "size", Units.human((Long) r.get("size")) + " in layers");
    }
    Map<String, Object> c = (Map<String, Object>) r.get("imageConfig");
    if (c != null) {
      line(out, "os/arch", c.get("os") + "/" + c.get("architecture"));
      if (!((List<?>) c.get("entrypoint")).isEmpty()) {
        line(out, "entrypoint", c.get("entrypoint"));
      }
      if (!((List<?>) c.get("cmd")).isEmpty()) {
        line(out, "cmd", c.get("cmd"));
      }
      ((List<String>) c.get("env")).forEach(e -> line(out, "env", e));
      line(out, "workingdir", c.get("workingDir"));
      ((Map<String, String>) c.get("labels")).forEach((k, v) -> line(out, "label", k + "=" + v));
    }
    if (r.containsKey("annotations")) {
      ((Map<String, String>) r.get("annotations")).forEach((k, v) -> line(out, "annotation", k + "=" + v));
    }
    line(out, "refused", r.get("refusal"));
    Map<String, Object> m = (Map<String, Object>) r.get("module");
    if (m == null) {
      return;
    }
    line(out, "module", m.get("digest") + "  " + Units.human(((Number) m.get("size")).longValue())
        + (m.containsKey("pathInImage") ? "  at " + m.get("pathInImage") : ""));
    Object kind = m.get("kind");
    line(out, "kind", "command".equals(kind) ? "command (exports _start)"
        : "reactor".equals(kind) ? "reactor (no _start: call its exports with skiff run --invoke)" : kind);
    for (String key : new String[] {"imports", "exports"}) {
      List<Map<String, String>> list = (List<Map<String, String>>) m.get(key);
      if (list != null) {
        list.forEach(v -> line(out, key.substring(0, key.length() - 1), ModuleReport.describe(v)));
      }
    }
    for (String key : new String[] {"memories", "tables"}) {
      List<String> list = (List<String>) m.get(key);
      if (list != null) {
        String label = key.equals("memories") ? "memory" : "table";
        list.forEach(v -> line(out, label, v));
      }
    }
    Map<String, Object> custom = (Map<String, Object>) m.get("customSections");
    if (custom != null && !custom.isEmpty()) {
      line(out, "custom", custom.entrySet().stream()
          .map(e -> e.getValue() == null ? e.getKey() : e.getKey() + " (" + Units.human(((Number) e.getValue()).longValue()) + ")")
          .collect(Collectors.joining(", ")));
    }
    Map<String, List<String>> producers = (Map<String, List<String>>) m.get("producers");
    if (producers != null) {
      producers.forEach((k, v) -> line(out, "producer", k + ": " + String.join(", ", v)));
    }
    if (Boolean.TRUE.equals(m.get("debugInfo"))) {
      line(out, "debug info", "DWARF line table: traps name source file:line");
    }
    List<String> refusals = (List<String>) m.get("refusals");
    if (refusals.isEmpty()) {
      line(out, "runnable", "yes");
    } else {
      refusals.forEach(why -> line(out, "refused", why));
    }
  }

  private static void line(PrintWriter out, String label, Object value) {
    if (value != null) {
      out.printf("%-12s %s%n", label + ":", value);
    }
  }
}
