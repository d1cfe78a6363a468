package dev.skiff.cli;

import dev.skiff.Limits;
import dev.skiff.Runner;
import dev.skiff.RunResult;
import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.WasmInstance;
import dev.skiff.wasi.Access;
import dev.skiff.wasi.Output;
import dev.skiff.wasi.Stdin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skiff run REF [-- args...]}. */
@Command(name = "run", description = "Run a module's _start (or --invoke an export) and exit with its exit code.")
final class RunCommand implements Callable<Integer> {
  @Mixin Main.CommonOptions common = new Main.CommonOptions();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF",
      description = "Registry reference, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:TAG], or a .wasm file.")
  String ref;

  @Parameters(index = "1..*", paramLabel = "ARG", description = "Arguments for the guest (after --).")
  List<String> args = new ArrayList<>();

  @Option(names = "--env", paramLabel = "K=V", description = "Set an environment variable (repeatable).")
  List<String> env = new ArrayList<>();

  @Option(names = "--dir", paramLabel = "HOST[:GUEST][:ro]", description = "Preopen a host directory (repeatable).")
  List<String> dirs = new ArrayList<>();

  @Option(names = "--timeout", paramLabel = "DURATION", description = "Wall-clock limit, e.g. 5s, 500ms, 2m.")
  String timeout;

  @Option(names = "--max-memory", paramLabel = "SIZE", description = "Linear memory cap, e.g. 64m, 1g.")
  String maxMemory;

  @Option(names = "--invoke", paramLabel = "FUNC", description = "Call this export (reactors) with ARGs as numbers.")
  String invoke;

  @Option(names = "--no-image-root", description = "Do not show the image's files at / (shown by default).")
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

  @Override
  public Integer call() {
    // One run needs one instance: compiling in this process would only compete with the guest. A
    // first run interprets, and a detached `skiff compile` fills the cache for the next runs.
    try (Skiff skiff = common.builder().backgroundCompile(false).listener(Progress.forTerminal()).build()) {
      WasmArtifact artifact = skiff.pull(ref);
      try {
        return run(artifact);
      } finally {
        if (Main.standalone && !noBackgroundCompile && "auto".equals(common.engine) && !artifact.isCompiled()) {
          BackgroundCompile.start(common, ref);
        }
      }
    }
  }

  private int run(WasmArtifact artifact) {
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
      limits.timeout(parseDuration(timeout));
    }
    if (maxMemory != null) {
      limits.maxMemory(parseSize(maxMemory));
    }
    runner.limits(limits.build());
    if (invoke != null) {
      try (WasmInstance instance = runner.instantiate()) {
        long[] results = instance.function(invoke).callRaw(args.stream().mapToLong(Long::parseLong).toArray());
        for (long r : results) {
          spec.commandLine().getOut().println(r);
        }
        spec.commandLine().getOut().flush();
        return 0;
      }
    }
    RunResult result = runner.args(args).run();
    return result.exitCode();
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
    String guest = n == 2 ? parts[1] : parts[0];
    runner.preopen(guest, host, access);
  }

  static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.startsWith("pt")) {
        return Duration.parse(t);
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      if (t.endsWith("s")) {
        return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
      }
      if (t.endsWith("m")) {
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
      }
      return Duration.ofSeconds(Long.parseLong(t));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--timeout: cannot read '" + text + "' as a duration (e.g. 5s, 500ms, 2m)");
    }
  }

  static long parseSize(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
    if (last == 'k') {
      unit = 1L << 10;
    } else if (last == 'm') {
      unit = 1L << 20;
    } else if (last == 'g') {
      unit = 1L << 30;
    }
    try {
      return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--max-memory: cannot read '" + text + "' as a size (e.g. 64m, 1g)");
    }
  }
}
