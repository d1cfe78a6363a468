package dev.skiff.oci;

import java.util.List;

/** Several candidate modules were found and nothing says which one to run; name one explicitly. */
public class AmbiguousModuleException extends OciException {
  private static final long serialVersionUID = 1L;
  /** The candidates value, kept when serialized. */
  private final List<String> candidates;

  /**
   * Creates the failure.
   *
   * @param candidates the candidate paths or layer digests
   * @param message the message
   */
  public AmbiguousModuleException(List<String> candidates, String message) {
    super(message);
    this.candidates = List.copyOf(candidates);
  }

  /**
   * The candidates, any of which can be passed as the module selector.
   *
   * @return paths inside the image or layer digests
   */
  public List<String> candidates() {
    return candidates;
  }
}
