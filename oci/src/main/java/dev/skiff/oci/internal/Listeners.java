package dev.skiff.oci.internal;

import dev.skiff.oci.PullListener;

/** Calls listener methods, isolating Skiff from listener failures. */
public final class Listeners {
  private static final System.Logger LOG = System.getLogger("dev.skiff.oci");

  private Listeners() {}

  private static void guard(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "pull listener threw; ignored", e);
    }
  }

  public static void resolving(PullListener l, String ref) {
    if (l != null) guard(() -> l.resolving(ref));
  }

  public static void tokenFetched(PullListener l, String registry, String scope) {
    if (l != null) guard(() -> l.tokenFetched(registry, scope));
  }

  public static void progress(PullListener l, String digest, long bytes, long total) {
    if (l != null) guard(() -> l.progress(digest, bytes, total));
  }

  public static void verified(PullListener l, String digest) {
    if (l != null) guard(() -> l.verified(digest));
  }

  public static void cacheHit(PullListener l, String digest) {
    if (l != null) guard(() -> l.cacheHit(digest));
  }
}
