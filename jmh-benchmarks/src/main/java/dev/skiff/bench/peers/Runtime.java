package dev.skiff.bench.peers;

import java.nio.file.Path;

/**
 * The runtimes compared, by the names used as JMH parameter values and in the report. Only modules
 * without imports (the compute kernels and the request handler) go through this common interface;
 * WASI work is benchmarked per runtime with each runtime's own WASI.
 */
public enum Runtime {
  SKIFF_COMPILER("skiff-compiler"),
  /**
   * Skiff's compiled code once a guest's memory has grown page by page for a while, as real programs'
   * heaps do: memories then keep room to grow into, and every load and store tests its address against
   * the memory's size (see {@link SkiffPeer#endExactnessAsAGrowingGuestDoes}). The whole JVM is in that
   * state from then on, so this is no default parameter value: a JVM that ran it measures nothing else
   * in the exact state (scripts/bench runs it in forks of its own, the tests in a JVM of their own).
   */
  SKIFF_COMPILER_GROWN("skiff-compiler-grown"),
  SKIFF_INTERPRETER("skiff-interpreter"),
  CHICORY_COMPILER("chicory-compiler"),
  CHICORY_INTERPRETER("chicory-interpreter"),
  WASMTIME("wasmtime"),
  GRAALWASM("graalwasm");

  private final String id;

  Runtime(String id) {
    this.id = id;
  }

  /** The parameter value, for example {@code skiff-compiler}. */
  public String id() {
    return id;
  }

  /** Whether this runtime interprets the module (a run of a real program takes it minutes). */
  public boolean interprets() {
    return this == SKIFF_INTERPRETER || this == CHICORY_INTERPRETER;
  }

  /** The runtime named {@code id}. */
  public static Runtime of(String id) {
    for (Runtime r : values()) {
      if (r.id.equals(id)) {
        return r;
      }
    }
    throw new IllegalArgumentException("Unknown runtime '" + id + "'");
  }

  /**
   * Loads {@code wasm} with this runtime; for {@link #SKIFF_COMPILER_GROWN}, first ends flat memories'
   * exactness for the whole JVM.
   */
  public PeerModule load(Path wasm) {
    switch (this) {
      case SKIFF_COMPILER:
        return new SkiffPeer(wasm, dev.skiff.Engine.COMPILER);
      case SKIFF_COMPILER_GROWN:
        SkiffPeer.endExactnessAsAGrowingGuestDoes();
        return new SkiffPeer(wasm, dev.skiff.Engine.COMPILER);
      case SKIFF_INTERPRETER:
        return new SkiffPeer(wasm, dev.skiff.Engine.INTERPRETER);
      case CHICORY_COMPILER:
        return new ChicoryPeer(wasm, true);
      case CHICORY_INTERPRETER:
        return new ChicoryPeer(wasm, false);
      case WASMTIME:
        return new WasmtimePeer(wasm);
      case GRAALWASM:
        return new GraalWasmPeer(wasm);
      default:
        throw new AssertionError(this);
    }
  }
}
