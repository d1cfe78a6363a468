package dev.skiff;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.types.Export;
import dev.skiff.internal.Guest;
import dev.skiff.internal.GuestThreads;
import dev.skiff.internal.LoadedModule;
import dev.skiff.internal.Modules;
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
  private WasiCallListener wasiListener;
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

  // Network grants: listeners and the outbound allow-list, applied in the order given.
  private final List<Consumer<WasiOptions.Builder>> network = new ArrayList<>();

  /**
   * Grants a TCP listener on {@code hostPort}, as {@code wasmtime --tcplisten} does: Skiff binds it
   * before the guest starts (a port in use fails the run with an {@link java.io.UncheckedIOException}
   * naming the address) and closes it after. The guest accepts on it as a preopened socket, numbered
   * after the preopened directories, or reaches it with WasmEdge's {@code sock_bind} and
   * {@code sock_listen} on the same address.
   *
   * @param hostPort an IP address and port, such as {@code 127.0.0.1:8080} or {@code [::1]:8080}
   * @return this runner
   */
  public Runner tcpListen(String hostPort) {
    WasiOptions.builder().tcpListen(hostPort); // rejects a bad address now, not at run()
    network.add(b -> b.tcpListen(hostPort));
    return this;
  }

  /**
   * Allows outbound TCP connections, and the name lookups that lead to them, matching these patterns
   * (none are allowed otherwise): {@code HOST:PORT} in the model of Spin's
   * {@code allowed_outbound_hosts}, where HOST is a name, {@code *.domain}, an IP address or
   * {@code *} (which never includes loopback) and PORT a number, {@code N-M} or {@code *}. A refused
   * attempt is {@code EACCES} for the guest and a warning on the {@code dev.skiff.wasi.network} logger.
   *
   * @param patterns for example {@code "redis.internal:6379"}, {@code "localhost:8000-8099"}
   * @return this runner
   */
  public Runner allowOutbound(String... patterns) {
    for (String p : patterns) {
      WasiOptions.builder().allowOutbound(p);
      network.add(b -> b.allowOutbound(p));
    }
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
   * Reports the guest's WASI calls, decoded, to this listener (like {@code strace}); the functions it
   * does not {@linkplain WasiCallListener#observes observe} run unwrapped, so without a listener, or
   * for those, tracing costs nothing.
   *
   * @param listener receives each observed call on the guest's thread
   * @return this runner
   */
  public Runner wasiListener(WasiCallListener listener) {
    this.wasiListener = Objects.requireNonNull(listener, "listener");
    return this;
  }

  /**
   * Runs the command module's {@code _start} and returns its exit code and captured output.
   *
   * @throws IllegalStateException if the module exports no {@code _start} (use {@link #instantiate()})
   * @throws InvalidModuleException the bytes are not a valid module (parsed at first use)
   * @throws UnsupportedModuleException the module uses a feature Chicory cannot run
   * @throws LinkException the module imports what neither WASI nor the host functions provide
   * @throws LimitExceededException the module's initial memory or a table is above a limit
   * @throws GuestTrapException the guest trapped
   * @throws GuestTimeoutException the guest ran longer than the timeout
   * @throws StoreException the module or its compiled code cannot be read from the store
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
    RunSpec spec = spec();
    Duration timeout = limits.timeout().orElse(null);
    return threads.call(() -> {
      WasiPreview1 wasi = null;
      try {
        wasi = spec.createWasi();
        Instance instance = spec.newInstance(wasi);
        ExportFunction main = instance.export("_start");
        int exitCode = 0;
        try {
          main.apply();
        } catch (RuntimeException | StackOverflowError e) {
          WasiExitException exit = Guest.exitOf(e);
          if (exit == null) {
            throw Guest.translate(e, "_start of " + artifact.source(), instance.module());
          }
          exitCode = exit.exitCode();
        }
        // linear memory never shrinks, so its size at exit is the run's peak
        long memoryBytes = instance.memory() == null ? 0 : instance.memory().pages() * 65536L;
        return new RunResult(exitCode, wasi == null ? new byte[0] : wasi.capturedStdout(),
            wasi == null ? new byte[0] : wasi.capturedStderr(),
            Duration.ofNanos(System.nanoTime() - start), memoryBytes, spec.lastInstanceCompiled());
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
   * @throws InvalidModuleException the bytes are not a valid module (parsed at first use)
   * @throws UnsupportedModuleException the module uses a feature Chicory cannot run
   * @throws LinkException the module imports what neither WASI nor the host functions provide
   * @throws LimitExceededException the module's initial memory or a table is above a limit
   * @throws GuestTrapException {@code _initialize} trapped
   * @throws GuestTimeoutException {@code _initialize} ran longer than the timeout
   * @throws StoreException the module or its compiled code cannot be read from the store
   */
  public WasmInstance instantiate() {
    markUsed();
    RunSpec spec = spec();
    Duration timeout = limits.timeout().orElse(null);
    return threads.call(() -> {
      WasiPreview1 wasi = spec.createWasi();
      try {
        Instance instance = spec.newInstance(wasi);
        if (Modules.exportsFunction(loaded.module(), "_initialize")) {
          try {
            instance.export("_initialize").apply();
          } catch (RuntimeException | StackOverflowError e) {
            throw Guest.translate(e, "_initialize of " + artifact.source(), instance.module());
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

  /**
   * Freezes this configuration (argv, environment and preopens resolved against the image) so that it
   * can start any number of instances; what {@link WasmHandler} builds on.
   */
  RunSpec spec() {
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
    List<Preopen> all = new ArrayList<>();
    if (imageRoot) {
      artifact.rootfs().ifPresent(root -> all.add(new Preopen("/", root, Access.READ_ONLY)));
    }
    all.addAll(preopens);
    return new RunSpec(artifact, loaded, threads, engine, limits, argv, environment, stdin, stdout, stderr,
        all, hostFunctions, withNetwork(), wasiListener);
  }

  /** The network grants first, then the caller's customiser, which may refine them. */
  private Consumer<WasiOptions.Builder> withNetwork() {
    List<Consumer<WasiOptions.Builder>> grants = List.copyOf(network);
    Consumer<WasiOptions.Builder> customizer = wasiCustomizer;
    return options -> {
      grants.forEach(g -> g.accept(options));
      customizer.accept(options);
    };
  }

}
