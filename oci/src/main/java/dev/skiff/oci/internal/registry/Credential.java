package dev.skiff.oci.internal.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Registry credentials: a user name and password, or an OAuth2 refresh token ({@code identitytoken}).
 * {@code toString()} never shows secrets.
 */
public final class Credential {
  private final String username;
  private final String password;
  private final String identityToken;
  private final String source;

  public Credential(String username, String password, String identityToken, String source) {
    this.username = username;
    this.password = password;
    this.identityToken = identityToken;
    this.source = source;
  }

  public String username() {
    return username;
  }

  public String password() {
    return password;
  }

  public String identityToken() {
    return identityToken;
  }

  /** Where the credential came from, e.g. {@code docker config.json}; for messages. */
  public String source() {
    return source;
  }

  public boolean hasIdentityToken() {
    return identityToken != null && !identityToken.isEmpty();
  }

  public String basicHeader() {
    String up = (username == null ? "" : username) + ":" + (password == null ? "" : password);
    return "Basic " + Base64.getEncoder().encodeToString(up.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "Credential{username=" + username + ", secret=" + (password != null || identityToken != null ? "****" : "none")
        + ", source=" + source + "}";
  }
}
