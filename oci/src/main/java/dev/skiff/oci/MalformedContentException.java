package dev.skiff.oci;

/**
 * Content is malformed or hostile: invalid or oversized manifests, index cycles, tar entries escaping
 * the root, links outside, device files, truncated archives, decompression bombs.
 */
public class MalformedContentException extends OciException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the failure.
   *
   * @param message what is wrong and where
   */
  public MalformedContentException(String message) {
    super(message);
  }

  /**
   * Creates the failure with a cause.
   *
   * @param message what is wrong and where
   * @param cause the parser failure
   */
  public MalformedContentException(String message, Throwable cause) {
    super(message, cause);
  }
}
