package dev.skiff.wasi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A host directory the guest sees under {@code guestPath}. The guest cannot reach anything outside
 * {@code hostPath}: {@code ..}, absolute paths and symbolic links that lead out fail with
 * {@code EPERM}.
 *
 * @param guestPath the name the guest sees, for example {@code "/data"} or {@code "."}
 * @param hostPath the directory on any {@link java.nio.file.FileSystem}
 * @param access what the guest may do inside
 */
public record Preopen(String guestPath, Path hostPath, Access access) {

  /**
   * Validates the components.
   *
   * @param guestPath the name the guest sees, not empty
   * @param hostPath the host directory
   * @param access what the guest may do inside
   */
  public Preopen {
    Objects.requireNonNull(guestPath, "guestPath");
    Objects.requireNonNull(hostPath, "hostPath");
    Objects.requireNonNull(access, "access");
    if (guestPath.isEmpty() || guestPath.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("guestPath must be non-empty without NUL, got \"" + guestPath + "\"");
    }
  }
}
