package dev.skiff;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The image or file was reached but holds no single usable Wasm module. {@link #reason()} tells why; the
 * candidates to choose from ({@link #candidates()}) and the digests that disagree
 * ({@link #expectedDigest()}, {@link #actualDigest()}) are kept as typed accessors.
 */
public final class ArtifactException extends SkiffException {
  private static final long serialVersionUID = 1L;

  /** Why an artifact is unusable. */
  public enum Reason {
    /** Content did not match the digest that names it, even after one fresh download. */
    DIGEST_MISMATCH,
    /** Content that cannot be read: invalid JSON, a broken archive, a layer that expands beyond the caps. */
    MALFORMED,
    /** Well-formed content that holds no preview1 module: other media types, a component, no module file. */
    UNSUPPORTED,
    /** The image index has no entry for the platform asked for; {@link #candidates()} lists those it has. */
    NO_MATCHING_PLATFORM,
    /** Several modules could be meant; {@link #candidates()} lists them, name one to choose. */
    AMBIGUOUS
  }

  private final Reason reason;
  private final List<String> candidates;
  private final String expectedDigest;
  private final String actualDigest;

  /**
   * Creates the exception.
   *
   * @param reason why the artifact is unusable
   * @param candidates the modules or platforms to choose from, empty if none
   * @param expectedDigest for {@link Reason#DIGEST_MISMATCH} the digest the content should have, else null
   * @param actualDigest for {@link Reason#DIGEST_MISMATCH} the digest it has, else null
   * @param message what failed, on what input, and what to do next
   * @param cause the underlying failure, or null
   */
  public ArtifactException(Reason reason, List<String> candidates, String expectedDigest, String actualDigest,
      String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.candidates = List.copyOf(candidates);
    this.expectedDigest = expectedDigest;
    this.actualDigest = actualDigest;
  }

  /**
   * Why the artifact is unusable.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }

  /**
   * What the caller can choose from: the candidate module paths of an {@link Reason#AMBIGUOUS} image, or
   * the platforms ({@code os/arch}) of an index without a {@link Reason#NO_MATCHING_PLATFORM match}.
   *
   * @return the candidates, empty for the other reasons
   */
  public List<String> candidates() {
    return candidates;
  }

  /**
   * The digest the content should have had.
   *
   * @return the expected digest, {@code sha256:<hex>}, for {@link Reason#DIGEST_MISMATCH} only
   */
  public Optional<String> expectedDigest() {
    return Optional.ofNullable(expectedDigest);
  }

  /**
   * The digest the content had.
   *
   * @return the actual digest, for {@link Reason#DIGEST_MISMATCH} only
   */
  public Optional<String> actualDigest() {
    return Optional.ofNullable(actualDigest);
  }
}
