package dev.skiff;

import dev.skiff.oci.AmbiguousModuleException;
import dev.skiff.oci.AuthenticationException;
import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.NoMatchingPlatformException;
import dev.skiff.oci.NotFoundException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.OfflineMissException;
import dev.skiff.oci.UnsupportedArtifactException;

/** Maps the OCI layer's failures onto Skiff's exception family, keeping the original as the cause. */
final class Errors {
  private Errors() {}

  static SkiffException fromOci(OciException e) {
    String message = e.getMessage();
    if (e instanceof DigestMismatchException || e instanceof MalformedContentException
        || e instanceof UnsupportedArtifactException || e instanceof AmbiguousModuleException
        || e instanceof NoMatchingPlatformException) {
      return new ArtifactException(message, e);
    }
    if (e instanceof dev.skiff.oci.RegistryException || e instanceof AuthenticationException
        || e instanceof NotFoundException || e instanceof OfflineMissException) {
      return new RegistryException(message, e);
    }
    return new StoreException(message, e);
  }
}
