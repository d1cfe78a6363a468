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
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code skiff} command. The exit code of {@code skiff run} is the guest's; Skiff's own failures get
 * one line on stderr and a distinct code (see {@link ExitCodes}).
 */
@Command(name = "skiff", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Run OCI-packaged WebAssembly on the JVM, sandboxed.",
    subcommands = {RunCommand.class, PullCommand.class, InspectCommand.class, PushCommand.class,
        CacheCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with these output writers and returns the exit code (for tests). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, line, parsed) -> {
      err.println("skiff: " + oneLine(e));
      err.flush();
      return ExitCodes.of(e);
    });
    return cli.execute(args);
  }

  static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return message.replace('\n', ' ');
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command: run, pull, inspect, push or cache");
  }

  /** Options every command that touches the store or a registry shares. */
  static final class CommonOptions {
    @Option(names = "--store", paramLabel = "DIR", description = "Content store folder (default: $XDG_CACHE_HOME/skiff).")
    Path store;

    @Option(names = "--pull", paramLabel = "POLICY", defaultValue = "missing",
        description = "always | missing | never (offline). Default: ${DEFAULT-VALUE}.")
    String pull;

    @Option(names = "--insecure", paramLabel = "HOST", description = "Allow plain HTTP to this registry (repeatable).")
    List<String> insecure = new ArrayList<>();

    @Option(names = "--platform", paramLabel = "OS/ARCH", description = "Force the platform chosen from an index.")
    String platform;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "auto",
        description = "auto | interpreter | compiler. Default: ${DEFAULT-VALUE}.")
    String engine;

    Skiff.Builder builder() {
      Skiff.Builder b = Skiff.builder().pullPolicy(policy()).engine(engine());
      if (store != null) {
        b.store(store);
      }
      insecure.forEach(b::insecureRegistry);
      if (platform != null) {
        b.platform(platform);
      }
      return b;
    }

    private PullPolicy policy() {
      switch (pull) {
        case "always":
          return PullPolicy.ALWAYS;
        case "missing":
          return PullPolicy.IF_NOT_PRESENT;
        case "never":
          return PullPolicy.NEVER;
        default:
          throw new IllegalArgumentException("--pull must be always, missing or never, not '" + pull + "'");
      }
    }

    private Engine engine() {
      switch (engine) {
        case "auto":
          return Engine.AUTO;
        case "interpreter":
          return Engine.INTERPRETER;
        case "compiler":
          return Engine.COMPILER;
        default:
          throw new IllegalArgumentException("--engine must be auto, interpreter or compiler, not '" + engine + "'");
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

  /** Prints the Skiff version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"skiff " + (v == null ? "dev" : v)};
    }
  }
}
