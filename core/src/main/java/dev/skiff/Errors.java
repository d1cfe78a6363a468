package dev.skiff;

import dev.skiff.oci.AmbiguousModuleException;
import dev.skiff.oci.AuthenticationException;
import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.NoMatchingPlatformException;
import dev.skiff.oci.NotFoundException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.OfflineMissException;
import dev.skiff.oci.RegistryException;
import dev.skiff.oci.UnsupportedArtifactException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Maps the OCI layer's failures onto Skiff's one exception tree, copying every typed accessor (the
 * registry's status and error codes, candidates, digests) onto the new exception and keeping the
 * original as the cause.
 */
final class Errors {
  private Errors() {}

  static SkiffException fromOci(OciException e) {
    String message = e.getMessage();
    if (e instanceof DigestMismatchException d) {
      return new ArtifactException(ArtifactException.Reason.DIGEST_MISMATCH, List.of(), d.expected(), d.actual(),
          message, e);
    }
    if (e instanceof MalformedContentException) {
      return new ArtifactException(ArtifactException.Reason.MALFORMED, List.of(), null, null, message, e);
    }
    if (e instanceof NoMatchingPlatformException p) {
      return new ArtifactException(ArtifactException.Reason.NO_MATCHING_PLATFORM, p.available(), null, null,
          message, e);
    }
    if (e instanceof UnsupportedArtifactException) {
      return new ArtifactException(ArtifactException.Reason.UNSUPPORTED, List.of(), null, null, message, e);
    }
    if (e instanceof AmbiguousModuleException a) {
      return new ArtifactException(ArtifactException.Reason.AMBIGUOUS, a.candidates(), null, null, message, e);
    }
    if (e instanceof NotFoundException n) {
      return new PullException(PullException.Reason.NOT_FOUND, n.registry().orElse(null), n.status(),
          n.errorCodes(), message, e);
    }
    if (e instanceof OfflineMissException) {
      return new PullException(PullException.Reason.OFFLINE_MISS, null, 0, List.of(), message, e);
    }
    if (e instanceof RegistryException r) {
      PullException.Reason reason = r instanceof AuthenticationException ? PullException.Reason.UNAUTHORIZED
          : r.status() == 0 ? PullException.Reason.UNREACHABLE : PullException.Reason.REGISTRY_ERROR;
      return new PullException(reason, r.registry(), r.status(), r.errorCodes(), message, e);
    }
    // What remains is the store's own I/O (a folder it cannot create, a blob it cannot write or read).
    return new StoreException(message, e);
  }

  /** A JDK I/O failure that escaped the OCI layer is the store's: no other local I/O happens there. */
  static StoreException fromIo(UncheckedIOException e) {
    return new StoreException("The content store could not be read or written: " + e.getMessage(), e);
  }
}
