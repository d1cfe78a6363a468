package dev.skiff;

/** A valid module that uses a feature Chicory cannot run (for example the legacy exception-handling opcodes). */
public final class UnsupportedModuleException extends SkiffException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception with a message that says what failed and what to do.
   *
   * @param message what failed, on what input, and what to do next
   */
  public UnsupportedModuleException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a message and the failure that caused it.
   *
   * @param message what failed, on what input, and what to do next
   * @param cause the underlying failure
   */
  public UnsupportedModuleException(String message, Throwable cause) {
    super(message, cause);
  }
}
