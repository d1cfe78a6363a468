package dev.skiff.oci;

import java.util.List;
import java.util.Optional;

/**
 * What a source holds, resolved without downloading layers: digests, platforms of an index, the chosen
 * manifest's media types and layers, the image configuration, and whether Skiff can run it.
 */
public final class ImageInfo {
  /**
   * A layer of the chosen manifest.
   *
   * @param digest the layer digest
   * @param mediaType the layer media type
   * @param size the size in bytes
   */
  public record Layer(String digest, String mediaType, long size) {}

  private final String source;
  private final String indexDigest;
  private final List<String> platforms;
  private final String platform;
  private final String manifestDigest;
  private final String manifestMediaType;
  private final String configDigest;
  private final String configMediaType;
  private final List<Layer> layers;
  private final ImageConfig config;
  private final Packaging packaging;
  private final String refusal;

  ImageInfo(String source, String indexDigest, List<String> platforms, String platform, String manifestDigest,
      String manifestMediaType, String configDigest, String configMediaType, List<Layer> layers, ImageConfig config,
      Packaging packaging, String refusal) {
    this.source = source;
    this.indexDigest = indexDigest;
    this.platforms = List.copyOf(platforms);
    this.platform = platform;
    this.manifestDigest = manifestDigest;
    this.manifestMediaType = manifestMediaType;
    this.configDigest = configDigest;
    this.configMediaType = configMediaType;
    this.layers = List.copyOf(layers);
    this.config = config;
    this.packaging = packaging;
    this.refusal = refusal;
  }

  /**
   * The source as given.
   *
   * @return the source string
   */
  public String source() {
    return source;
  }

  /**
   * The index digest, when the source names an index.
   *
   * @return the digest
   */
  public Optional<String> indexDigest() {
    return Optional.ofNullable(indexDigest);
  }

  /**
   * The platforms an index offers, in order ({@code os/arch[/variant]}); empty for a plain manifest.
   *
   * @return the platforms
   */
  public List<String> platforms() {
    return platforms;
  }

  /**
   * The platform chosen from the index.
   *
   * @return {@code os/arch[/variant]}, when an index entry with a platform was chosen
   */
  public Optional<String> platform() {
    return Optional.ofNullable(platform);
  }

  /**
   * The chosen manifest's digest (empty when an index has no Wasm entry).
   *
   * @return the digest
   */
  public Optional<String> manifestDigest() {
    return Optional.ofNullable(manifestDigest);
  }

  /**
   * The chosen manifest's media type.
   *
   * @return the media type
   */
  public Optional<String> manifestMediaType() {
    return Optional.ofNullable(manifestMediaType);
  }

  /**
   * The config blob's digest.
   *
   * @return the digest
   */
  public Optional<String> configDigest() {
    return Optional.ofNullable(configDigest);
  }

  /**
   * The config blob's media type.
   *
   * @return the media type
   */
  public Optional<String> configMediaType() {
    return Optional.ofNullable(configMediaType);
  }

  /**
   * The chosen manifest's layers.
   *
   * @return the layers in order
   */
  public List<Layer> layers() {
    return layers;
  }

  /**
   * The image configuration.
   *
   * @return the configuration ({@link ImageConfig#empty()} when unknown)
   */
  public ImageConfig config() {
    return config;
  }

  /**
   * The packaging, when Skiff can run the content.
   *
   * @return the packaging, or empty when refused (see {@link #refusal()})
   */
  public Optional<Packaging> packaging() {
    return Optional.ofNullable(packaging);
  }

  /**
   * Why Skiff would refuse to run this content.
   *
   * @return the reason, or empty when it can be pulled and run
   */
  public Optional<String> refusal() {
    return Optional.ofNullable(refusal);
  }

  @Override
  public String toString() {
    return "ImageInfo{source=" + source + ", index=" + indexDigest + ", platforms=" + platforms + ", manifest="
        + manifestDigest + ", packaging=" + packaging + (refusal == null ? "" : ", refusal=" + refusal) + "}";
  }
}
