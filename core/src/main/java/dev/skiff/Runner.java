package dev.skiff;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.skiff.internal.Guest;
import dev.skiff.internal.GuestThreads;
import dev.skiff.internal.Linker;
import dev.skiff.internal.LoadedModule;
import dev.skiff.internal.Modules;
import dev.skiff.internal.Versions;
import dev.skiff.oci.ImageConfig;
import dev.skiff.wasi.Access;
import dev.skiff.wasi.Output;
import dev.skiff.wasi.Preopen;
import dev.skiff.wasi.Stdin;
import dev.skiff.wasi.WasiExitException;
import dev.skiff.wasi.WasiOptions;
import dev.skiff.wasi.WasiPreview1;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Configures one run or one instance of a {@link WasmArtifact}: arguments, environment, standard
 * streams, preopened directories, host functions, limits and engine. A guest sees nothing that is not
 * granted here: no environment, no files, no stdin, and output discarded unless configured.
 *
 * <pre>{@code
 * RunResult r = artifact.runner()
 *     .args("--name", "x").env("LANG", "C")
 *     .preopen("/data", dataDir, Access.READ_ONLY)
 *     .stdout(Output.capture(1 << 20))
 *     .limits(l -> l.maxMemory(64L << 20).timeout(Duration.ofSeconds(5)))
 *     .run();
 * }</pre>
 *
 * <p>For images, the config's Entrypoint (then Cmd) gives {@code argv[0..]}, the caller's
 * {@link #args} follow the Entrypoint (replacing Cmd, as {@code docker run} does), and the image's Env
 * is the base environment that {@link #env} overrides. A runner is single-use and not thread-safe;
 * make one per run.
 */
public final class Runner {
  private final WasmArtifact artifact;
  private final LoadedModule loaded;
  private final GuestThreads threads;
  private Engine engine;
  private List<String> args;
  private final Map<String, String> env = new LinkedHashMap<>();
  private Stdin stdin = Stdin.none();
  private Output stdout = Output.discard();
  private Output stderr = Output.discard();
  private final List<Preopen> preopens = new ArrayList<>();
  private boolean imageRoot;
  private final List<ImportFunction> hostFunctions = new ArrayList<>();
  private Limits limits = Limits.DEFAULT;
  private Consumer<WasiOptions.Builder> wasiCustomizer = b -> { };
  private boolean used;

  Runner(WasmArtifact artifact, LoadedModule loaded, GuestThreads threads, Engine engine) {
    this.artifact = artifact;
    this.loaded = loaded;
    this.threads = threads;
    this.engine = engine;
  }

  /**
   * The guest's arguments after {@code argv[0]} (and after the image's Entrypoint, replacing its Cmd).
   *
   * @param args the arguments
   * @return this runner
   */
  public Runner args(String... args) {
    this.args = List.of(args);
    return this;
  }

  /**
   * As {@link #args(String...)}.
   *
   * @param args the arguments
   * @return this runner
   */
  public Runner args(List<String> args) {
    this.args = List.copyOf(args);
    return this;
  }

  /**
   * Sets one environment variable, overriding the image's value.
   *
   * @param name the name
   * @param value the value
   * @return this runner
   */
  public Runner env(String name, String value) {
    if (name.isEmpty() || name.indexOf('=') >= 0) {
      throw new IllegalArgumentException("Invalid environment variable name: '" + name + "'");
    }
    env.put(name, Objects.requireNonNull(value, "value"));
    return this;
  }

  /**
   * Sets several environment variables.
   *
   * @param variables names to values
   * @return this runner
   */
  public Runner env(Map<String, String> variables) {
    variables.forEach(this::env);
    return this;
  }

  /**
   * The guest's standard input (default: none, reads see end of file).
   *
   * @param stdin the guest's standard input
   * @return this runner
   */
  public Runner stdin(Stdin stdin) {
    this.stdin = Objects.requireNonNull(stdin, "stdin");
    return this;
  }

  /**
   * Where the guest's standard output goes (default: discarded).
   *
   * @param stdout where standard output goes
   * @return this runner
   */
  public Runner stdout(Output stdout) {
    this.stdout = Objects.requireNonNull(stdout, "stdout");
    return this;
  }

  /**
   * Where the guest's standard error goes (default: discarded).
   *
   * @param stderr where standard error goes
   * @return this runner
   */
  public Runner stderr(Output stderr) {
    this.stderr = Objects.requireNonNull(stderr, "stderr");
    return this;
  }

  /**
   * Shows the host directory {@code hostDir} to the guest at {@code guestPath} with this access.
   *
   * @param guestPath the absolute path the guest sees
   * @param hostDir the host directory to expose
   * @param access read-only or read-write
   * @return this runner
   */
  public Runner preopen(String guestPath, Path hostDir, Access access) {
    preopens.add(new Preopen(guestPath, hostDir, access));
    return this;
  }

  /**
   * Shows the image's files read-only at {@code /}, as containerd's Wasm shims do; a no-op for
   * artifacts without a layer tree (a CNCF artifact or a bare module).
   *
   * @return this runner
   */
  public Runner preopenImageRoot() {
    this.imageRoot = true;
    return this;
  }

  /**
   * Adds the caller's host functions (any import module) beside WASI.
   *
   * @param functions the host functions
   * @return this runner
   */
  public Runner hostFunctions(ImportFunction... functions) {
    hostFunctions.addAll(Arrays.asList(functions));
    return this;
  }

  /**
   * Replaces the limits.
   *
   * @param limits the limits
   * @return this runner
   */
  public Runner limits(Limits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
    return this;
  }

  /**
   * Adjusts the limits, for example {@code l -> l.timeout(Duration.ofSeconds(5))}.
   *
   * @param change edits a builder initialised with the current limits
   * @return this runner
   */
  public Runner limits(Consumer<Limits.Builder> change) {
    Limits.Builder b = limits.newBuilder();
    change.accept(b);
    this.limits = b.build();
    return this;
  }

  /**
   * The execution engine for this run (default: the {@link Skiff}'s).
   *
   * @param engine the engine
   * @return this runner
   */
  public Runner engine(Engine engine) {
    this.engine = Objects.requireNonNull(engine, "engine");
    return this;
  }

  /**
   * Further WASI settings (clocks, randomness, sockets, file limits), applied after the ones above.
   *
   * @param customizer edits the WASI options builder
   * @return this runner
   */
  public Runner wasi(Consumer<WasiOptions.Builder> customizer) {
    this.wasiCustomizer = Objects.requireNonNull(customizer, "customizer");
    return this;
  }

  /**
   * Runs the command module's {@code _start} and returns its exit code and captured output.
   *
   * @throws IllegalStateException if the module exports no {@code _start} (use {@link #instantiate()})
   * @throws SkiffException if the module cannot be linked, traps, or exceeds a limit
   * @return the exit code, captured output and duration
   */
  public RunResult run() {
    markUsed();
    if (!Modules.exportsFunction(loaded.module(), "_start")) {
      throw new IllegalStateException("The module " + artifact.source()
          + " exports no _start function; it is a reactor or library: use instantiate() and call its exports "
          + Modules.exports(loaded.module()).stream().map(Export::name).collect(Collectors.toList()));
    }
    long start = System.nanoTime();
    Duration timeout = limits.timeout().orElse(null);
    return threads.call(() -> {
      WasiPreview1 wasi = null;
      try {
        Instance instance;
        wasi = createWasi();
        instance = newInstance(wasi);
        ExportFunction main = instance.export("_start");
        int exitCode = 0;
        try {
          main.apply();
        } catch (RuntimeException | StackOverflowError e) {
          WasiExitException exit = Guest.exitOf(e);
          if (exit == null) {
            throw Guest.translate(e, "_start of " + artifact.source(), loaded.module());
          }
          exitCode = exit.exitCode();
        }
        return new RunResult(exitCode, wasi == null ? new byte[0] : wasi.capturedStdout(),
            wasi == null ? new byte[0] : wasi.capturedStderr(),
            Duration.ofNanos(System.nanoTime() - start));
      } finally {
        if (wasi != null) {
          wasi.close();
        }
      }
    }, timeout, "_start of " + artifact.source());
  }

  /**
   * Instantiates the module for calls to its exports; a WASI reactor's {@code _initialize} runs first.
   * The caller closes the instance.
   *
   * @return the live instance, which the caller closes
   */
  public WasmInstance instantiate() {
    markUsed();
    Duration timeout = limits.timeout().orElse(null);
    return threads.call(() -> {
      WasiPreview1 wasi = createWasi();
      try {
        Instance instance = newInstance(wasi);
        if (Modules.exportsFunction(loaded.module(), "_initialize")) {
          try {
            instance.export("_initialize").apply();
          } catch (RuntimeException | StackOverflowError e) {
            throw Guest.translate(e, "_initialize of " + artifact.source(), loaded.module());
          }
        }
        return new WasmInstance(instance, wasi, threads, timeout);
      } catch (RuntimeException | Error e) {
        if (wasi != null) {
          wasi.close();
        }
        throw e;
      }
    }, timeout, "instantiation of " + artifact.source());
  }

  private void markUsed() {
    if (used) {
      throw new IllegalStateException("A Runner is single-use; call artifact.runner() again");
    }
    used = true;
  }

  private WasiPreview1 createWasi() {
    if (!Linker.importsWasi(loaded.module())) {
      return null;
    }
    ImageConfig config = artifact.imageConfig();
    List<String> argv = new ArrayList<>();
    List<String> entrypoint = config.entrypoint();
    if (!entrypoint.isEmpty()) {
      argv.addAll(entrypoint);
      argv.addAll(args != null ? args : config.cmd());
    } else if (!config.cmd().isEmpty() && args == null) {
      argv.addAll(config.cmd());
    } else {
      argv.add(artifact.programName());
      if (args != null) {
        argv.addAll(args);
      }
    }
    Map<String, String> environment = new LinkedHashMap<>();
    for (String kv : config.env()) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        environment.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    environment.putAll(env);
    WasiOptions.Builder options = WasiOptions.builder()
        .args(argv)
        .env(environment)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr);
    if (imageRoot) {
      artifact.rootfs().ifPresent(root -> options.preopen("/", root, Access.READ_ONLY));
    }
    for (Preopen p : preopens) {
      options.preopen(p.guestPath(), p.hostPath(), p.access());
    }
    wasiCustomizer.accept(options);
    return WasiPreview1.create(options.build());
  }

  private Instance newInstance(WasiPreview1 wasi) {
    WasmModule module = loaded.module();
    List<ImportFunction> functions = new ArrayList<>(hostFunctions);
    if (wasi != null) {
      // the caller's functions win over WASI's for the same name
      for (ImportFunction f : wasi.toHostFunctions()) {
        boolean overridden = hostFunctions.stream()
            .anyMatch(h -> h.module().equals(f.module()) && h.name().equals(f.name()));
        if (!overridden) {
          functions.add(f);
        }
      }
    }
    Linker.checkImports(module, functions);
    Instance.Builder builder = Instance.builder(module)
        .withImportValues(ImportValues.builder().withFunctions(functions).build())
        // WASI's memory lets fd_read and fd_write move bytes without a copy through a host buffer.
        .withMemoryFactory(WasiPreview1::memory)
        .withStart(false);
    memoryLimits(module).ifPresent(builder::withMemoryLimits);
    var factory = loaded.machineFactory(engine);
    if (factory != null) {
      builder.withMachineFactory(factory);
    }
    try {
      return builder.build();
    } catch (RuntimeException | StackOverflowError e) {
      throw Guest.translate(e, "instantiation of " + artifact.source(), loaded.module());
    }
  }

  /**
   * Chicory's withMemoryLimits replaces the module's declared limits, so the effective maximum is
   * computed here: the lower of the module's maximum and the caller's cap. An initial size above
   * what Chicory addresses correctly (below 2 GiB) cannot run at any cap.
   */
  private java.util.Optional<MemoryLimits> memoryLimits(WasmModule module) {
    if (module.memorySection().isEmpty() || module.memorySection().get().memoryCount() == 0) {
      return java.util.Optional.empty();
    }
    MemoryLimits declared = module.memorySection().get().getMemory(0).limits();
    if (declared.initialPages() * 65536L > Limits.MAX_MEMORY) {
      throw new LimitExceededException("The module needs " + declared.initialPages()
          + " pages (" + declared.initialPages() * 64L + " KiB) of memory at start, above the "
          + Limits.MAX_MEMORY / 65536 + " pages (2 GiB - 64 KiB) that Chicory " + Versions.CHICORY
          + " addresses correctly; no Limits.maxMemory can run it.");
    }
    long cap = limits.maxMemoryBytes();
    int capPages = (int) (cap / 65536);
    if (declared.initialPages() > capPages) {
      throw new LimitExceededException("The module needs " + declared.initialPages()
          + " pages (" + declared.initialPages() * 64L + " KiB) of memory at start, above the cap of "
          + capPages + " pages (" + cap + " bytes); raise Limits.maxMemory (--max-memory on the"
          + " command line), up to " + Limits.MAX_MEMORY + " bytes.");
    }
    int max = Math.min(declared.maximumPages(), capPages);
    return java.util.Optional.of(new MemoryLimits(declared.initialPages(), max, declared.shared()));
  }

}
