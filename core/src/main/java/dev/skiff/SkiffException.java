package dev.skiff;

/**
 * The root of Skiff's operational failures, one subtype per kind: a source that cannot be pulled
 * ({@link PullException}, whose {@link PullException#reason()} tells not found, unauthorised, unreachable,
 * a registry error or an offline miss), an artifact that holds no usable module ({@link ArtifactException}),
 * a store that cannot be read or written ({@link StoreException}), a module that is invalid
 * ({@link InvalidModuleException}), needs a feature Chicory lacks ({@link UnsupportedModuleException}) or
 * cannot be linked ({@link LinkException}), a guest that traps ({@link GuestTrapException}), runs too long
 * ({@link GuestTimeoutException}) or exceeds a limit ({@link LimitExceededException}). Misuse of the API
 * (a null argument, a setting given twice, a malformed reference:
 * {@link dev.skiff.oci.InvalidReferenceException}) throws the JDK's {@link IllegalArgumentException} and
 * its kin instead.
 *
 * <p>A guest that exits with a non-zero code is not a failure: {@link RunResult#exitCode()} reports it.
 */
public sealed class SkiffException extends RuntimeException
    permits PullException, ArtifactException, StoreException, InvalidModuleException,
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
