package dev.skiff.internal;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import dev.skiff.Engine;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A parsed module and, once compiled, its machine factory: shared by every instance of the same module
 * digest so that instantiating again skips parsing and compiling.
 */
public final class LoadedModule {
  private static final System.Logger LOG = System.getLogger(LoadedModule.class.getName());

  private final WasmModule module;
  private final String digest;
  private final CompiledCodeCache diskCache;
  private final Executor background;
  private volatile Function<Instance, Machine> compiled;
  private CompletableFuture<Function<Instance, Machine>> compiling;

  public LoadedModule(WasmModule module, String digest, CompiledCodeCache diskCache, Executor background) {
    this.module = module;
    this.digest = digest;
    this.diskCache = diskCache;
    this.background = background;
  }

  public WasmModule module() {
    return module;
  }

  public String digest() {
    return digest;
  }

  /**
   * The machine factory for a new instance under {@code engine}, or null for Chicory's interpreter.
   * AUTO never waits for a fresh compilation: it uses compiled code that is in memory or in the disk
   * cache (loading a cached jar takes milliseconds) and otherwise starts a background compile.
   */
  public Function<Instance, Machine> machineFactory(Engine engine) {
    switch (engine) {
      case INTERPRETER:
        return null;
      case COMPILER:
        return compileNow();
      case AUTO:
      default:
        Function<Instance, Machine> ready = compiled;
        if (ready != null) {
          return ready;
        }
        if (diskCache != null && diskCache.contains(module.digest())) {
          return compileNow();
        }
        compileInBackground();
        return null;
    }
  }

  /** Whether compiled code is ready in memory. */
  public boolean isCompiled() {
    return compiled != null;
  }

  /** Waits at most {@code timeout} for a background compilation under way; whether code is ready. */
  public boolean awaitCompiled(Duration timeout) {
    CompletableFuture<Function<Instance, Machine>> running;
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

  /** Compiles (or joins a running compilation) and returns the factory. */
  public Function<Instance, Machine> compileNow() {
    Function<Instance, Machine> ready = compiled;
    if (ready != null) {
      return ready;
    }
    CompletableFuture<Function<Instance, Machine>> running;
    synchronized (this) {
      running = compiling;
    }
    if (running != null) {
      return running.join();
    }
    synchronized (this) {
      if (compiled == null) {
        compiled = compile();
      }
      return compiled;
    }
  }

  /** Starts compiling on the background executor unless done or under way; returns its future. */
  public synchronized CompletableFuture<Function<Instance, Machine>> compileInBackground() {
    if (compiled != null) {
      return CompletableFuture.completedFuture(compiled);
    }
    if (compiling == null) {
      compiling = CompletableFuture.supplyAsync(() -> {
        Function<Instance, Machine> factory = compile();
        compiled = factory;
        return factory;
      }, background);
      compiling.whenComplete((f, e) -> {
        if (e != null) {
          LOG.log(Level.WARNING, "Background compilation of " + digest
              + " failed; instances keep using the interpreter", e);
        }
      });
    }
    return compiling;
  }

  private Function<Instance, Machine> compile() {
    long start = System.nanoTime();
    MachineFactoryCompiler.Builder builder = MachineFactoryCompiler.builder(module)
        // functions too large for the JVM fall back to the interpreter instead of failing
        .withInterpreterFallback(InterpreterFallback.SILENT);
    if (diskCache != null) {
      builder.withCache(diskCache);
    }
    Function<Instance, Machine> factory = builder.compile();
    LOG.log(Level.DEBUG, () -> "Compiled " + digest + " in "
        + (System.nanoTime() - start) / 1_000_000 + " ms");
    return factory;
  }
}
