package dev.skiff;

import dev.skiff.oci.AmbiguousModuleException;
import dev.skiff.oci.AuthenticationException;
import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.NotFoundException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.OfflineMissException;
import dev.skiff.oci.RegistryException;
import dev.skiff.oci.UnsupportedArtifactException;
import java.util.List;

/**
 * Maps the OCI layer's failures onto Skiff's one exception tree, keeping the registry's status and error
 * codes as typed accessors and the original as the cause.
 */
final class Errors {
  private Errors() {}

  static SkiffException fromOci(OciException e) {
    String message = e.getMessage();
    if (e instanceof DigestMismatchException || e instanceof MalformedContentException
        || e instanceof UnsupportedArtifactException || e instanceof AmbiguousModuleException) {
      return new ArtifactException(message, e);
    }
    if (e instanceof NotFoundException) {
      return new PullException(PullException.Reason.NOT_FOUND, null, 0, List.of(), message, e);
    }
    if (e instanceof OfflineMissException) {
      return new PullException(PullException.Reason.OFFLINE_MISS, null, 0, List.of(), message, e);
    }
    if (e instanceof RegistryException r) {
      PullException.Reason reason = r instanceof AuthenticationException ? PullException.Reason.UNAUTHORIZED
          : r.status() == 0 ? PullException.Reason.UNREACHABLE : PullException.Reason.REGISTRY_ERROR;
      return new PullException(reason, r.registry(), r.status(), r.errorCodes(), message, e);
    }
    return new StoreException(message, e);
  }
}
