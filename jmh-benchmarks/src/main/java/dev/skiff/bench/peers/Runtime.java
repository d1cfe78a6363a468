package dev.skiff.bench.peers;

import dev.skiff.testsupport.Fixtures;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The runtimes compared, by the names used as JMH parameter values and in the report. Only modules
 * without imports (the compute kernels and the request handler) go through this common interface;
 * WASI work is benchmarked per runtime with each runtime's own WASI.
 */
public enum Runtime {
  SKIFF_COMPILER("skiff-compiler"),
  /**
   * Skiff's compiled code once an instance's memory has grown page by page for a while, as real
   * programs' heaps do: from then on the module's code tests every load's and store's address against
   * the memory's size, also in new instances, whose memories start exact (see
   * {@link SkiffPeer#endExactnessAsAGrowingHeapDoes}). That is the module's state, not the JVM's: the
   * other runtimes' rows are not affected. Not a default parameter value, to keep the default runs'
   * length; scripts/bench runs it for the kernel suites.
   */
  SKIFF_COMPILER_GROWN("skiff-compiler-grown"),
  /**
   * Skiff's compiled code after another module's memory has grown as {@link #SKIFF_COMPILER_GROWN}'s
   * does, in the same JVM: what a service running many guests gets when one of them grows its heap.
   * Opt-in like that runtime.
   */
  SKIFF_COMPILER_NEIGHBOUR_GROWN("skiff-compiler-neighbour-grown"),
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
   * Loads {@code wasm} with this runtime; for {@link #SKIFF_COMPILER_GROWN}, then grows one instance's
   * memory until the module's code tests sizes; for {@link #SKIFF_COMPILER_NEIGHBOUR_GROWN}, first does
   * so to another module.
   */
  public PeerModule load(Path wasm) {
    switch (this) {
      case SKIFF_COMPILER:
        return new SkiffPeer(wasm, dev.skiff.Engine.COMPILER);
      case SKIFF_COMPILER_GROWN:
        return compiledSkiff(wasm, SkiffPeer::endExactnessAsAGrowingHeapDoes);
      case SKIFF_COMPILER_NEIGHBOUR_GROWN:
        // a load of its own, even when the measured module is the same file
        try (SkiffPeer neighbour = new SkiffPeer(Fixtures.wasm("bench/kernels.wasm"), dev.skiff.Engine.COMPILER)) {
          neighbour.endExactnessAsAGrowingHeapDoes();
        }
        return compiledSkiff(wasm, SkiffPeer::checkStillExact);
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

  /** Skiff's compiler on {@code wasm}, after {@code prepare}; closed if that fails. */
  private static SkiffPeer compiledSkiff(Path wasm, Consumer<SkiffPeer> prepare) {
    SkiffPeer peer = new SkiffPeer(wasm, dev.skiff.Engine.COMPILER);
    try {
      prepare.accept(peer);
    } catch (RuntimeException e) {
      peer.close();
      throw e;
    }
    return peer;
  }
}
