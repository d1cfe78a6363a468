package dev.skiff.oci;

/** An image reference string does not follow the Docker/OCI reference grammar. */
public class InvalidReferenceException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  /** The input value, kept when serialized. */
  private final String input;
  /** The part value, kept when serialized. */
  private final String part;

  /**
   * Creates the failure.
   *
   * @param input the whole reference as given
   * @param part which part is wrong: {@code registry}, {@code repository}, {@code tag}, {@code digest} or {@code reference}
   * @param reason why it is wrong
   */
  public InvalidReferenceException(String input, String part, String reason) {
    super("invalid image reference \"" + input + "\": " + part + " " + reason);
    this.input = input;
    this.part = part;
  }

  /**
   * The reference as given.
   *
   * @return the input string
   */
  public String input() {
    return input;
  }

  /**
   * Which part of the reference is wrong.
   *
   * @return {@code registry}, {@code repository}, {@code tag}, {@code digest} or {@code reference}
   */
  public String part() {
    return part;
  }
}
