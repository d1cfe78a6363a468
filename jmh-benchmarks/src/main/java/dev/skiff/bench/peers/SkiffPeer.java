package dev.skiff.bench.peers;

import com.dylibso.chicory.runtime.Instance;
import dev.skiff.Engine;
import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.WasmFunction;
import dev.skiff.WasmInstance;
import dev.skiff.testsupport.TestFiles;
import dev.skiff.wasi.internal.ExactnessAssumption;
import dev.skiff.wasi.internal.FlatMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** Skiff through its public API: a {@code .wasm} file pulled into a private store, run by runners. */
final class SkiffPeer implements PeerModule {
  private final Skiff skiff;
  private final WasmArtifact artifact;
  private final Engine engine;
  private final Path store;

  SkiffPeer(Path wasm, Engine engine) {
    try {
      this.store = Files.createTempDirectory("skiff-bench-store-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.engine = engine;
    this.skiff = Skiff.builder().store(store).engine(engine).compiledCodeCache(false).build();
    this.artifact = skiff.pull(wasm.toString());
    if (engine == Engine.COMPILER) {
      artifact.compile();
    }
  }

  /**
   * Grows the memory of one instance of the module, from the host, one page at a time as a growing heap
   * does, until it stops being exact: from then on the module's compiled code tests every address
   * against the memory's size, for every instance (see {@link ExactnessAssumption}). Checks that it
   * does. Other modules' code is not affected. {@link FlatMemory} and the instance's Chicory
   * {@code Instance} (a private field of {@link WasmInstance}) are internals, reached here only to
   * grow the memory and read the state, as no public API does either.
   *
   * @throws IllegalStateException if the module's code still assumes its memories exact, as when the
   *     growth policy has changed
   */
  void endExactnessAsAGrowingHeapDoes() {
    onTheMemoryOfANewInstance(memory -> {
      List<ExactnessAssumption> code = memory.assumptions();
      if (code.isEmpty()) {
        throw new IllegalStateException("the module's compiled code does not rely on its memory");
      }
      // a grow a page, from any size, ends exactness within 2 * EXACT_COPIES + 1 grows: twice that bound
      int growsAtMost = 4 * FlatMemory.EXACT_COPIES + 1;
      int grows = 0;
      while (memory.exact() && grows < growsAtMost) {
        if (memory.grow(1) < 0) {
          break; // at the module's maximum
        }
        grows++;
      }
      if (code.stream().anyMatch(ExactnessAssumption::holds)) {
        throw new IllegalStateException("a memory grew to " + memory.pages() + " pages one page at a time and"
            + " the module's code still assumes its memories exact");
      }
    });
  }

  /**
   * Checks, on one instance, that the module's compiled code still assumes its memories exact.
   *
   * @throws IllegalStateException if it does not, as when another module's growth ended it
   */
  void checkStillExact() {
    onTheMemoryOfANewInstance(memory -> {
      List<ExactnessAssumption> code = memory.assumptions();
      if (code.isEmpty() || !code.stream().allMatch(ExactnessAssumption::holds)) {
        throw new IllegalStateException("the module's compiled code does not assume its memory exact: " + code);
      }
    });
  }

  /** Runs {@code use} on the flat memory of a new instance, closed after it. */
  private void onTheMemoryOfANewInstance(Consumer<FlatMemory> use) {
    try (WasmInstance instance = artifact.runner().engine(engine).instantiate()) {
      Instance chicory;
      try {
        Field field = WasmInstance.class.getDeclaredField("instance");
        field.setAccessible(true);
        chicory = (Instance) field.get(instance);
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new IllegalStateException("no Chicory instance in " + WasmInstance.class + ": " + e, e);
      }
      use.accept((FlatMemory) chicory.memory());
    }
  }

  @Override
  public PeerInstance instantiate() {
    WasmInstance instance = artifact.runner().engine(engine).instantiate();
    return new PeerInstance() {
      @Override
      public PeerFunction function(String name) {
        WasmFunction f = instance.function(name);
        return args -> {
          long[] raw = new long[args.length];
          for (int i = 0; i < args.length; i++) {
            raw[i] = args[i];
          }
          long[] result = f.callRaw(raw);
          return result == null || result.length == 0 ? 0 : result[0];
        };
      }

      @Override
      public void write(int address, byte[] bytes) {
        instance.writeBytes(address, bytes);
      }

      @Override
      public byte[] read(int address, int length) {
        return instance.readBytes(address, length);
      }

      @Override
      public void close() {
        instance.close();
      }
    };
  }

  @Override
  public void close() {
    skiff.close();
    TestFiles.deleteTree(store);
  }
}
