package dev.skiff;

/** A registry could not be reached, refused the credentials, or does not have the image; also an offline pull that misses the local store. */
public final class RegistryException extends SkiffException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception with a message that says what failed and what to do.
   *
   * @param message what failed, on what input, and what to do next
   */
  public RegistryException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a message and the failure that caused it.
   *
   * @param message what failed, on what input, and what to do next
   * @param cause the underlying failure
   */
  public RegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
