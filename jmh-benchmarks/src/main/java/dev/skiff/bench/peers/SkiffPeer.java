package dev.skiff.bench.peers;

import dev.skiff.Engine;
import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.WasmFunction;
import dev.skiff.WasmInstance;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.TestFiles;
import dev.skiff.wasi.internal.FlatMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
   * Runs {@code bench/grow.wasm}, which grows its memory one page at a time, until Skiff stops copying
   * flat memories into arrays of exactly their size (a policy of the whole JVM, see
   * {@link FlatMemory#allExact}), and checks that it has stopped. From one page that takes
   * {@code 2 * EXACT_COPIES + 1} grows. {@link FlatMemory} is skiff-wasi-preview1's internal class,
   * read here only to know the state, as no public API tells it.
   *
   * @throws IllegalStateException if memories are still exact, as when the growth policy has changed
   */
  static void endExactnessAsAGrowingGuestDoes() {
    if (!FlatMemory.allExact()) {
      return;
    }
    int pagesAtMost = 4 * FlatMemory.EXACT_COPIES + 1; // twice what the policy needs, then it has changed
    int pages = 1;
    try (SkiffPeer grower = new SkiffPeer(Fixtures.wasm("bench/grow.wasm"), Engine.COMPILER);
         PeerInstance instance = grower.instantiate()) {
      PeerFunction grow = instance.function("grow");
      while (FlatMemory.allExact() && pages < pagesAtMost) {
        long grown = grow.call(1);
        if (grown < 0) {
          break;
        }
        pages = (int) grown;
      }
    }
    if (FlatMemory.allExact()) {
      throw new IllegalStateException("a guest grew its memory to " + pages + " pages one page at a time and "
          + "flat memories are still exact");
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
