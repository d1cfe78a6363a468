package dev.skiff.oci.internal.registry;

import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.NotFoundException;
import dev.skiff.oci.RegistryException;
import dev.skiff.oci.internal.format.Digests;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The push side of the distribution API: whether a blob is there, blob uploads (a cross-repository mount
 * first, then monolithic or chunked), and manifest PUTs.
 */
public final class Uploads {
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");
  private final RegistryClient client;

  Uploads(RegistryClient client) {
    this.client = client;
  }

  /** Whether the repository has the blob (asked with push scope, as a push is about to follow). */
  public boolean blobExists(String host, String registry, String repo, String digest) {
    String url = client.base(host) + "/v2/" + repo + "/blobs/" + digest;
    try (Response r = client.execute(host, registry, List.of(RegistryClient.pushScope(repo)), "blob " + digest,
        () -> new Request.Builder().url(url).head())) {
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }


  /**
   * Uploads a blob: first trying a cross-repository mount from {@code mountFrom} (when given), then
   * monolithically (POST + PUT) or in chunks (PATCH with Content-Range) when larger than chunkSize.
   */
  public void uploadBlob(String host, String registry, String repo, String digest, Path file, long chunkSize,
      String mountFrom) {
    List<String> scopes = new ArrayList<>(List.of(RegistryClient.pushScope(repo)));
    String postUrl = client.base(host) + "/v2/" + repo + "/blobs/uploads/";
    if (mountFrom != null && !mountFrom.equals(repo)) {
      scopes.add(RegistryClient.pullScope(mountFrom));
      HttpUrl mountUrl = HttpUrl.get(postUrl).newBuilder().addQueryParameter("mount", digest)
          .addQueryParameter("from", mountFrom).build();
      try (Response r = client.execute(host, registry, scopes, "mount of " + digest,
          () -> new Request.Builder().url(mountUrl).post(RequestBody.create(new byte[0], null)))) {
        if (r.code() == 201) {
          return;
        }
      }
    }
    String location;
    try (Response r = client.execute(host, registry, scopes, "upload of " + digest,
        () -> new Request.Builder().url(postUrl).post(RequestBody.create(new byte[0], null)))) {
      location = location(host, r);
    }
    try {
      long size = Files.size(file);
      if (size > chunkSize) {
        long offset = 0;
        while (offset < size) {
          long start = offset;
          long len = Math.min(chunkSize, size - offset);
          String loc = location;
          Path chunkFile = chunkFile(file, start, len);
          try (Response r = client.execute(host, registry, scopes, "upload of " + digest,
              () -> new Request.Builder().url(loc).header("Content-Range", start + "-" + (start + len - 1))
                  .patch(RequestBody.create(chunkFile.toFile(), OCTETS)))) {
            location = location(host, r);
          } finally {
            Files.deleteIfExists(chunkFile);
          }
          offset += len;
        }
        HttpUrl put = HttpUrl.get(location).newBuilder().addQueryParameter("digest", digest).build();
        try (Response r = client.execute(host, registry, scopes, "upload of " + digest,
            () -> new Request.Builder().url(put).put(RequestBody.create(new byte[0], OCTETS)))) {
          return;
        }
      }
      HttpUrl put = HttpUrl.get(location).newBuilder().addQueryParameter("digest", digest).build();
      RequestBody whole = RequestBody.create(file.toFile(), OCTETS);
      try (Response r = client.execute(host, registry, scopes, "upload of " + digest,
          () -> new Request.Builder().url(put).put(whole))) {
        return;
      }
    } catch (IOException e) {
      throw RetryPolicy.unreachable(registry, "uploading " + digest, e);
    }
  }

  /**
   * Copies one chunk of a file to a temporary file (in the kernel, no heap buffer), which OkHttp then
   * streams. A body over a region of the original file would need okio types, which this module cannot
   * read: okio's Kotlin-multiplatform metadata jar claims the same automatic module name as okio-jvm.
   */
  private static Path chunkFile(Path file, long start, long len) throws IOException {
    Path chunk = Files.createTempFile("skiff-chunk-", ".part");
    try (FileChannel in = FileChannel.open(file);
         FileChannel out = FileChannel.open(chunk, StandardOpenOption.WRITE)) {
      for (long done = 0; done < len; ) {
        long n = in.transferTo(start + done, len - done, out);
        if (n <= 0) {
          throw new EOFException(file + " shrank during upload");
        }
        done += n;
      }
    } catch (IOException e) {
      Files.deleteIfExists(chunk);
      throw e;
    }
    return chunk;
  }

  private String location(String host, Response r) {
    String loc = r.header("Location");
    if (loc == null) {
      throw new RegistryException(host, r.code(), List.of(), "the registry answered an upload without a Location header", null);
    }
    HttpUrl resolved = r.request().url().resolve(loc);
    if (resolved == null) {
      throw new RegistryException(host, r.code(), List.of(), "the registry sent an invalid upload Location", null);
    }
    return resolved.toString();
  }

  /** PUTs a manifest; returns the digest the registry reports (checked against ours). */
  public String putManifest(String host, String registry, String repo, String reference, byte[] bytes, String mediaType) {
    String url = client.base(host) + "/v2/" + repo + "/manifests/" + reference;
    String ours = Digests.sha256(bytes);
    try (Response r = client.execute(host, registry, List.of(RegistryClient.pushScope(repo)), "manifest " + repo + ":" + reference,
        () -> new Request.Builder().url(url).put(RequestBody.create(bytes, MediaType.get(mediaType))))) {
      String theirs = r.header("Docker-Content-Digest");
      if (theirs != null && !theirs.equals(ours)) {
        throw new DigestMismatchException(ours, theirs, "the registry stored manifest " + repo + ":" + reference
            + " as " + theirs + " but we sent " + ours);
      }
      return ours;
    }
  }
}
