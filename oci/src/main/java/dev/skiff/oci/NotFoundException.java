package dev.skiff.oci;

/** The named image, tag, manifest, blob, layout or file does not exist where it was looked for. */
public class NotFoundException extends OciException {
  private static final long serialVersionUID = 1L;
  /** The what value, kept when serialized. */
  private final String what;

  /**
   * Creates a not-found failure.
   *
   * @param what the reference, digest or path that was not found
   * @param message the message
   */
  public NotFoundException(String what, String message) {
    super(message);
    this.what = what;
  }

  /**
   * What was not found.
   *
   * @return the reference, digest or path
   */
  public String what() {
    return what;
  }
}
