package dev.skiff.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns one run's JMH JSON files into {@code report.md} (tables of ratios to each suite's baseline,
 * with error bars) and {@code chart.svg}.
 *
 * <pre>
 *   java -cp ... dev.skiff.bench.report.Report RESULTS_DIR
 * </pre>
 *
 * RESULTS_DIR holds one folder per JDK (its name is the label, e.g. {@code jdk17}) of JMH JSON files,
 * and {@code environment.txt} ({@code key: value} lines about the machine and tool versions).
 * Errors are JMH's 99.9% confidence half-widths; a ratio's error combines both relative errors in
 * quadrature. A ratio above 1 means slower than the baseline.
 */
public final class Report {
  /** One JMH result. */
  static final class Row {
    final String jdk;
    final String benchmark;
    final String runtime;
    final String size;
    final double score;
    final double error;
    final String unit;

    Row(String jdk, String benchmark, String runtime, String size, double score, double error, String unit) {
      this.jdk = jdk;
      this.benchmark = benchmark;
      this.runtime = runtime;
      this.size = size;
      this.score = score;
      this.error = error;
      this.unit = unit;
    }

    String key() {
      return size == null ? benchmark : benchmark + " (" + size + ")";
    }
  }

  /** A suite: which benchmarks, which runtime is the baseline, what a reader should know. */
  static final class Suite {
    final String title;
    final String classPrefix;
    final String baseline;
    final String note;

    Suite(String title, String classPrefix, String baseline, String note) {
      this.title = title;
      this.classPrefix = classPrefix;
      this.baseline = baseline;
      this.note = note;
    }
  }

  static final List<Suite> SUITES = List.of(
      new Suite("Cold start (single shot, fresh state)", "ColdStartBenchmark", "chicory-interpreter",
          "From nothing to `_start` done in a running JVM: `small` is a 28 KB C command, `large` has "
              + "1.36 MB of code (2048 functions). skiff-registry pulls from a real loopback registry into an "
              + "empty store; skiff-store has the blob in the store; skiff-cache also has the compiled-code "
              + "cache filled. Skiff's default engine (AUTO) interprets a first run while it compiles in the "
              + "background. Baseline: raw Chicory's interpreter on the same file with Chicory's WASI."),
      new Suite("Compute kernels (time per call, one instance)", "ComputeBenchmark", "chicory-compiler",
          "FNV-1a over 1 MiB, sieve to 2^20, recursive fib(27), compiled from one C file. `native` is the "
              + "same C with gcc -O2, called over a pipe (round trip in the last table, included in its "
              + "figure). skiff-compiler-grown, here and in the kernel suites below, is Skiff's compiled code "
              + "after an instance of the module grew its memory a page at a time: from then on the module's "
              + "every load and store tests its address against the memory's size, in new instances too "
              + "(other modules' code does not); skiff-compiler-neighbour-grown is the "
              + "module's code after another module's memory grew so, in the same JVM. "
              + "Baseline: raw Chicory's runtime compiler."),
      new Suite("zlib (time per call, one instance)", "ZlibBenchmark", "chicory-compiler",
          "Debian 12's zlib 1.2.13: compress2 of 1 MiB of text-like data at level 6, and uncompress. "
              + "`native` links Debian's libz of the same version. Baseline: raw Chicory's runtime compiler."),
      new Suite("memory.copy and memory.fill (time per call, one instance)", "BulkMemoryBenchmark", "chicory-compiler",
          "16 rounds over a 4 MiB buffer of an overlapping memmove of all but 8 KiB, a 64 KiB memset and 64 "
              + "memcpys of 256 bytes, each one memory.copy or memory.fill (clang -mbulk-memory). `native` is "
              + "the same C with glibc. Baseline: raw Chicory's runtime compiler."),
      new Suite("SQLite (time per call, one instance)", "SqliteBenchmark", "chicory-compiler",
          "Debian 12's SQLite 3.40.1: a fresh in-memory database of 2,000 rows per call, indexed, with "
              + "lookups, a range scan, aggregates, a join and string functions. "
              + "sqliteQueriesHugeMethodsCompiled runs in a JVM with -XX:-DontCompileHugeMethods. `native` "
              + "links Debian's libsqlite3. Baseline: raw Chicory's runtime compiler."),
      new Suite("JSON (time per call, one instance)", "JsonBenchmark", "chicory-compiler",
          "Debian 12's cJSON 1.7.15: a document of 2,000 records (about 250 KB) parsed, walked, every tenth "
              + "record changed and the whole printed again. `native` links Debian's libcjson. Baseline: raw "
              + "Chicory's runtime compiler."),
      new Suite("Lua (time per call, one instance)", "LuaBenchmark", "chicory-compiler",
          "Debian 12's Lua 5.4.4 running a script: 10,000 records built, sorted, formatted, matched and "
              + "hashed, and 22,000 recursive calls. luaScriptHugeMethodsCompiled runs in a JVM with "
              + "-XX:-DontCompileHugeMethods (Lua's interpreter loop compiles to a method above HotSpot's "
              + "8,000-byte limit). `native` links Debian's liblua5.4. Baseline: raw Chicory's runtime compiler."),
      new Suite("Request handler", "HandlerBenchmark", "chicory-compiler",
          "instancePerRequest: instantiate, write a 66-byte request, call `handle`, read the response, "
              + "close. warmCall: the same on one long-lived instance. Baseline: raw Chicory's compiler."),
      new Suite("WASI I/O", "WasiIoBenchmark", "java",
          "Compiled guest: 16 x 64 KiB fd_write to a discarding stdout (Skiff's never touches the bytes, so "
              + "this is the call path alone) and to a stdout stream that copies each chunk, fd_read of a "
              + "4 MiB file in 64 KiB chunks, 4 MiB file copy in the guest. Baseline: a plain Java loop "
              + "moving the same bytes with a 64 KiB buffer (issue 4's target: Skiff within 1.5x)."),
      new Suite("Cached pull by digest", "CachedPullBenchmark", "read-file",
          "A pull by digest that the store holds, from a real loopback registry that stays up: the 28 KB "
              + "small module, its manifest and config read from the store and their digests checked again. "
              + "skiff-never is the offline policy, skiff-if-not-present the default. Baseline: "
              + "Files.readAllBytes of the same module file."),
      new Suite("Native harness pipe round trip", "NativeRoundTripBenchmark", null,
          "One empty request to the native harness: the overhead inside every `native` figure."));

