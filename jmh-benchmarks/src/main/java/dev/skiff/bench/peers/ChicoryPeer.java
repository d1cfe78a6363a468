package dev.skiff.bench.peers;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Raw Chicory as a user of plain Chicory writes it: parse once, compile once (compiler) or not
 * (interpreter), then {@code Instance.builder(module)} per instance.
 */
final class ChicoryPeer implements PeerModule {
  private final WasmModule module;
  private final Function<Instance, Machine> factory;
  private final boolean hasInitialize;

  ChicoryPeer(Path wasm, boolean compiled) {
    this.module = Parser.parse(wasm);
    this.factory = compiled ? MachineFactoryCompiler.compile(module) : null;
    boolean init = false;
    for (int i = 0; i < module.exportSection().exportCount(); i++) {
      init |= module.exportSection().getExport(i).name().equals("_initialize");
    }
    this.hasInitialize = init;
  }

  @Override
  public PeerInstance instantiate() {
    Instance.Builder builder = Instance.builder(module).withStart(false);
    if (factory != null) {
      builder.withMachineFactory(factory);
    }
    Instance instance = builder.build();
    if (hasInitialize) {
      instance.export("_initialize").apply();
    }
    return new PeerInstance() {
      @Override
      public PeerFunction function(String name) {
        ExportFunction f = instance.export(name);
        return args -> {
          long[] raw = new long[args.length];
          for (int i = 0; i < args.length; i++) {
            raw[i] = args[i];
          }
          long[] result = f.apply(raw);
          return result == null || result.length == 0 ? 0 : result[0];
        };
      }

      @Override
      public void write(int address, byte[] bytes) {
        instance.memory().write(address, bytes);
      }

      @Override
      public byte[] read(int address, int length) {
        return instance.memory().readBytes(address, length);
      }

      @Override
      public void close() {
        // Chicory instances hold no resources beyond the heap
      }
    };
  }

  @Override
  public void close() {}
}
