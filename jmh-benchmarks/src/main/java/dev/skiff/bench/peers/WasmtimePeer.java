package dev.skiff.bench.peers;

import io.github.kawamuray.wasmtime.Engine;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * wasmtime-java 0.19.0 (JNI, wasmtime 7): one Engine and compiled Module, a fresh Store per instance
 * (a Store refuses its 10 001st instance, and per-request Stores are wasmtime's recommended pattern).
 */
final class WasmtimePeer implements PeerModule {
  private final Engine engine;
  private final Module module;

  WasmtimePeer(Path wasm) {
    this.engine = new Engine();
    this.module = Module.fromBinary(engine, Files2.read(wasm));
  }

  @Override
  public PeerInstance instantiate() {
    Store<Void> store = new Store<>(null, engine);
    Instance instance = new Instance(store, module, List.of());
    instance.getFunc(store, "_initialize").ifPresent(init -> {
      init.call(store);
      init.close();
    });
    return new PeerInstance() {
      private Memory memory;
      private final java.util.List<Func> funcs = new java.util.ArrayList<>();

      private Memory memory() {
        if (memory == null) {
          memory = instance.getMemory(store, "memory").orElseThrow();
        }
        return memory;
      }

      @Override
      public PeerFunction function(String name) {
        Func f = instance.getFunc(store, name).orElseThrow(
            () -> new IllegalArgumentException("no export " + name));
        funcs.add(f);
        return args -> {
          Val[] vals = new Val[args.length];
          for (int i = 0; i < args.length; i++) {
            vals[i] = Val.fromI32(args[i]);
          }
          Val[] results = f.call(store, vals);
          if (results.length == 0) {
            return 0;
          }
          return results[0].getType() == Val.Type.I64 ? results[0].i64() : results[0].i32();
        };
      }

      @Override
      public void write(int address, byte[] bytes) {
        ByteBuffer buffer = memory().buffer(store);
        buffer.put(address, bytes);
      }

      @Override
      public byte[] read(int address, int length) {
        byte[] out = new byte[length];
        memory().buffer(store).get(address, out);
        return out;
      }

      @Override
      public void close() {
        if (memory != null) {
          memory.close();
        }
        funcs.forEach(Func::close);
        instance.close();
        store.close();
      }
    };
  }

  @Override
  public void close() {
    module.close();
    engine.close();
  }
}
