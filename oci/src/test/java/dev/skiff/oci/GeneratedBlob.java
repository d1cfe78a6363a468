package dev.skiff.oci;

import dev.skiff.oci.internal.format.WasmArtifactManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * A large, deterministic WebAssembly-looking blob (the {@code \0asm} version-1 header, then pseudo-random
 * bytes) that is generated as it is read, so tests can push hundreds of megabytes without holding them.
 */
final class GeneratedBlob extends InputStream {
  private static final int BLOCK = 1 << 16;
  private static final byte[] HEADER = {0, 'a', 's', 'm', 1, 0, 0, 0};
  private final long size;
  private final long seed;
  private final byte[] block = new byte[BLOCK];
  private long position;
  private long blockIndex = -1;

  GeneratedBlob(long size, long seed) {
    this.size = size;
    this.seed = seed;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (position >= size) {
      return -1;
    }
    long index = position / BLOCK;
    if (index != blockIndex) {
      new SplittableRandom(seed * 1_000_003L + index).nextBytes(block); // each block on its own: cheap to regenerate
      if (index == 0) {
        System.arraycopy(HEADER, 0, block, 0, HEADER.length);
      }
      blockIndex = index;
    }
    int inBlock = (int) (position % BLOCK);
    int n = (int) Math.min(Math.min(len, BLOCK - inBlock), size - position);
    System.arraycopy(block, inBlock, b, off, n);
    position += n;
    return n;
  }

  /** The sha256 digest of the blob, computed by generating it once. */
  static String sha256(long size, long seed) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (GeneratedBlob in = new GeneratedBlob(size, seed)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf, 0, buf.length)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  /** Uploads a blob monolithically (POST, then PUT with a streamed body of known length). */
  static void upload(String baseUrl, String repo, String digest, long size, InputStream body) throws IOException {
    HttpURLConnection post = (HttpURLConnection) URI.create(baseUrl + "/v2/" + repo + "/blobs/uploads/").toURL()
        .openConnection();
    post.setRequestMethod("POST");
    post.setDoOutput(true);
    post.setFixedLengthStreamingMode(0);
    post.getOutputStream().close();
    if (post.getResponseCode() != 202) {
      throw new IOException("upload POST answered " + post.getResponseCode());
    }
    String location = URI.create(baseUrl + "/").resolve(post.getHeaderField("Location")).toString();
    post.disconnect();
    HttpURLConnection put = (HttpURLConnection) URI.create(location + (location.contains("?") ? "&" : "?")
        + "digest=" + digest).toURL().openConnection();
    put.setRequestMethod("PUT");
    put.setDoOutput(true);
    put.setRequestProperty("Content-Type", "application/octet-stream");
    put.setFixedLengthStreamingMode(size); // streamed: never buffered whole
    try (OutputStream out = put.getOutputStream()) {
      body.transferTo(out);
    }
    if (put.getResponseCode() != 201) {
      throw new IOException("upload PUT answered " + put.getResponseCode() + ": "
          + new String(put.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    put.disconnect();
  }

  /** PUTs a manifest; returns the registry's Docker-Content-Digest. */
  static String putManifest(String baseUrl, String repo, String tag, String mediaType, byte[] manifest)
      throws IOException {
    HttpURLConnection put = (HttpURLConnection) URI.create(baseUrl + "/v2/" + repo + "/manifests/" + tag).toURL()
        .openConnection();
    put.setRequestMethod("PUT");
    put.setDoOutput(true);
    put.setRequestProperty("Content-Type", mediaType);
    try (OutputStream out = put.getOutputStream()) {
      out.write(manifest);
    }
    if (put.getResponseCode() != 201) {
      throw new IOException("manifest PUT answered " + put.getResponseCode() + ": "
          + new String(put.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    return put.getHeaderField("Docker-Content-Digest");
  }

  /** Pushes a CNCF Wasm artifact whose module layer is this generated blob; returns the layer digest. */
  static String pushArtifact(String baseUrl, String repo, String tag, long size, long seed) throws Exception {
    String layer = sha256(size, seed);
    upload(baseUrl, repo, layer, size, new GeneratedBlob(size, seed));
    WasmArtifactManifest artifact = WasmArtifactManifest.of(layer, size, null);
    upload(baseUrl, repo, artifact.configDigest(), artifact.config().length,
        new java.io.ByteArrayInputStream(artifact.config()));
    putManifest(baseUrl, repo, tag, "application/vnd.oci.image.manifest.v1+json", artifact.manifest());
    return layer;
  }
}
