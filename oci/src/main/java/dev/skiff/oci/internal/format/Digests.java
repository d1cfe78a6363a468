package dev.skiff.oci.internal.format;

import dev.skiff.oci.MalformedContentException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Digest strings ({@code sha256:hex}, {@code sha512:hex}) and hashing. */
public final class Digests {
  private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");
  private static final Pattern SHA512 = Pattern.compile("sha512:[a-f0-9]{128}");

  private Digests() {}

  /** Checks a digest string; content that names an invalid digest is malformed. */
  public static String require(String digest, String where) {
    if (digest == null || !(SHA256.matcher(digest).matches() || SHA512.matcher(digest).matches())) {
      throw new MalformedContentException(where + " has an invalid or unsupported digest \"" + digest
          + "\" (expected sha256:<64 hex> or sha512:<128 hex>)");
    }
    return digest;
  }

  public static boolean isValid(String digest) {
    return digest != null && (SHA256.matcher(digest).matches() || SHA512.matcher(digest).matches());
  }

  public static String algorithm(String digest) {
    return digest.substring(0, digest.indexOf(':'));
  }

  public static String hex(String digest) {
    return digest.substring(digest.indexOf(':') + 1);
  }

  public static MessageDigest newDigest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha512") ? "SHA-512" : "SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String of(String algorithm, byte[] bytes) {
    return algorithm + ":" + HexFormat.of().formatHex(newDigest(algorithm).digest(bytes));
  }

  public static String sha256(byte[] bytes) {
    return of("sha256", bytes);
  }

  /** The sha256 digest of a file, streamed. */
  public static String sha256(java.nio.file.Path file) throws java.io.IOException {
    MessageDigest md = newDigest("sha256");
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return format("sha256", md);
  }

  public static String format(String algorithm, MessageDigest md) {
    return algorithm + ":" + HexFormat.of().formatHex(md.digest());
  }
}
