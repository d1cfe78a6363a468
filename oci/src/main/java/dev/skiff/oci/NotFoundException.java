package dev.skiff.oci;

import java.util.List;
import java.util.Optional;

/**
 * The named image, tag, manifest, blob, layout or file does not exist where it was looked for. When a
 * registry said so, its host, HTTP status (404) and error codes ({@code MANIFEST_UNKNOWN}, ...) are kept.
 */
public class NotFoundException extends OciException {
  private static final long serialVersionUID = 1L;
  /** The what value, kept when serialized. */
  private final String what;
  private final String registry;
  private final int status;
  private final List<String> errorCodes;

  /**
   * Creates a not-found failure of a local source (a file, layout or archive).
   *
   * @param what the reference, digest or path that was not found
   * @param message the message
   */
  public NotFoundException(String what, String message) {
    this(what, null, 0, List.of(), message);
  }

  /**
   * Creates a not-found failure a registry answered.
   *
   * @param what the reference or digest that was not found
   * @param registry the registry host, with port if any; null for a local source
   * @param status the HTTP status, 0 for a local source
   * @param errorCodes the registry's error codes, empty if none
   * @param message the message
   */
  public NotFoundException(String what, String registry, int status, List<String> errorCodes, String message) {
    super(message);
    this.what = what;
    this.registry = registry;
    this.status = status;
    this.errorCodes = List.copyOf(errorCodes);
  }

  /**
   * What was not found.
   *
   * @return the reference, digest or path
   */
  public String what() {
    return what;
  }

  /**
   * The registry that answered, when the source was a registry.
   *
   * @return the registry host, with port if any
   */
  public Optional<String> registry() {
    return Optional.ofNullable(registry);
  }

  /**
   * The HTTP status the registry answered.
   *
   * @return 404, or 0 for a local source
   */
  public int status() {
    return status;
  }

  /**
   * The registry's error codes, per the OCI distribution spec.
   *
   * @return the codes, empty if none
   */
  public List<String> errorCodes() {
    return errorCodes;
  }
}
