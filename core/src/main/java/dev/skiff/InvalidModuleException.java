package dev.skiff;

/** The bytes are not a valid WebAssembly module. */
public final class InvalidModuleException extends SkiffException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception with a message that says what failed and what to do.
   *
   * @param message what failed, on what input, and what to do next
   */
  public InvalidModuleException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a message and the failure that caused it.
   *
   * @param message what failed, on what input, and what to do next
   * @param cause the underlying failure
   */
  public InvalidModuleException(String message, Throwable cause) {
    super(message, cause);
  }
}
