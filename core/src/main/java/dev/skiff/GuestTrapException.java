package dev.skiff;

/** The guest trapped (unreachable, out-of-bounds access, stack exhaustion, ...); the instance must not be used again. */
public final class GuestTrapException extends SkiffException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception with a message that says what failed and what to do.
   *
   * @param message what failed, on what input, and what to do next
   */
  public GuestTrapException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a message and the failure that caused it.
   *
   * @param message what failed, on what input, and what to do next
   * @param cause the underlying failure
   */
  public GuestTrapException(String message, Throwable cause) {
    super(message, cause);
  }
}
