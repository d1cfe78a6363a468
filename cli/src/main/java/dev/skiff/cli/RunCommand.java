package dev.skiff.cli;

import dev.skiff.Engine;
import dev.skiff.ExternalKind;
import dev.skiff.Limits;
import dev.skiff.RunResult;
import dev.skiff.Runner;
import dev.skiff.Skiff;
import dev.skiff.SkiffException;
import dev.skiff.WasiCallListener;
import dev.skiff.WasmArtifact;
import dev.skiff.WasmExport;
import dev.skiff.WasmInstance;
import dev.skiff.wasi.Access;
import dev.skiff.wasi.Output;
import dev.skiff.wasi.Stdin;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skiff run [OPTIONS] REF [ARG...]}. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"Run a module's _start (or --invoke an export) and exit with the guest's exit code.",
        "Options go before REF; everything after REF is the guest's (a leading -- is dropped)."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  skiff run ghcr.io/example/hello:1.0 --name you      (--name goes to the guest)",
        "  skiff run --dir ./data:/data:ro --env LANG=C tool.wasm /data/in.txt",
        "  skiff run --timeout 5s --max-memory 64m oci:./layout:1.0",
        "  skiff run --trace=path_*,fd_read tool.wasm          (WASI calls on stderr, like strace)",
        "  skiff run --invoke add calc.wasm 40 2               (call an export of a reactor)"})
