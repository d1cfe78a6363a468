package dev.skiff.oci;

import java.util.List;

/** An image index has no entry for a Wasm platform (or for the platform the caller forced). */
public class NoMatchingPlatformException extends UnsupportedArtifactException {
  private static final long serialVersionUID = 1L;
  /** The available value, kept when serialized. */
  private final List<String> available;

  /**
   * Creates the failure.
   *
   * @param available the platforms the index offers, as {@code os/arch[/variant]}
   * @param message the message
   */
  public NoMatchingPlatformException(List<String> available, String message) {
    super(message);
    this.available = List.copyOf(available);
  }

  /**
   * The platforms the index offers.
   *
   * @return {@code os/arch[/variant]} strings in index order
   */
  public List<String> available() {
    return available;
  }
}
