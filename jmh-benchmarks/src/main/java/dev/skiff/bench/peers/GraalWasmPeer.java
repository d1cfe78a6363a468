package dev.skiff.bench.peers;

import java.nio.file.Path;

/**
 * GraalWasm 25.0.2 through the polyglot API: one shared Engine (so compiled code survives across
 * contexts) and a fresh Context per instance, GraalWasm's instance-per-request pattern.
 */
final class GraalWasmPeer implements PeerModule {
  private final Object engine;
  private final Object source;

  GraalWasmPeer(Path wasm) {
    this.engine = Polyglot.newEngine();
    this.source = Polyglot.source(Files2.read(wasm), "m");
  }

  @Override
  public PeerInstance instantiate() {
    Object context = Polyglot.newContext(engine, false, new String[0], null, new String[0]);
    Object exports = Polyglot.instantiate(context, source);
    try {
      Polyglot.execute(Polyglot.member(exports, "_initialize"));
    } catch (IllegalArgumentException noInitialize) {
      // a module without _initialize
    }
    return new PeerInstance() {
      @Override
      public PeerFunction function(String name) {
        Object f = Polyglot.member(exports, name);
        return args -> Polyglot.execute(f, (Object[]) Polyglot.array(args));
      }

      @Override
      public void write(int address, byte[] bytes) {
        Polyglot.writeBuffer(Polyglot.member(exports, "memory"), address, bytes);
      }

      @Override
      public byte[] read(int address, int length) {
        return Polyglot.readBuffer(Polyglot.member(exports, "memory"), address, length);
      }

      @Override
      public void close() {
        Polyglot.closeContext(context);
      }
    };
  }

  @Override
  public void close() {
    Polyglot.closeEngine(engine);
  }
}
