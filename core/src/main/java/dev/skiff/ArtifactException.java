package dev.skiff;

/** The image or file was reached but holds no single usable Wasm module: wrong media types, a digest mismatch, several candidate modules, a component, a hostile archive. */
public final class ArtifactException extends SkiffException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception with a message that says what failed and what to do.
   *
   * @param message what failed, on what input, and what to do next
   */
  public ArtifactException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a message and the failure that caused it.
   *
   * @param message what failed, on what input, and what to do next
   * @param cause the underlying failure
   */
  public ArtifactException(String message, Throwable cause) {
    super(message, cause);
  }
}
