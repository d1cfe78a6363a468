package dev.skiff;

/**
 * The root of Skiff's operational failures: a registry that refuses, an artifact that holds no usable
 * module, a module that is invalid or cannot be linked, a guest that traps, runs too long or exceeds a
 * limit. Misuse of the API (a null argument, a setting given twice) throws the JDK's exceptions instead.
 *
 * <p>A guest that exits with a non-zero code is not a failure: {@link RunResult#exitCode()} reports it.
 */
public sealed class SkiffException extends RuntimeException
    permits RegistryException, ArtifactException, StoreException, InvalidModuleException,
        UnsupportedModuleException, LinkException, GuestTrapException, GuestTimeoutException,
        LimitExceededException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception with a message that says what failed and what to do.
   *
   * @param message what failed, on what input, and what to do next
   */
  public SkiffException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a message and the failure that caused it.
   *
   * @param message what failed, on what input, and what to do next
   * @param cause the underlying failure
   */
  public SkiffException(String message, Throwable cause) {
    super(message, cause);
  }
}
