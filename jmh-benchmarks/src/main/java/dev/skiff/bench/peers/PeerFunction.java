package dev.skiff.bench.peers;

/** An exported function taking i32 arguments and returning one i32 or i64 (widened to long). */
@FunctionalInterface
public interface PeerFunction {
  /** Calls the function. */
  long call(int... args);
}
