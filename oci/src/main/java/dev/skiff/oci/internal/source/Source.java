package dev.skiff.oci.internal.source;

import dev.skiff.oci.internal.format.Descriptor;
import dev.skiff.oci.internal.format.Digests;
import java.nio.file.Path;

/** Where manifests and blobs come from: a registry, an OCI layout, or a docker-save archive. */
public interface Source {
  /** The top-level index or manifest the source names. */
  Top top();

  /** Verified bytes of a child manifest. */
  byte[] manifest(Descriptor d);

  /** Verified bytes of a config blob. */
  byte[] config(Descriptor d);

  /** The verified path of a blob in the content store, fetched or copied there when missing. */
  Path blob(Descriptor d);

  /** For messages. */
  String describe();

  /** The top-level content: exact bytes, media type (may be null) and digest. */
  record Top(byte[] bytes, String mediaType, String digest) {}

  /** Checks bytes of a small blob against its descriptor. */
  static byte[] check(Descriptor d, byte[] bytes, String where) {
    if (bytes.length != d.size()) {
      throw new dev.skiff.oci.DigestMismatchException(d.digest(), "size=" + bytes.length, where + " " + d.digest()
          + " has " + bytes.length + " bytes but its descriptor declares " + d.size());
    }
    String actual = Digests.of(Digests.algorithm(d.digest()), bytes);
    if (!actual.equals(d.digest())) {
      throw new dev.skiff.oci.DigestMismatchException(d.digest(), actual, where + " hashes to " + actual + ", not "
          + d.digest());
    }
    return bytes;
  }
}
