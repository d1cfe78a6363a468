package dev.skiff.oci;

import java.util.List;

/** A registry answered with an error status, or could not be reached after the allowed retries. */
public class RegistryException extends OciException {
  private static final long serialVersionUID = 1L;
  /** The registry value, kept when serialized. */
  private final String registry;
  /** The status value, kept when serialized. */
  private final int status;
  /** The errorCodes value, kept when serialized. */
  private final List<String> errorCodes;

  /**
   * Creates a registry failure.
   *
   * @param registry the registry host
   * @param status the HTTP status, or 0 when no response was received
   * @param errorCodes the distribution error codes from the response body (e.g. {@code MANIFEST_UNKNOWN})
   * @param message the message
   * @param cause the cause, or null
   */
  public RegistryException(String registry, int status, List<String> errorCodes, String message, Throwable cause) {
    super(message, cause);
    this.registry = registry;
    this.status = status;
    this.errorCodes = List.copyOf(errorCodes);
  }

  /**
   * The registry host that failed.
   *
   * @return host with optional port
   */
  public String registry() {
    return registry;
  }

  /**
   * The HTTP status of the failing response.
   *
   * @return the status, or 0 when the registry could not be reached or gave no response
   */
  public int status() {
    return status;
  }

  /**
   * The OCI distribution error codes the registry sent, in order.
   *
   * @return the codes, possibly empty
   */
  public List<String> errorCodes() {
    return errorCodes;
  }
}
