package dev.skiff.oci.internal.format;

import java.util.Map;

/** An OCI content descriptor; {@code platform} only on index entries. */
public record Descriptor(String mediaType, String digest, long size, Platform platform, Map<String, String> annotations) {
  public Descriptor {
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  /** A platform of an index entry. */
  public record Platform(String os, String architecture, String variant) {
    @Override
    public String toString() {
      return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
    }
  }
}