final class RunCommand implements Callable<Integer> {
  @Mixin Main.CommonOptions common = new Main.CommonOptions();
  @Mixin Verbosity verbosity = new Verbosity();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF",
      description = "Registry reference (host/repo:tag or @digest), oci:DIR[:TAG], oci-archive:FILE[:TAG], "
          + "docker-archive:FILE[:TAG], or a .wasm file.")
  String ref;

  @Parameters(index = "1..*", paramLabel = "ARG", description = "The guest's arguments (after its Entrypoint).")
  List<String> args = new ArrayList<>();

  @Option(names = "--env", paramLabel = "K=V", description = "Set an environment variable (repeatable).")
  List<String> env = new ArrayList<>();

  @Option(names = "--dir", paramLabel = "HOST[:GUEST][:ro]", description = "Show a host directory to the guest "
      + "(repeatable); read-write unless :ro.")
  List<String> dirs = new ArrayList<>();

  @Option(names = "--timeout", paramLabel = "DURATION", converter = Units.DurationConverter.class,
      description = "Stop the guest after this long, e.g. 500ms, 5s, 2m.")
  Duration timeout;

  @Option(names = "--max-memory", paramLabel = "SIZE", converter = Units.SizeConverter.class,
      description = "Cap the guest's linear memory, e.g. 64m (default 1g, at most 2047m).")
  Long maxMemory;

  @Option(names = "--invoke", paramLabel = "FUNC", description = "Call this export instead of _start (reactors); "
      + "ARGs are its numeric arguments; results are printed one a line.")
  String invoke;

  @Option(names = "--no-image-root", description = "Do not show the image's files at / (shown read-only by default).")
  boolean noImageRoot;

  @Option(names = "--tcplisten", paramLabel = "IP:PORT",
      description = "Grant a TCP listener bound on IP:PORT (repeatable); fds follow the preopened directories.")
  List<String> tcpListen = new ArrayList<>();

  @Option(names = "--allow-outbound", paramLabel = "HOST:PORT",
      description = "Allow outbound TCP to HOST:PORT (repeatable; HOST may be *.domain or *, PORT N-M or *; "
          + "* never includes loopback). None by default.")
  List<String> allowOutbound = new ArrayList<>();

  @Option(names = "--no-background-compile",
      description = "Under --engine auto, do not compile the module in a background process after a run that interpreted it.")
  boolean noBackgroundCompile;

  @Option(names = "--trace", paramLabel = "FILTER", description = "Print each WASI call with decoded arguments, "
      + "result and time, like strace. FILTER: names or globs, comma-separated, e.g. --trace=path_*,fd_read "
      + "(plain --trace: all).")
  String trace;

  @Option(names = "--trace-file", paramLabel = "FILE", description = "Write the --trace lines to FILE instead of stderr.")
  Path traceFile;

  @Override
  public Integer call() {
    verbosity.apply();
    References.check(spec.commandLine(), ref);
    if (traceFile != null && trace == null) {
      trace = "*";
    }
    Progress progress = Progress.forTerminal(verbosity.quiet);
    // One run needs one instance: compiling in this process would only compete with the guest. A
    // first run interprets, and a detached `skiff compile` fills the cache for the next runs.
    try (Skiff skiff = common.builder(List.of(ref)).backgroundCompile(false).listener(progress).build()) {
      WasmArtifact artifact = skiff.pull(ref);
      progress.finish();
      try {
        return run(artifact);
      } finally {
        if (Main.standalone && !noBackgroundCompile && common.engine == Engine.AUTO && !artifact.isCompiled()) {
          verbosity.detail("compiling in a background process for the next run");
          BackgroundCompile.start(common, ref);
        }
      }
    }
  }

  private int run(WasmArtifact artifact) {
    List<String> guestArgs = !args.isEmpty() && args.get(0).equals("--") ? args.subList(1, args.size()) : args;
    if (invoke == null && !artifact.isCommand()) {
      throw new CommandLine.ParameterException(spec.commandLine(), ref + " is a reactor or library (it exports no "
          + "_start): call one of its exports with --invoke FUNC, e.g. skiff run --invoke "
          + firstFunction(artifact) + " " + ref + " ARGS. Exports: " + artifact.exports().stream()
              .map(WasmExport::toString).collect(Collectors.joining(", ")));
    }
    Runner runner = artifact.runner()
        .stdin(Stdin.inherit())
        .stdout(Output.inherit())
        .stderr(Output.inherit());
    if (!noImageRoot) {
      runner.preopenImageRoot();
    }
    for (String kv : env) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--env needs K=V, got '" + kv + "'");
      }
      runner.env(kv.substring(0, eq), kv.substring(eq + 1));
    }
    for (String dir : dirs) {
      addDir(runner, dir);
    }
    tcpListen.forEach(runner::tcpListen);
    allowOutbound.forEach(runner::allowOutbound);
    Limits.Builder limits = Limits.builder();
    if (timeout != null) {
      limits.timeout(timeout);
    }
    if (maxMemory != null) {
      if (maxMemory < 65536) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--max-memory must be at least 64k (one Wasm page), got " + Units.human(maxMemory));
      }
      limits.maxMemory(maxMemory);
    }
    runner.limits(limits.build());
    try (PrintWriter traceOut = traceWriter()) {
      if (traceOut != null) {
        runner.wasiListener(traceListener(trace, traceOut));
      }
      long start = System.nanoTime();
      try {
        if (invoke != null) {
          return invoke(runner, guestArgs);
        }
        RunResult result = runner.args(guestArgs).run();
        verbosity.detail("exit code " + result.exitCode() + " after " + Units.human(result.duration())
            + "; peak memory " + Units.human(result.memoryBytes()) + "; engine " + engineName(common.engine)
            + ", ran " + (result.compiled() ? "compiled" : "interpreted") + "; module " + artifact.moduleDigest());
        return result.exitCode();
      } catch (SkiffException e) {
        verbosity.detail("failed after " + Units.human(Duration.ofNanos(System.nanoTime() - start))
            + " (" + e.getClass().getSimpleName() + "); engine " + engineName(common.engine)
            + "; module " + artifact.moduleDigest());
        throw e;
      }
    }
  }

  private int invoke(Runner runner, List<String> guestArgs) {
    long[] raw = new long[guestArgs.size()];
    for (int i = 0; i < raw.length; i++) {
      try {
        raw[i] = Long.parseLong(guestArgs.get(i));
      } catch (NumberFormatException e) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--invoke " + invoke + ": argument '" + guestArgs.get(i) + "' is not an integer");
      }
    }
    try (WasmInstance instance = runner.instantiate()) {
      long[] results = instance.function(invoke).callRaw(raw);
      for (long r : results) {
        spec.commandLine().getOut().println(r);
      }
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  private static String firstFunction(WasmArtifact artifact) {
    return artifact.exports().stream().filter(e -> e.kind() == ExternalKind.FUNCTION && !e.name().startsWith("_"))
        .map(WasmExport::name).findFirst().orElse("FUNC");
  }

  private static String engineName(Engine engine) {
    return engine.name().toLowerCase(java.util.Locale.ROOT);
  }

  private PrintWriter traceWriter() {
    if (trace == null) {
      return null;
    }
    if (traceFile == null) {
      PrintWriter err = spec.commandLine().getErr();
      // the command's stderr outlives the run: flush it, never close it
      return new PrintWriter(err, true) {
        @Override
        public void close() {
          flush();
        }
      };
    }
    try {
      return new PrintWriter(Files.newBufferedWriter(traceFile, StandardCharsets.UTF_8), true);
    } catch (IOException e) {
      throw new UncheckedIOException("--trace-file: cannot write " + traceFile + ": " + e.getMessage(), e);
    }
  }

  /** A listener for the functions a filter such as {@code path_*,fd_read} names, one line per call. */
  static WasiCallListener traceListener(String filter, PrintWriter out) {
    List<Pattern> patterns = new ArrayList<>();
    for (String part : filter.split(",")) {
      String glob = part.trim();
      if (!glob.isEmpty()) {
        patterns.add(Pattern.compile(java.util.Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote)
            .collect(Collectors.joining(".*"))));
      }
    }
    return WasiCallListener.of(name -> patterns.stream().anyMatch(p -> p.matcher(name).matches()),
        call -> out.println("[wasi] " + call));
  }

  private void addDir(Runner runner, String spec) {
    String[] parts = spec.split(":", -1);
    Access access = Access.READ_WRITE;
    int n = parts.length;
    if (n > 1 && parts[n - 1].equals("ro")) {
      access = Access.READ_ONLY;
      n--;
    } else if (n > 1 && parts[n - 1].equals("rw")) {
      n--;
    }
    if (n < 1 || n > 2 || parts[0].isEmpty()) {
      throw new CommandLine.ParameterException(this.spec.commandLine(),
          "--dir needs HOST[:GUEST][:ro], got '" + spec + "'");
    }
    Path host = Path.of(parts[0]);
    if (!Files.isDirectory(host)) {
      throw new CommandLine.ParameterException(this.spec.commandLine(),
          "--dir " + spec + ": " + host + (Files.exists(host) ? " is not a directory" : " does not exist"));
    }
    String guest = n == 2 ? parts[1] : parts[0];
    runner.preopen(guest, host, access);
  }
}
