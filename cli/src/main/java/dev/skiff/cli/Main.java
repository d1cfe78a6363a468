package dev.skiff.cli;

import dev.skiff.ArtifactException;
import dev.skiff.Engine;
import dev.skiff.GuestTimeoutException;
import dev.skiff.GuestTrapException;
import dev.skiff.LimitExceededException;
import dev.skiff.LinkException;
import dev.skiff.PullException;
import dev.skiff.Skiff;
import dev.skiff.SkiffException;
import dev.skiff.oci.PullPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code skiff} command. The exit code of {@code skiff run} is the guest's; Skiff's own failures get
 * one line on stderr and a distinct code (see {@link ExitCodes}).
 */
@Command(name = "skiff", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Run OCI-packaged WebAssembly on the JVM, sandboxed.",
    synopsisSubcommandLabel = "COMMAND",
    footerHeading = "%nExamples:%n",
    footer = {
        "  skiff run ghcr.io/example/hello:1.0 --name you",
        "  skiff run --dir .:/work --env LANG=C ./tool.wasm /work/input.txt",
        "  skiff inspect --module oci:./layout:1.0",
        "  skiff help run",
        "",
        "Exit codes: the guest's own for run; 2 usage, 124 timeout, 125 Skiff failure, 127 unresolved",
        "import, 134 trap, 137 limit exceeded."})
