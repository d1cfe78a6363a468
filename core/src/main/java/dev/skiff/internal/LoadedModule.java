package dev.skiff.internal;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.skiff.Engine;
import dev.skiff.StoreException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One module digest as the runtime sees it, shared by every artifact and instance of that digest. Nothing
 * is parsed until needed: a pull only verifies and stores. When compiled code is in the disk cache, only
 * its stub module is parsed and the full module never is; otherwise the full module is parsed once
 * (validated only the first time this Chicory version sees the digest).
 */
public final class LoadedModule {
  private static final System.Logger LOG = System.getLogger(LoadedModule.class.getName());

  /** What an instance is built from: the module to give Chicory and its machine factory (null: interpreter). */
  public static final class Plan {
    private final WasmModule module;
    private final Function<Instance, Machine> factory;

    Plan(WasmModule module, Function<Instance, Machine> factory) {
      this.module = module;
      this.factory = factory;
    }

    public WasmModule module() {
      return module;
    }

    public Function<Instance, Machine> factory() {
      return factory;
    }
  }

  private final Path file;
  private final String digest;
  private final CompiledCodeCache diskCache;
  private final Executor background;
  private final boolean backgroundCompile;
  private final Function<RuntimeException, RuntimeException> parseError;
  private volatile WasmModule full;
  private volatile Plan compiled;
  /** The stub module of a cache entry not yet loaded, for imports and exports without a full parse. */
  private volatile WasmModule stub;
  private CompiledCodeCache.Entry stubEntry;
  private CompletableFuture<Plan> compiling;

  /**
   * @param file the verified module bytes in the store
   * @param parseError turns Chicory's parse failures into the caller's typed errors
   */
  public LoadedModule(Path file, String digest, CompiledCodeCache diskCache, Executor background,
      boolean backgroundCompile, Function<RuntimeException, RuntimeException> parseError) {
    this.file = file;
    this.digest = digest;
    this.diskCache = diskCache;
    this.background = background;
    this.backgroundCompile = backgroundCompile;
    this.parseError = parseError;
  }

  public String digest() {
    return digest;
  }

  /**
   * The module for reading its imports, exports, memories and names: the loaded compiled module, else
   * the stub of a cache entry, else the full module.
   */
  public WasmModule module() {
    Plan p = compiled;
    if (p != null) {
      return p.module;
    }
    WasmModule s = stub;
    if (s != null) {
      return s;
    }
    WasmModule f = full;
    if (f != null) {
      return f;
    }
    synchronized (this) {
      if (stub == null && diskCache != null && diskCache.contains(digest)) {
        Optional<CompiledCodeCache.Entry> entry = diskCache.load(digest);
        if (entry.isPresent()) {
          stubEntry = entry.get();
          stub = ModuleCompiler.parseMeta(stubEntry);
        }
      }
      if (stub != null) {
        return stub;
      }
    }
    return fullModule();
  }

  /** The module with every function body, parsed once. */
  public synchronized WasmModule fullModule() {
    if (full == null) {
      byte[] bytes = readModule();
      boolean validated = diskCache != null && diskCache.isValidated(digest);
      try {
        full = Parser.builder().withValidation(!validated).build().parse(() -> new java.io.ByteArrayInputStream(bytes));
      } catch (RuntimeException e) {
        throw parseError.apply(e);
      }
      if (diskCache != null && !validated) {
        diskCache.markValidated(digest);
      }
    }
    return full;
  }

