package dev.skiff.wasi;

/** What a guest may do inside a preopened directory. */
public enum Access {
  /** The guest may read, list and stat; every mutating call fails with {@code ENOTCAPABLE}. */
  READ_ONLY,
  /** The guest may also create, write, truncate, rename, link, symlink, delete and set times. */
  READ_WRITE
}
