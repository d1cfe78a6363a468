package dev.skiff.oci;

import java.nio.file.Path;

/**
 * Not a test: the child process of {@link LargeLayerTest}, run with a small heap. Pulls one reference
 * into a store, pushes the module to a second reference, and prints
 * {@code moduleDigest size maxHeapBytes pushedManifestDigest}.
 */
public final class BigPullMain {
  private BigPullMain() {}

  public static void main(String[] args) {
    try (OciClient c = OciClient.builder().store(Path.of(args[1])).build()) {
      PulledModule m = c.pull(args[0]);
      String pushed = c.push(m.modulePath(), args[2]);
      System.out.println(m.moduleDigest() + " " + m.modulePath().toFile().length() + " "
          + Runtime.getRuntime().maxMemory() + " " + pushed);
    }
  }
}
