package dev.skiff.oci;

/** When a pull may use the network. Content named by digest is never fetched twice under any policy. */
public enum PullPolicy {
  /** Always re-resolve tags against the registry; blobs already in the store are reused. */
  ALWAYS,
  /** Use a tag resolution recorded in the store when there is one; otherwise resolve it. The default. */
  IF_NOT_PRESENT,
  /** Offline: zero network I/O; a miss fails with {@link OfflineMissException}. */
  NEVER
}