public final class Main implements Runnable {
  /**
   * The subcommands, in the order help lists them. Picocli reads a command's annotations by reflection
   * when it joins the tree (about 50 ms for all of them at start-up), so a command line naming one
   * gets that one alone; help and completion need the whole tree.
   */
  private static final Map<String, Class<?>> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("run", RunCommand.class);
    COMMANDS.put("pull", PullCommand.class);
    COMMANDS.put("inspect", InspectCommand.class);
    COMMANDS.put("push", PushCommand.class);
    COMMANDS.put("cache", CacheCommand.class);
    COMMANDS.put("compile", CompileCommand.class);
    COMMANDS.put("serve", ServeCommand.class);
    COMMANDS.put("login", LoginCommand.class);
    COMMANDS.put("logout", LogoutCommand.class);
    COMMANDS.put("completion", CompletionCommand.class);
    COMMANDS.put("train-class-data", TrainCommand.class);
    COMMANDS.put("help", CommandLine.HelpCommand.class);
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Whether this JVM is the skiff command itself (not a test calling execute), which may start children. */
  static volatile boolean standalone;

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    standalone = true;
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with these output writers and returns the exit code (for tests). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    boolean one = args.length > 0 && COMMANDS.containsKey(args[0]) && !NEEDS_ALL.contains(args[0]);
    CommandLine cli = one ? commandLine(Set.of(args[0])) : commandLine();
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((e, arguments) -> {
      CommandLine failed = e.getCommandLine();
      err.println("skiff: " + e.getMessage());
      err.println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
      err.flush();
      return ExitCodes.USAGE;
    });
    cli.setExecutionExceptionHandler((e, line, parsed) -> {
      err.println("skiff: " + Messages.forCli(e));
      err.flush();
      return ExitCodes.of(e);
    });
    return cli.execute(bareTraceMeansAll(cli, args));
  }

  /**
   * {@code skiff run --trace REF}: a bare {@code --trace} traces every call. Picocli would take REF as
   * the option's value, so a bare one among run's options (before REF) becomes {@code --trace=*}.
   */
  static String[] bareTraceMeansAll(CommandLine cli, String[] args) {
    String[] out = args.clone();
    int run = java.util.Arrays.asList(args).indexOf("run");
    if (run < 0 || !cli.getSubcommands().containsKey("run")) {
      return out;
    }
    CommandLine.Model.CommandSpec spec = cli.getSubcommands().get("run").getCommandSpec();
    for (int i = run + 1; i < out.length; i++) {
      String a = out[i];
      if (a.equals("--") || !a.startsWith("-")) {
        break;
      }
      if (a.equals("--trace")) {
        out[i] = "--trace=*";
        continue;
      }
      CommandLine.Model.OptionSpec option = a.contains("=") ? null : spec.findOption(a);
      if (option != null && option.arity().max() > 0) {
        i++; // the option's value
      }
    }
    return out;
  }

  /** Commands that read the whole tree. */
  private static final Set<String> NEEDS_ALL = Set.of("help", "completion");

  /** The command tree, as help and the completion script see it. */
  static CommandLine commandLine() {
    return commandLine(COMMANDS.keySet());
  }

  private static CommandLine commandLine(Set<String> names) {
    CommandLine cli = new CommandLine(new Main());
    COMMANDS.forEach((name, command) -> {
      if (names.contains(name)) {
        cli.addSubcommand(name, command);
      }
    });
    if (names.contains("run")) {
      // like docker and wasmtime: the guest's arguments start at the first one after REF
      cli.getSubcommands().get("run").setStopAtPositional(true);
    }
    return cli;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "Missing a command: " + String.join(", ", spec.subcommands().entrySet().stream()
            .filter(c -> !c.getValue().getCommandSpec().usageMessage().hidden()).map(Map.Entry::getKey).toList()));
  }

  /** {@code --store}: every command that reads or writes the content store. */
  static final class StoreOption {
    @Option(names = "--store", paramLabel = "DIR", description = "Content store folder (default: $XDG_CACHE_HOME/skiff).")
    Path store;

    Skiff.Builder apply(Skiff.Builder b) {
      return store == null ? b : b.store(store);
    }
  }

  /** Options of commands that talk to a registry: plain HTTP, trust, timeouts and retries. */
  static final class RegistryOptions {
    @Option(names = "--insecure", paramLabel = "HOST", description = "Allow plain HTTP to this registry (repeatable).")
    List<String> insecure = new ArrayList<>();

    @Option(names = "--ca", paramLabel = "[HOST=]FILE",
        description = "Trust the CA certificates in this PEM file (or PKCS12/JKS truststore) instead of the JVM's "
            + "for HOST; without HOST, for every registry and mirror the command names (repeatable).")
    List<String> ca = new ArrayList<>();

    @Option(names = "--connect-timeout", paramLabel = "DURATION",
        description = "Longest wait for a registry connection (default 10s), e.g. 3s, 500ms.")
    String connectTimeout;

    @Option(names = "--read-timeout", paramLabel = "DURATION",
        description = "Longest silence from a registry while reading or writing (default 30s).")
    String readTimeout;

    @Option(names = "--retries", paramLabel = "N",
        description = "Attempts per registry request when it fails with a connection error, 5xx, 408 or 429 "
            + "(default 5; 1: no retry).")
    Integer retries;

    @Option(names = "--registry-timeout", paramLabel = "DURATION",
        description = "Overall time for a registry request and its retries; no retry starts after it (default 2m).")
    String registryTimeout;

    /**
     * Applies the options; {@code sources} are the command's references and {@code mirrorHosts} its
     * mirrors, whose registries a {@code --ca} without HOST is for.
     */
    Skiff.Builder apply(Skiff.Builder b, List<String> sources, List<String> mirrorHosts) {
      insecure.forEach(b::insecureRegistry);
      for (String c : ca) {
        int eq = c.indexOf('=');
        // A host never holds '/': "dir/a=b.pem" (or any file that exists) is a FILE, not HOST=FILE.
        boolean named = eq > 0 && c.substring(0, eq).indexOf('/') < 0 && !Files.exists(Path.of(c));
        Path file = Path.of(named ? c.substring(eq + 1) : c);
        if (!Files.isReadable(file)) {
          throw new IllegalArgumentException("--ca " + c + ": " + file + " is not a readable file");
        }
        Set<String> hosts = new LinkedHashSet<>();
        if (named) {
          hosts.add(c.substring(0, eq));
        } else {
          sources.forEach(src -> References.registryHosts(src).forEach(hosts::add));
          hosts.addAll(mirrorHosts);
        }
        hosts.forEach(h -> b.oci(o -> o.trustedCertificates(h, file)));
      }
      if (connectTimeout != null) {
        Duration d = Units.parseDuration(connectTimeout);
        b.oci(o -> o.connectTimeout(d));
      }
      if (readTimeout != null) {
        Duration d = Units.parseDuration(readTimeout);
        b.oci(o -> o.readTimeout(d));
      }
      if (retries != null || registryTimeout != null) {
        int attempts = retries != null ? retries : DEFAULT_ATTEMPTS;
        Duration budget = registryTimeout != null ? Units.parseDuration(registryTimeout) : DEFAULT_RETRY_BUDGET;
        b.oci(o -> o.retries(attempts, DEFAULT_BACKOFF, budget));
      }
      return b;
    }

    // OciClient.Builder's defaults, which retries(...) takes together with the one the user changes.
    private static final int DEFAULT_ATTEMPTS = 5;
    private static final Duration DEFAULT_BACKOFF = Duration.ofMillis(250);
    private static final Duration DEFAULT_RETRY_BUDGET = Duration.ofMinutes(2);
  }

  /** Options of commands that resolve and pull a reference. */
  static final class PullOptions {
    @Option(names = "--pull", paramLabel = "POLICY", defaultValue = "missing", converter = PolicyConverter.class,
        description = "always | missing | never (offline). Default: ${DEFAULT-VALUE}.")
    PullPolicy pull = PullPolicy.IF_NOT_PRESENT;

    @Option(names = "--platform", paramLabel = "OS/ARCH", description = "Choose this platform from an image index, e.g. wasip1/wasm.")
    String platform;

    @Option(names = "--mirror", paramLabel = "HOST=MIRROR",
        description = "Pull HOST's images from MIRROR first (a registry host serving the same repositories), "
            + "HOST itself when the mirror fails; e.g. docker.io=mirror.example.com (repeatable).")
    List<String> mirrors = new ArrayList<>();

    Skiff.Builder apply(Skiff.Builder b) {
      b.pullPolicy(pull);
      for (String m : mirrors) {
        String[] hostMirror = mirror(m);
        b.oci(o -> o.mirror(hostMirror[0], hostMirror[1]));
      }
      return platform == null ? b : b.platform(platform);
    }

    List<String> mirrorHosts() {
      return mirrors.stream().map(m -> mirror(m)[1]).collect(Collectors.toList());
    }

    private static String[] mirror(String option) {
      int eq = option.indexOf('=');
      if (eq <= 0 || eq == option.length() - 1) {
        throw new IllegalArgumentException("--mirror " + option + ": expected HOST=MIRROR, e.g. "
            + "docker.io=mirror.example.com");
      }
      return new String[] {option.substring(0, eq), option.substring(eq + 1)};
    }
  }

  /** The options {@code skiff run} shares with the commands that pull: store, registry, pull, engine. */
  static final class CommonOptions {
    @Mixin StoreOption storeOption = new StoreOption();
    @Mixin RegistryOptions registry = new RegistryOptions();
    @Mixin PullOptions pullOptions = new PullOptions();

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "auto", converter = EngineConverter.class,
        description = "auto | interpreter | compiler. Default: ${DEFAULT-VALUE} (interpret at once, "
            + "compile in the background for the next run).")
    Engine engine = Engine.AUTO;

    /** A builder with every option applied; {@code sources} are the references the command will pull. */
    Skiff.Builder builder(List<String> sources) {
      return pullOptions.apply(registry.apply(storeOption.apply(Skiff.builder()), sources,
          pullOptions.mirrorHosts())).engine(engine);
    }
  }

  /** Reads {@code --pull}. */
  static final class PolicyConverter implements CommandLine.ITypeConverter<PullPolicy> {
    @Override
    public PullPolicy convert(String value) {
      switch (value) {
        case "always":
          return PullPolicy.ALWAYS;
        case "missing":
          return PullPolicy.IF_NOT_PRESENT;
        case "never":
          return PullPolicy.NEVER;
        default:
          throw new CommandLine.TypeConversionException("'" + value + "' is not one of always, missing, never");
      }
    }
  }

  /** Reads {@code --engine}. */
  static final class EngineConverter implements CommandLine.ITypeConverter<Engine> {
    @Override
    public Engine convert(String value) {
      switch (value) {
        case "auto":
          return Engine.AUTO;
        case "interpreter":
          return Engine.INTERPRETER;
        case "compiler":
          return Engine.COMPILER;
        default:
          throw new CommandLine.TypeConversionException("'" + value + "' is not one of auto, interpreter, compiler");
      }
    }
  }

  /** Exit codes for Skiff's own failures, chosen not to collide with common guest codes. */
  static final class ExitCodes {
    static final int USAGE = 2;
    static final int TIMEOUT = 124;
    static final int FAILURE = 125;
    static final int LINK = 127;
    static final int TRAP = 134;
    static final int LIMIT = 137;

    private ExitCodes() {}

    static int of(Throwable e) {
      if (e instanceof GuestTimeoutException) {
        return TIMEOUT;
      }
      if (e instanceof GuestTrapException) {
        return TRAP;
      }
      if (e instanceof LinkException) {
        return LINK;
      }
      if (e instanceof LimitExceededException) {
        return LIMIT;
      }
      if (e instanceof PullException || e instanceof ArtifactException || e instanceof SkiffException) {
        return FAILURE;
      }
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        return USAGE;
      }
      return FAILURE;
    }
  }

  /** The version stamped by the build, with the JVM that runs it. */
  static final class Version implements CommandLine.IVersionProvider {
    static String skiff() {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return p.getProperty("version", "unknown");
    }

    @Override
    public String[] getVersion() {
      return new String[] {"skiff " + skiff(),
          "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
    }
  }
}
