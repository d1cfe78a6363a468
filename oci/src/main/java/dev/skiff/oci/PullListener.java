package dev.skiff.oci;

/**
 * Observes pulls, e.g. to draw progress bars. All methods have no-op defaults; they may be called from
 * several threads at once and must return quickly. Exceptions thrown by a listener are ignored.
 */
public interface PullListener {
  /**
   * A reference is about to be resolved to a digest.
   *
   * @param reference the reference or source string
   */
  default void resolving(String reference) {}

  /**
   * A Bearer token was fetched from a token server.
   *
   * @param registry the registry host
   * @param scope the scope requested (e.g. {@code repository:x:pull}); the token itself is never passed
   */
  default void tokenFetched(String registry, String scope) {}

  /**
   * Bytes of a blob arrived.
   *
   * @param digest the blob digest
   * @param bytes bytes received so far, including any resumed prefix
   * @param total the expected size, or -1 when unknown
   */
  default void progress(String digest, long bytes, long total) {}

  /**
   * A blob was verified against its digest and committed to the store.
   *
   * @param digest the blob digest
   */
  default void verified(String digest) {}

  /**
   * Content was found in the store and no download was needed.
   *
   * @param digest the digest found
   */
  default void cacheHit(String digest) {}
}
