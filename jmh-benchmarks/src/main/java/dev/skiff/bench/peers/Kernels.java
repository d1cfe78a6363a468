package dev.skiff.bench.peers;

import java.nio.file.Path;

/**
 * The kernel functions of one benchmark trial: exports of a Wasm module in a runtime, or the same C
 * compiled natively (the {@code native} runtime), behind one lookup so a benchmark's set-up does
 * not branch on where they run.
 */
public final class Kernels implements AutoCloseable {
  private final NativeKernels nativeKernels;
  private final PeerModule module;
  private final PeerInstance instance;

  private Kernels(NativeKernels nativeKernels, PeerModule module, PeerInstance instance) {
    this.nativeKernels = nativeKernels;
    this.module = module;
    this.instance = instance;
  }

  /** {@code wasm} in the runtime {@code runtime} ({@link Runtime#of}), or the native harness for "native". */
  public static Kernels open(String runtime, Path wasm) {
    if (runtime.equals("native")) {
      return new Kernels(new NativeKernels(), null, null);
    }
    PeerModule module = Runtime.of(runtime).load(wasm);
    return new Kernels(null, module, module.instantiate());
  }

  /** The function {@code name}, looked up once so calls measure the call only. */
  public PeerFunction function(String name) {
    return nativeKernels != null ? nativeKernels.function(name) : instance.function(name);
  }

  /** Releases the instance and module, or the native process. */
  @Override
  public void close() {
    if (nativeKernels != null) {
      nativeKernels.close();
    }
    if (instance != null) {
      instance.close();
    }
    if (module != null) {
      module.close();
    }
  }
}
