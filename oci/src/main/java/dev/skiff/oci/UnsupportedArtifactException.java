package dev.skiff.oci;

/**
 * The content is well-formed but is not something Skiff can run: a Wasm component (preview 2), a Spin app,
 * a Linux image, an unknown layer media type, or an index without a Wasm platform.
 */
public class UnsupportedArtifactException extends OciException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the failure.
   *
   * @param message what was found and why it is refused
   */
  public UnsupportedArtifactException(String message) {
    super(message);
  }
}
