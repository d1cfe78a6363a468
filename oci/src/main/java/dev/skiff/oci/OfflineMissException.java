package dev.skiff.oci;

/** The pull policy forbids network access ({@link PullPolicy#NEVER}) and the store lacks something needed. */
public class OfflineMissException extends OciException {
  private static final long serialVersionUID = 1L;
  /** The reference value, kept when serialized. */
  private final String reference;

  /**
   * Creates the failure.
   *
   * @param reference the reference or digest that is missing from the store
   * @param message the message
   */
  public OfflineMissException(String reference, String message) {
    super(message);
    this.reference = reference;
  }

  /**
   * The missing reference or digest.
   *
   * @return the reference as given, or a digest
   */
  public String reference() {
    return reference;
  }
}
