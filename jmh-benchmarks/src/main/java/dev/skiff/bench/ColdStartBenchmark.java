package dev.skiff.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.skiff.Engine;
import dev.skiff.RunResult;
import dev.skiff.Skiff;
import dev.skiff.bench.peers.Polyglot;
import dev.skiff.oci.OciLayout;
import dev.skiff.oci.PullPolicy;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestFiles;
import dev.skiff.testsupport.TestImages;
import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Linker;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.wasi.WasiCtx;
import io.github.kawamuray.wasmtime.wasi.WasiCtxBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cold start, single shot with fresh state per measurement: from nothing to {@code _start} finished
 * for a small C command ({@code bench/small.wasm}, 28 KB) and a large one ({@code bench/large.wasm},
 * 1.36 MB of code). In a running JVM (its classes loaded by the warm-up shots); whole-process start
 * is the CLI's figure.
 *
 * <ul>
 *   <li>{@code skiff-registry}: new {@link Skiff} on an empty store, pull from a real loopback
 *       registry, run (default engine AUTO: interprets while compiling in the background).
 *   <li>{@code skiff-store}: new Skiff, the blob already in the store, no compiled-code cache.
 *   <li>{@code skiff-cache}: new Skiff, blob in the store and the compiled-code cache filled.
 *   <li>{@code chicory-interpreter}, {@code chicory-compiler}: the baseline, raw Chicory parsing the
 *       same file and running it with Chicory's own WASI (and its runtime compiler).
 *   <li>{@code wasmtime}: new Engine, compile (Cranelift), run with wasmtime's WASI;
 *       {@code graalwasm} (JDK 21+): new Context, parse, run.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 6)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m"})
public class ColdStartBenchmark {
  /** The guest's arguments after argv[0]. */
  static final List<String> ARGS = List.of("a", "b", "c");

  @Param({"small", "large"})
  public String size;

  @Param({"skiff-registry", "skiff-store", "skiff-cache", "chicory-interpreter", "chicory-compiler", "wasmtime"})
  public String runtime;

  private RegistryExtension registry;
  private Path wasm;
  private Path work;
  private Path sharedStore;
  private Path iterationStore;
  private String reference;
  private int iteration;

  /** Starts the registry and fills the shared store (and compiled-code cache) when needed. */
  @Setup(Level.Trial)
  public void setUpTrial() throws IOException, InterruptedException {
    wasm = Fixtures.wasm("bench/" + size + ".wasm");
    work = Files.createTempDirectory("skiff-cold-");
    if (runtime.startsWith("skiff-")) {
      registry = RegistryExtension.anonymous();
      registry.start();
      TestImages.pushCncfArtifact(registry, "bench/" + size + ":1", wasm, OciLayout::writeWasmArtifact);
      reference = registry.host() + "/bench/" + size + ":1";
      sharedStore = work.resolve("shared-store");
      if (runtime.equals("skiff-store")) {
        try (Skiff skiff = Skiff.builder().store(sharedStore).compiledCodeCache(false).build()) {
          skiff.pull(reference);
        }
      } else if (runtime.equals("skiff-cache")) {
        try (Skiff skiff = Skiff.builder().store(sharedStore).engine(Engine.COMPILER).build()) {
          check(skiff.pull(reference).runner().args(ARGS).run().exitCode());
        }
      }
    }
  }

  /** A fresh empty store for each shot of skiff-registry. */
  @Setup(Level.Iteration)
  public void setUpIteration() {
    iterationStore = work.resolve("store-" + iteration++);
  }

