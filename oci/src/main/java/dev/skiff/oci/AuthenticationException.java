package dev.skiff.oci;

import java.util.List;

/** The registry refused the request for lack of (valid) credentials or permission: 401, 403 or a failed token exchange. */
public class AuthenticationException extends RegistryException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an authentication failure.
   *
   * @param registry the registry host
   * @param status the HTTP status
   * @param errorCodes distribution error codes
   * @param message the message (never containing secrets)
   */
  public AuthenticationException(String registry, int status, List<String> errorCodes, String message) {
    super(registry, status, errorCodes, message, null);
  }
}
