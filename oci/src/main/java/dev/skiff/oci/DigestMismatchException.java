package dev.skiff.oci;

/** Content did not hash to the digest (or size) that named it; the bytes were discarded. */
public class DigestMismatchException extends OciException {
  private static final long serialVersionUID = 1L;
  /** The expected value, kept when serialized. */
  private final String expected;
  /** The actual value, kept when serialized. */
  private final String actual;

  /**
   * Creates a mismatch failure.
   *
   * @param expected the digest that was expected
   * @param actual the digest that was computed (or a size description)
   * @param message the message
   */
  public DigestMismatchException(String expected, String actual, String message) {
    super(message);
    this.expected = expected;
    this.actual = actual;
  }

  /**
   * The expected digest.
   *
   * @return e.g. {@code sha256:...}
   */
  public String expected() {
    return expected;
  }

  /**
   * The computed digest.
   *
   * @return e.g. {@code sha256:...}
   */
  public String actual() {
    return actual;
  }
}
