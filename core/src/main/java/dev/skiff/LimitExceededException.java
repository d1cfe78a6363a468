package dev.skiff;

/**
 * A limit was exceeded: a configured one (such as a module whose initial memory is above the memory
 * cap) or one of Chicory's (a table of more elements, or a memory larger, than it can hold).
 */
public final class LimitExceededException extends SkiffException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception with a message that says what failed and what to do.
   *
   * @param message what failed, on what input, and what to do next
   */
  public LimitExceededException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a message and the failure that caused it.
   *
   * @param message what failed, on what input, and what to do next
   * @param cause the underlying failure
   */
  public LimitExceededException(String message, Throwable cause) {
    super(message, cause);
  }
}
