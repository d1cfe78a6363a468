package dev.skiff;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A module could not be fetched: its source does not exist, the registry refused the credentials or could
 * not be reached, or an offline pull missed the local store. {@link #reason()} tells which; a registry's
 * HTTP status and error codes are kept in {@link #status()} and {@link #errorCodes()}.
 */
public final class PullException extends SkiffException {
  private static final long serialVersionUID = 1L;

  /** Why a pull failed. */
  public enum Reason {
    /** The image, tag, layout, archive or {@code .wasm} file does not exist. */
    NOT_FOUND,
    /** The registry refused anonymous access or the credentials given (HTTP 401 or 403). */
    UNAUTHORIZED,
    /** No answer: the host does not resolve, refuses connections, times out, or TLS failed. */
    UNREACHABLE,
    /** The registry answered with another error (a 4xx or 5xx that retries did not clear). */
    REGISTRY_ERROR,
    /** The pull policy is {@link dev.skiff.oci.PullPolicy#NEVER} and the store lacks the content. */
    OFFLINE_MISS
  }

  private final Reason reason;
  private final String registry;
  private final int status;
  private final List<String> errorCodes;

  /**
   * Creates the exception.
   *
   * @param reason why the pull failed
   * @param registry the registry host, or null when the source is not a registry
   * @param status the HTTP status the registry answered, 0 if none
   * @param errorCodes the registry's error codes ({@code MANIFEST_UNKNOWN}, {@code DENIED}, ...)
   * @param message what failed, on what input, and what to do next
   * @param cause the underlying failure, or null
   */
  public PullException(Reason reason, String registry, int status, List<String> errorCodes, String message,
      Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.registry = registry;
    this.status = status;
    this.errorCodes = List.copyOf(errorCodes);
  }

  /**
   * Why the pull failed.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }

  /**
   * The registry host involved, if the source was a registry and the failure names one.
   *
   * @return the registry host, with port if any
   */
  public Optional<String> registry() {
    return Optional.ofNullable(registry);
  }

  /**
   * The HTTP status the registry answered.
   *
   * @return the status, or 0 when no HTTP answer is involved
   */
  public int status() {
    return status;
  }

  /**
   * The error codes of the registry's answer, per the OCI distribution spec.
   *
   * @return the codes, empty if none
   */
  public List<String> errorCodes() {
    return errorCodes;
  }
}