  /** Lets background compilation of the last shot finish, so it does not steal the next shot's CPU. */
  @TearDown(Level.Iteration)
  public void tearDownIteration() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().startsWith("skiff-compiler") && t.isAlive())) {
      Thread.sleep(20);
    }
    TestFiles.deleteTree(iterationStore);
  }

  /** Stops the registry and deletes the stores. */
  @TearDown(Level.Trial)
  public void tearDownTrial() {
    if (registry != null) {
      registry.stop();
    }
    TestFiles.deleteTree(work);
  }

  /** From nothing to the guest's {@code _start} done; returns the exit code (always 0). */
  @Benchmark
  public int coldStart() throws IOException {
    switch (runtime) {
      case "skiff-registry":
        return skiff(Skiff.builder().store(iterationStore));
      case "skiff-store":
        return skiff(Skiff.builder().store(sharedStore).pullPolicy(PullPolicy.IF_NOT_PRESENT)
            .compiledCodeCache(false));
      case "skiff-cache":
        return skiff(Skiff.builder().store(sharedStore).pullPolicy(PullPolicy.IF_NOT_PRESENT));
      case "chicory-interpreter":
        return chicory(wasm, false);
      case "chicory-compiler":
        return chicory(wasm, true);
      case "wasmtime":
        return wasmtime(wasm);
      case "graalwasm":
        return graalwasm(wasm);
      default:
        throw new IllegalArgumentException("Unknown runtime " + runtime);
    }
  }

  private int skiff(Skiff.Builder builder) {
    try (Skiff skiff = builder.build()) {
      RunResult result = skiff.pull(reference).runner().args(ARGS).run();
      return check(result.exitCode());
    }
  }

  /** Raw Chicory: parse the file, link Chicory's WASI, run {@code _start}. */
  static int chicory(Path wasm, boolean compile) {
    WasmModule module = Parser.parse(wasm);
    WasiOptions options = WasiOptions.builder()
        .withArguments(List.of("prog", "a", "b", "c"))
        .withStdout(OutputStream.nullOutputStream())
        .withStderr(OutputStream.nullOutputStream())
        .build();
    try (WasiPreview1 wasi = WasiPreview1.builder().withOptions(options).build()) {
      Instance.Builder builder = Instance.builder(module)
          .withImportValues(ImportValues.builder().addFunction(wasi.toHostFunctions()).build())
          .withStart(false);
      if (compile) {
        builder.withMachineFactory(MachineFactoryCompiler.compile(module));
      }
      Instance instance = builder.build();
      try {
        instance.export("_start").apply();
      } catch (WasiExitException e) {
        return check(e.exitCode());
      }
      return 0;
    }
  }

  /** wasmtime-java: new Engine, compile, WASI context with stdout to /dev/null, run {@code _start}. */
  static int wasmtime(Path wasm) throws IOException {
    byte[] bytes = Files.readAllBytes(wasm);
    try (io.github.kawamuray.wasmtime.Engine engine = new io.github.kawamuray.wasmtime.Engine();
         Module module = Module.fromBinary(engine, bytes);
         WasiCtx wasi = new WasiCtxBuilder().arg("prog").args(List.of("a", "b", "c"))
             .stdout(Path.of("/dev/null")).stderr(Path.of("/dev/null")).build();
         Store<Void> store = new Store<>(null, engine, wasi);
         Linker linker = new Linker(engine)) {
      WasiCtx.addToLinker(linker);
      linker.module(store, "", module);
      Extern start = linker.get(store, "", "_start").orElseThrow();
      try (var func = start.func()) {
        func.call(store);
      }
      return 0;
    }
  }

  /** GraalWasm: new Context with its WASI builtins, parse, instantiate, run {@code _start}. */
  static int graalwasm(Path wasm) throws IOException {
    Object source = Polyglot.source(Files.readAllBytes(wasm), "main");
    Object context = Polyglot.newContext(null, true, new String[] {"prog", "a", "b", "c"},
        OutputStream.nullOutputStream(), new String[0]);
    try {
      Object exports = Polyglot.instantiate(context, source);
      try {
        Polyglot.execute(Polyglot.member(exports, "_start"));
      } catch (RuntimeException e) {
        if (!Polyglot.isExit(e, 0)) {
          throw e;
        }
      }
      return 0;
    } finally {
      Polyglot.closeContext(context);
    }
  }

  static int check(int exitCode) {
    if (exitCode != 0) {
      throw new IllegalStateException("The guest exited with " + exitCode);
    }
    return exitCode;
  }
}
