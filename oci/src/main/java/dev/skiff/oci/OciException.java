package dev.skiff.oci;

/**
 * Root of every operational failure of Skiff OCI: network, registry, authentication, content and store
 * errors. Misuse (a bad argument) is reported with the JDK's {@link IllegalArgumentException} family instead.
 * Messages never contain secrets.
 */
public class OciException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what failed, on what input, and what to do next
   */
  public OciException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message what failed, on what input, and what to do next
   * @param cause the underlying failure
   */
  public OciException(String message, Throwable cause) {
    super(message, cause);
  }
}