  private byte[] readModule() {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new StoreException("Cannot read the module " + digest + " from the store (" + file + "): "
          + e.getMessage(), e);
    }
  }

  /**
   * What a new instance under {@code engine} is built from. AUTO never waits for a fresh compilation:
   * it uses compiled code in memory or in the disk cache and otherwise interprets, starting a
   * background compile if that is enabled.
   */
  public Plan plan(Engine engine) {
    switch (engine) {
      case INTERPRETER:
        return new Plan(fullModule(), null);
      case COMPILER:
        return compileNow();
      case AUTO:
      default:
        Plan ready = compiled != null ? compiled : loadCached();
        if (ready != null) {
          return ready;
        }
        if (backgroundCompile) {
          compileInBackground();
        }
        return new Plan(fullModule(), null);
    }
  }

  /** Compiled code from the disk cache, loaded once; null when there is none that can be trusted. */
  private synchronized Plan loadCached() {
    if (compiled != null || diskCache == null) {
      return compiled;
    }
    CompiledCodeCache.Entry entry = stubEntry;
    WasmModule module = stub;
    stub = null;
    stubEntry = null;
    if (entry == null && diskCache.contains(digest)) {
      entry = diskCache.load(digest).orElse(null);
    }
    if (entry == null) {
      return null;
    }
    try {
      if (module == null) { // the stub, not the full module: the code may be for the module split
        module = ModuleCompiler.parseMeta(entry);
      }
      compiled = new Plan(module, ModuleCompiler.factory(entry, module, digest));
    } catch (RuntimeException e) { // passed its checksums yet does not load: never use it
      LOG.log(Level.WARNING, "Ignoring compiled code of " + digest + " that does not load: " + e.getMessage());
      diskCache.discard(digest);
    }
    return compiled;
  }

  /** Whether compiled code is ready in memory. */
  public boolean isCompiled() {
    return compiled != null;
  }

  /** Waits at most {@code timeout} for a background compilation under way; whether code is ready. */
  public boolean awaitCompiled(Duration timeout) {
    CompletableFuture<Plan> running;
    synchronized (this) {
      if (compiled != null) {
        return true;
      }
      running = compiling;
    }
    if (running == null) {
      return false;
    }
    try {
      running.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return false; // a failed compile was logged; instances keep the interpreter
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Compiled code now: from memory, the disk cache, a compile under way, or a fresh compile. */
  public Plan compileNow() {
    Plan ready = compiled != null ? compiled : loadCached();
    if (ready != null) {
      return ready;
    }
    CompletableFuture<Plan> running;
    synchronized (this) {
      running = compiling;
    }
    if (running != null) {
      return running.join();
    }
    return compile();
  }

  /** Starts compiling on the background executor unless done or under way; returns its future. */
  public synchronized CompletableFuture<Plan> compileInBackground() {
    if (compiled != null) {
      return CompletableFuture.completedFuture(compiled);
    }
    if (compiling == null && diskCache != null && diskCache.hasFailed(digest)) {
      // a compile of this module ran out of its bounds before: interpret rather than fail again
      return CompletableFuture.failedFuture(new IllegalStateException("compiling " + digest + " failed before"));
    }
    if (compiling == null) {
      compiling = CompletableFuture.supplyAsync(this::compile, background);
      compiling.whenComplete((f, e) -> {
        if (e != null) {
          LOG.log(Level.WARNING, "Background compilation of " + digest
              + " failed; instances keep using the interpreter", e);
        }
      });
    }
    return compiling;
  }

  /**
   * Compiles under the module's lock, so no two threads or processes compile one digest at once: a
   * compile that finds the lock held waits for it and then uses the entry the holder wrote.
   */
  private Plan compile() {
    long start = System.nanoTime();
    WasmModule module = fullModule();
    CompiledCodeCache.Entry entry;
    if (diskCache == null) {
      ModuleCompiler.Compiled done = ModuleCompiler.compile(module, readModule());
      entry = done.entry();
      module = done.module();
    } else {
      try (CompiledCodeCache.Lock lock = lockWaiting()) {
        Plan cached = loadCached();
        if (cached != null) {
          return cached;
        }
        try {
          ModuleCompiler.Compiled done = ModuleCompiler.compile(module, readModule());
          entry = done.entry();
          module = done.module();
        } catch (RuntimeException | OutOfMemoryError e) {
          diskCache.markFailed(digest);
          throw e;
        }
        diskCache.store(digest, entry);
      } catch (IOException e) {
        throw new StoreException("Cannot write compiled code of " + digest + " to "
            + diskCache.directory() + ": " + e.getMessage(), e);
      }
    }
    Plan plan = new Plan(module, ModuleCompiler.factory(entry, module, digest));
    synchronized (this) {
      if (compiled == null) {
        compiled = plan;
      }
    }
    LOG.log(Level.DEBUG, () -> "Compiled " + digest + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
    return compiled;
  }

  private CompiledCodeCache.Lock lockWaiting() throws IOException {
    long waitMs = 10;
    while (true) {
      CompiledCodeCache.Lock lock = diskCache.tryLock(digest);
      if (lock != null) {
        return lock;
      }
      try {
        Thread.sleep(waitMs); // another compile of this digest is under way; its entry will do
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while another compile of " + digest + " held its lock", e);
      }
      waitMs = Math.min(waitMs * 2, 500);
    }
  }
}
