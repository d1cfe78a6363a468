package dev.skiff.bench.peers;

/** One instance of a {@link PeerModule}; single-threaded. */
public interface PeerInstance extends AutoCloseable {
  /** The exported function {@code name}, looked up once so calls measure the call only. */
  PeerFunction function(String name);

  /** Copies bytes into linear memory. */
  void write(int address, byte[] bytes);

  /** Copies bytes out of linear memory. */
  byte[] read(int address, int length);

  @Override
  void close();
}
