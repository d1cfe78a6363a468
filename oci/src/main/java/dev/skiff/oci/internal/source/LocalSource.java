package dev.skiff.oci.internal.source;

import dev.skiff.oci.PullListener;
import dev.skiff.oci.internal.format.Descriptor;
import dev.skiff.oci.internal.store.BlobStore;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** An image unpacked in a local directory (an OCI layout or a docker-save archive), copied into the store on pull. */
public abstract class LocalSource implements Source {
  protected final Path dir;
  protected final String tag;
  protected final BlobStore store;
  protected final PullListener listener;
  protected final String label;

  protected LocalSource(Path dir, String tag, BlobStore store, PullListener listener, String label) {
    this.dir = dir;
    this.tag = tag;
    this.store = store;
    this.listener = listener;
    this.label = label;
  }

  @Override
  public String describe() {
    return label;
  }

  /** Copies the local file holding {@code d} into the store, verified as any download is. */
  protected Path storeCopy(Descriptor d, Path file) {
    return store.ensure(d.digest(), d.size(), listener, pending -> {
      try (InputStream in = Files.newInputStream(file)) {
        pending.writeAll(in);
      }
    });
  }
}
