package dev.skiff.oci;

import dev.skiff.oci.internal.format.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A verified WebAssembly module and the image metadata a runtime needs. Immutable; the module file lives
 * in the content store and is checked against {@link #moduleDigest()} whenever its bytes are read.
 */
public final class PulledModule {
  private final String source;
  private final Path modulePath;
  private final String moduleDigest;
  private final long moduleSize;
  private final String indexDigest;
  private final String manifestDigest;
  private final String configDigest;
  private final Packaging packaging;
  private final ImageConfig config;
  private final Path rootfs;
  private final String modulePathInImage;

  PulledModule(String source, Path modulePath, String moduleDigest, long moduleSize, String indexDigest,
      String manifestDigest, String configDigest, Packaging packaging, ImageConfig config, Path rootfs,
      String modulePathInImage) {
    this.source = source;
    this.modulePath = modulePath;
    this.moduleDigest = moduleDigest;
    this.moduleSize = moduleSize;
    this.indexDigest = indexDigest;
    this.manifestDigest = manifestDigest;
    this.configDigest = configDigest;
    this.packaging = packaging;
    this.config = config;
    this.rootfs = rootfs;
    this.modulePathInImage = modulePathInImage;
  }

  /**
   * The source string the module was pulled from, as given.
   *
   * @return e.g. {@code ghcr.io/acme/hello:1.0} or {@code oci:/tmp/layout:v1}
   */
  public String source() {
    return source;
  }

  /**
   * The module file in the content store (read-only by convention; never modify it).
   *
   * @return an absolute path
   */
  public Path modulePath() {
    return modulePath;
  }

  /**
   * Reads the module and verifies it against {@link #moduleDigest()}.
   *
   * @return a fresh copy of the module bytes
   * @throws DigestMismatchException when the stored file was altered since the pull
   * @throws OciException when it cannot be read
   */
  public byte[] moduleBytes() {
    byte[] b;
    try {
      b = Files.readAllBytes(modulePath);
    } catch (IOException e) {
      throw new OciException("cannot read module " + moduleDigest + " at " + modulePath + ": " + e.getMessage(), e);
    }
    String actual = Digests.of(Digests.algorithm(moduleDigest), b);
    if (!actual.equals(moduleDigest)) {
      throw new DigestMismatchException(moduleDigest, actual, "module file " + modulePath + " was altered after the "
          + "pull (hashes to " + actual + "); pull it again");
    }
    return b;
  }

  /**
   * The module's digest.
   *
   * @return {@code sha256:...}
   */
  public String moduleDigest() {
    return moduleDigest;
  }

  /**
   * The module's size in bytes.
   *
   * @return the size
   */
  public long moduleSize() {
    return moduleSize;
  }

  /**
   * The digest of the image index the module was chosen from, when there was one.
   *
   * @return the index digest
   */
  public Optional<String> indexDigest() {
    return Optional.ofNullable(indexDigest);
  }

  /**
   * The digest of the image manifest (absent for a bare {@code .wasm}; Skiff's own synthesised manifest for
   * {@code docker-archive:} sources).
   *
   * @return the manifest digest
   */
  public Optional<String> manifestDigest() {
    return Optional.ofNullable(manifestDigest);
  }

  /**
   * The digest of the image config blob, when there was one.
   *
   * @return the config digest
   */
  public Optional<String> configDigest() {
    return Optional.ofNullable(configDigest);
  }

  /**
   * How the module was packaged.
   *
   * @return the packaging
   */
  public Packaging packaging() {
    return packaging;
  }

  /**
   * The image configuration ({@link ImageConfig#empty()} for a bare module).
   *
   * @return the configuration
   */
  public ImageConfig config() {
    return config;
  }

  /**
   * For Docker/OCI images with tar layers: the read-only tree of the applied layers, which a runtime can
   * preopen as {@code /} the way containerd's Wasm shims show the rootfs to the guest.
   *
   * @return the directory, or empty for artifacts and bare modules
   */
  public Optional<Path> rootfs() {
    return Optional.ofNullable(rootfs);
  }

  /**
   * For images: the absolute path of the module inside the image (e.g. {@code /app/hello.wasm}).
   *
   * @return the path inside the image
   */
  public Optional<String> modulePathInImage() {
    return Optional.ofNullable(modulePathInImage);
  }

  @Override
  public String toString() {
    return "PulledModule{source=" + source + ", packaging=" + packaging + ", moduleDigest=" + moduleDigest
        + ", manifestDigest=" + manifestDigest + "}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PulledModule p && p.source.equals(source) && p.moduleDigest.equals(moduleDigest)
        && Objects.equals(p.manifestDigest, manifestDigest) && Objects.equals(p.indexDigest, indexDigest)
        && p.modulePath.equals(modulePath);
  }

  @Override
  public int hashCode() {
    return Objects.hash(source, moduleDigest, manifestDigest, indexDigest, modulePath);
  }
}
