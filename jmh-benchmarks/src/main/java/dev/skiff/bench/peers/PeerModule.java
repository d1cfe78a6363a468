package dev.skiff.bench.peers;

/**
 * One Wasm module loaded (parsed, compiled as the runtime does) by one runtime, ready to be
 * instantiated many times: the unit every throughput benchmark shares between runtimes.
 */
public interface PeerModule extends AutoCloseable {
  /** A fresh instance; reactors have run {@code _initialize}. */
  PeerInstance instantiate();

  @Override
  void close();
}
