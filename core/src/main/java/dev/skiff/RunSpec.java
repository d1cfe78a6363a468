package dev.skiff;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.skiff.internal.FrameRecordingInterpreter;
import dev.skiff.internal.Guest;
import dev.skiff.internal.GuestThreads;
import dev.skiff.internal.Linker;
import dev.skiff.internal.LoadedModule;
import dev.skiff.internal.Versions;
import dev.skiff.internal.WasiTrace;
import dev.skiff.wasi.InstanceTemplate;
import dev.skiff.wasi.Output;
import dev.skiff.wasi.Preopen;
import dev.skiff.wasi.Stdin;
import dev.skiff.wasi.WasiOptions;
import dev.skiff.wasi.WasiPreview1;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * What a {@link Runner} was configured with, frozen and resolved once (argv, environment, preopens,
 * memory limits), so that one configuration can start many instances: {@link Runner} starts one, a
 * {@link WasmHandler} one per request. Immutable; thread-safe as long as the caller's WASI customizer is.
 */
final class RunSpec {
  final WasmArtifact artifact;
  final LoadedModule loaded;
  final GuestThreads threads;
  final Engine engine;
  final Limits limits;
  private final boolean wasi;
  private final List<String> argv;
  private final Map<String, String> environment;
  private final Stdin stdin;
  private final Output stdout;
  private final Output stderr;
  private final List<Preopen> preopens;
  private final List<ImportFunction> hostFunctions;
  private final Consumer<WasiOptions.Builder> wasiCustomizer;
  private final Optional<MemoryLimits> memoryLimits;
  private final Set<String> hostFunctionNames;
  /** Null: WASI's functions go to Chicory unwrapped, so an unobserved run pays nothing. */
  private final WasiCallListener wasiListener;
  private volatile boolean linked;
  private volatile boolean lastInstanceCompiled;
  /** What instances made by {@link #newTaskInstance} share; made for the first, remade if the plan's module changes. */
  private volatile Shared shared;

  /** The template and import values of one module (template null: the module fits none). */
  private static final class Shared {
    final WasmModule module;
    final InstanceTemplate template;
    final ImportValues imports;

    Shared(WasmModule module, InstanceTemplate template, ImportValues imports) {
      this.module = module;
      this.template = template;
      this.imports = imports;
    }
  }

  RunSpec(WasmArtifact artifact, LoadedModule loaded, GuestThreads threads, Engine engine, Limits limits,
      List<String> argv, Map<String, String> environment, Stdin stdin, Output stdout, Output stderr,
      List<Preopen> preopens, List<ImportFunction> hostFunctions, Consumer<WasiOptions.Builder> wasiCustomizer,
      WasiCallListener wasiListener) {
    this.artifact = artifact;
    this.loaded = loaded;
    this.threads = threads;
    this.engine = engine;
    this.limits = limits;
    this.wasi = Linker.importsWasi(loaded.module());
    this.argv = List.copyOf(argv);
    this.environment = new LinkedHashMap<>(environment);
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
    this.preopens = List.copyOf(preopens);
    this.hostFunctions = List.copyOf(hostFunctions);
    this.hostFunctionNames = hostFunctions.stream().map(f -> f.module() + "\u0000" + f.name())
        .collect(Collectors.toSet());
    this.wasiCustomizer = wasiCustomizer;
    this.wasiListener = wasiListener;
    this.memoryLimits = memoryLimits(loaded.module(), limits);
  }

  /** Whether the latest instance made here runs compiled code (what one run reports). */
  boolean lastInstanceCompiled() {
    return lastInstanceCompiled;
  }

  /** A WASI world with the configured streams, or null when the module imports no WASI. */
  WasiPreview1 createWasi() {
    return createWasi(Map.of(), stdin, stdout, stderr);
  }

  /**
   * A WASI world with these streams and {@code extraEnv} over the configured environment, or null when
   * the module imports no WASI.
   */
  WasiPreview1 createWasi(Map<String, String> extraEnv, Stdin in, Output out, Output err) {
    if (!wasi) {
      return null;
    }
    // extraEnv after the configured environment: its names win, in the configured order
    WasiOptions.Builder options = WasiOptions.builder().args(argv).env(environment).env(extraEnv)
        .stdin(in).stdout(out).stderr(err);
    for (Preopen p : preopens) {
      options.preopen(p.guestPath(), p.hostPath(), p.access());
    }
    wasiCustomizer.accept(options);
    return WasiPreview1.create(options.build());
  }

