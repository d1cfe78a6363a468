package dev.skiff.oci.internal.store;

/**
 * A number of store entries and their bytes on disk.
 *
 * @param entries how many
 * @param bytes their size
 */
public record Usage(int entries, long bytes) {
  static final Usage NONE = new Usage(0, 0);

  Usage plus(Usage o) {
    return new Usage(entries + o.entries, bytes + o.bytes);
  }
}