  private Report() {}

  /** Writes report.md and chart.svg into the results folder given as the only argument. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: Report RESULTS_DIR");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    List<Row> rows = read(dir);
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("No JMH results (*.json in a per-JDK folder) under " + dir);
    }
    Map<String, String> env = environment(dir.resolve("environment.txt"));
    Files.writeString(dir.resolve("report.md"), markdown(rows, env, dir.getFileName().toString()),
        StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("chart.svg"), Chart.svg(rows), StandardCharsets.UTF_8);
    System.out.println("Wrote " + dir.resolve("report.md") + " and " + dir.resolve("chart.svg"));
  }

  static List<Row> read(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Row> rows = new ArrayList<>();
    List<Path> jdkDirs;
    try (Stream<Path> s = Files.list(dir)) {
      jdkDirs = s.filter(Files::isDirectory).sorted().collect(Collectors.toList());
    }
    for (Path jdkDir : jdkDirs) {
      List<Path> files;
      try (Stream<Path> s = Files.list(jdkDir)) {
        files = s.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList());
      }
      for (Path file : files) {
        if (Files.size(file) == 0) {
          continue;
        }
        for (JsonNode r : json.readTree(file.toFile())) {
          String benchmark = r.get("benchmark").asText().replaceFirst("^dev\\.skiff\\.bench\\.", "");
          JsonNode params = r.path("params");
          JsonNode metric = r.get("primaryMetric");
          rows.add(new Row(jdkDir.getFileName().toString(), benchmark,
              params.has("runtime") ? params.get("runtime").asText() : "native",
              params.has("size") ? params.get("size").asText() : null,
              metric.get("score").asDouble(), metric.path("scoreError").asDouble(Double.NaN),
              metric.get("scoreUnit").asText()));
        }
      }
    }
    return rows;
  }

  static Map<String, String> environment(Path file) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file)) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          env.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
      }
    }
    return env;
  }

  static String markdown(List<Row> rows, Map<String, String> env, String runName) {
    StringBuilder md = new StringBuilder();
    md.append("# Skiff benchmarks: ").append(runName).append("\n\n");
    md.append("Generated by `dev.skiff.bench.report.Report` from the JMH JSON beside this file "
        + "(`scripts/bench`). Times are JMH averages; ± is JMH's 99.9% confidence half-width. "
        + "Ratio = time / baseline time (above 1 = slower than the baseline), its ± combines both "
        + "relative errors. Few forks and iterations on 2 cores: read differences under ~10% as noise.\n\n");
    md.append("## Machine and versions\n\n");
    env.forEach((k, v) -> md.append("- **").append(k).append("**: ").append(v).append('\n'));
    md.append('\n');
    List<String> jdks = rows.stream().map(r -> r.jdk).distinct().sorted().collect(Collectors.toList());
    md.append("## Headline ratios\n\n").append(headlines(rows, jdks)).append('\n');
    md.append("![ratios](chart.svg)\n\n");
    for (Suite suite : SUITES) {
      md.append("## ").append(suite.title).append("\n\n").append(suite.note).append("\n\n");
      for (String jdk : jdks) {
        List<Row> suiteRows = rows.stream()
            .filter(r -> r.jdk.equals(jdk) && r.benchmark.startsWith(suite.classPrefix + "."))
            .collect(Collectors.toList());
        if (suiteRows.isEmpty()) {
          continue;
        }
        md.append("**").append(jdk).append("**\n\n");
        // a column of ratios to native wherever native ran beside other runtimes
        boolean withNative = suiteRows.stream().anyMatch(r -> r.runtime.equals("native"))
            && suiteRows.stream().anyMatch(r -> !r.runtime.equals("native"));
        md.append("| benchmark | runtime | time | ratio to ").append(suite.baseline == null ? "-" : suite.baseline)
            .append(withNative ? " | ratio to native |" : " |").append('\n');
        md.append(withNative ? "|---|---|---:|---:|---:|\n" : "|---|---|---:|---:|\n");
        Map<String, List<Row>> byKey = new TreeMap<>();
        suiteRows.forEach(r -> byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r));
        for (Map.Entry<String, List<Row>> e : byKey.entrySet()) {
          Row base = suite.baseline == null ? null : find(e.getValue(), suite.baseline);
          Row nat = find(e.getValue(), "native");
          for (Row r : e.getValue()) {
            md.append("| ").append(e.getKey().replaceFirst("^[A-Za-z]+\\.", "")).append(" | ")
                .append(r.runtime).append(" | ").append(time(r)).append(" | ")
                .append(base == null ? "-" : ratioText(r, base));
            if (withNative) {
              md.append(" | ").append(nat == null ? "-" : ratioText(r, nat));
            }
            md.append(" |\n");
          }
        }
        md.append('\n');
      }
    }
    return md.toString();
  }

  static String headlines(List<Row> rows, List<String> jdks) {
    StringBuilder md = new StringBuilder();
    md.append("| comparison | ").append(String.join(" | ", jdks)).append(" |\n|---|");
    jdks.forEach(j -> md.append("---:|"));
    md.append('\n');
    String[][] lines = {
        {"Compute: Skiff (compiler) / raw Chicory compiler, geo. mean of 3 kernels", "Compute", "skiff-compiler", "chicory-compiler"},
        {"Compute: Skiff (interpreter) / raw Chicory interpreter", "Compute", "skiff-interpreter", "chicory-interpreter"},
        {"Compute: Skiff (compiler) / wasmtime-java", "Compute", "skiff-compiler", "wasmtime"},
        {"Compute: Skiff (compiler, own memory grown) / wasmtime-java", "Compute", "skiff-compiler-grown", "wasmtime"},
        {"Compute: Skiff (compiler) / GraalWasm (JIT)", "Compute", "skiff-compiler", "graalwasm"},
        {"Compute: Skiff (compiler) / native C (gcc -O2)", "Compute", "skiff-compiler", "native"},
        {"Instance per request: Skiff / raw Chicory (compiler)", "Handler.instancePerRequest", "skiff-compiler", "chicory-compiler"},
        {"Instance per request: Skiff / wasmtime-java", "Handler.instancePerRequest", "skiff-compiler", "wasmtime"},
        {"Instance per request: Skiff / GraalWasm", "Handler.instancePerRequest", "skiff-compiler", "graalwasm"},
        {"Warm call: Skiff / raw Chicory (compiler)", "Handler.warmCall", "skiff-compiler", "chicory-compiler"},
        {"Cold start small, from store: Skiff / raw Chicory interpreter", "ColdStart.small", "skiff-store", "chicory-interpreter"},
        {"Cold start small, from registry: Skiff / raw Chicory interpreter", "ColdStart.small", "skiff-registry", "chicory-interpreter"},
        {"Cold start large, compiled-code cache: Skiff / raw Chicory compiler", "ColdStart.large", "skiff-cache", "chicory-compiler"},
        {"Cold start large, from store: Skiff / raw Chicory interpreter", "ColdStart.large", "skiff-store", "chicory-interpreter"},
        {"Cold start small, from store: Skiff / wasmtime-java", "ColdStart.small", "skiff-store", "wasmtime"},
        {"WASI fd_write 64 KiB chunks, discarded: Skiff / Java loop", "WasiIo.fdWrite1MiB", "skiff", "java"},
        {"WASI fd_write 64 KiB chunks to a stream: Skiff / Java loop", "WasiIo.fdWrite1MiBToStream", "skiff", "java"},
        {"WASI fd_read 4 MiB file: Skiff / Java loop", "WasiIo.fdRead4MiB", "skiff", "java"},
        {"WASI file copy 4 MiB: Skiff / Java loop", "WasiIo.copy4MiB", "skiff", "java"},
        {"Cached pull by digest, offline: Skiff / reading the module file", "CachedPull.pullByDigest", "skiff-never", "read-file"},
    };
    for (String[] line : lines) {
      md.append("| ").append(line[0]).append(" |");
      for (String jdk : jdks) {
        md.append(' ').append(headline(rows, jdk, line[1], line[2], line[3])).append(" |");
      }
      md.append('\n');
    }
    return md.toString();
  }

  private static String headline(List<Row> rows, String jdk, String what, String runtime, String baseline) {
    List<Row> scope = rows.stream().filter(r -> r.jdk.equals(jdk)).filter(r -> {
      if (what.equals("Compute")) {
        return r.benchmark.startsWith("ComputeBenchmark.");
      }
      if (what.startsWith("ColdStart.")) {
        return r.benchmark.startsWith("ColdStartBenchmark.") && what.endsWith("." + r.size);
      }
      String[] parts = what.split("\\.");
      return r.benchmark.equals(parts[0] + "Benchmark." + parts[1]);
    }).collect(Collectors.toList());
    Map<String, List<Row>> byKey = new TreeMap<>();
    scope.forEach(r -> byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r));
    double logSum = 0;
    double relErr2 = 0;
    int n = 0;
    for (List<Row> group : byKey.values()) {
      Row a = find(group, runtime);
      Row b = find(group, baseline);
      if (a == null || b == null) {
        continue;
      }
      logSum += Math.log(a.score / b.score);
      relErr2 += sq(rel(a)) + sq(rel(b));
      n++;
    }
    if (n == 0) {
      return "-";
    }
    double ratio = Math.exp(logSum / n);
    double err = ratio * Math.sqrt(relErr2) / n;
    return fmtRatio(ratio, err);
  }

  static Row find(List<Row> rows, String runtime) {
    return rows.stream().filter(r -> Objects.equals(r.runtime, runtime)).findFirst().orElse(null);
  }

  static double rel(Row r) {
    // NaN (a single iteration has no confidence interval) propagates, so no error bar is invented
    return r.score == 0 ? 0 : r.error / r.score;
  }

  static double sq(double x) {
    return x * x;
  }

  static double ratio(Row r, Row base) {
    return r.score / base.score;
  }

  static double ratioError(Row r, Row base) {
    return ratio(r, base) * Math.sqrt(sq(rel(r)) + sq(rel(base)));
  }

  static String ratioText(Row r, Row base) {
    return fmtRatio(ratio(r, base), ratioError(r, base));
  }

  static String fmtRatio(double ratio, double err) {
    return String.format(Locale.ROOT, "%s ± %s", num(ratio), num(err)) + "x";
  }

  static String time(Row r) {
    return num(r.score) + (Double.isNaN(r.error) ? "" : " ± " + num(r.error)) + " " + r.unit;
  }

  static String num(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    double a = Math.abs(v);
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (a >= 0.1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }
}