  /** A new instance linked to {@code wasi} (may be null) and the caller's host functions; not started. */
  Instance newInstance(WasiPreview1 wasi) {
    // per instance: a compile that finished in the background is picked up by the next request
    LoadedModule.Plan plan = loaded.plan(engine);
    WasmModule module = plan.module();
    List<ImportFunction> functions = new ArrayList<>(hostFunctions);
    if (wasi != null) {
      // the caller's functions win over WASI's for the same name
      ImportFunction[] wasiFunctions = wasi.toHostFunctions(module);
      List<ImportFunction> offered = wasiListener == null ? Arrays.asList(wasiFunctions)
          : WasiTrace.wrap(wasiFunctions, wasiListener::observes, (name, args, errno, errnoName,
              outputs, nanos, exit) -> wasiListener.onCall(
                  new WasiCall(name, args, errno, errnoName, outputs, nanos, exit)));
      for (ImportFunction f : offered) {
        if (!hostFunctionNames.contains(f.module() + "\u0000" + f.name())) {
          functions.add(f);
        }
      }
    }
    if (!linked) {
      // the same names every time: once they link, they always will
      Linker.checkImports(module, functions);
      linked = true;
    }
    Instance.Builder builder = Instance.builder(module)
        .withImportValues(ImportValues.builder().withFunctions(functions).build())
        // WASI's memory lets fd_read and fd_write move bytes without a copy through a host buffer.
        .withMemoryFactory(WasiPreview1::memory)
        .withStart(false);
    memoryLimits.ifPresent(builder::withMemoryLimits);
    // the interpreter, when chosen, notes the Wasm frames a trap passes, for the trap's message
    builder.withMachineFactory(plan.factory() != null ? plan.factory() : FrameRecordingInterpreter::new);
    lastInstanceCompiled = plan.factory() != null;
    try {
      return builder.build();
    } catch (RuntimeException | StackOverflowError e) {
      throw Guest.translate(e, "instantiation of " + artifact.source(), module);
    }
  }

  /**
   * A new instance for one short task (a request), not started, linked to {@code wasi} (may be null):
   * its host functions and import linking are the handler's, made once, and its memory starts as a
   * recycled copy of the module's initial image ({@link InstanceTemplate}) when the module fits one,
   * else as {@link #newInstance}. Give it to {@link #finished} when it is done.
   */
  Instance newTaskInstance(WasiPreview1 wasi) {
    LoadedModule.Plan plan = loaded.plan(engine);
    Shared s = shared(plan.module());
    if (s.template == null) {
      return newInstance(wasi);
    }
    InstanceTemplate template = s.template;
    Instance.Builder builder = Instance.builder(plan.module())
        .withImportValues(s.imports)
        .withMemoryFactory(l -> template.memory(wasi))
        .withMemoryLimits(memoryLimits.orElseThrow())
        .withStart(false)
        .withMachineFactory(plan.factory() != null ? plan.factory() : FrameRecordingInterpreter::new);
    lastInstanceCompiled = plan.factory() != null;
    try {
      return builder.build();
    } catch (RuntimeException | StackOverflowError e) {
      throw Guest.translate(e, "instantiation of " + artifact.source(), plan.module());
    }
  }

  /**
   * Takes back an instance of {@link #newTaskInstance} that will not be called again: its memory is
   * wiped back to the initial image at once and kept for a later instance.
   */
  void finished(Instance instance) {
    Shared s = shared;
    if (s != null && s.template != null && instance != null) {
      s.template.recycle(instance.memory());
    }
  }

  private Shared shared(WasmModule module) {
    Shared s = shared;
    if (s != null && s.module == module) {
      return s;
    }
    InstanceTemplate template = wasiListener != null || memoryLimits.isEmpty() ? null
        : InstanceTemplate.of(module, memoryLimits.get()).orElse(null);
    ImportValues imports = null;
    if (template != null) {
      List<ImportFunction> functions = new ArrayList<>(hostFunctions);
      if (wasi) {
        for (ImportFunction f : template.hostFunctions()) {
          if (!hostFunctionNames.contains(f.module() + "\u0000" + f.name())) {
            functions.add(f); // the caller's functions win over WASI's for the same name
          }
        }
      }
      Linker.checkImports(module, functions);
      imports = ImportValues.builder().withFunctions(functions).build();
    }
    s = new Shared(module, template, imports);
    shared = s;
    return s;
  }

  /**
   * Chicory's withMemoryLimits replaces the module's declared limits, so the effective maximum is
   * computed here: the lower of the module's maximum and the caller's cap.
   */
  private static Optional<MemoryLimits> memoryLimits(WasmModule module, Limits limits) {
    if (module.memorySection().isEmpty() || module.memorySection().get().memoryCount() == 0) {
      return Optional.empty();
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
    return Optional.of(new MemoryLimits(declared.initialPages(), max, declared.shared()));
  }
}
