package dev.skiff;

/** The guest ran longer than its wall-clock timeout and was interrupted; the instance must not be used again. */
public final class GuestTimeoutException extends SkiffException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception with a message that says what failed and what to do.
   *
   * @param message what failed, on what input, and what to do next
   */
  public GuestTimeoutException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a message and the failure that caused it.
   *
   * @param message what failed, on what input, and what to do next
   * @param cause the underlying failure
   */
  public GuestTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
