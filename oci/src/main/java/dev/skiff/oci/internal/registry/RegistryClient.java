package dev.skiff.oci.internal.registry;

import dev.skiff.oci.AuthenticationException;
import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.NotFoundException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.RegistryException;
import dev.skiff.oci.internal.format.Digests;
import dev.skiff.oci.internal.format.Manifests;
import dev.skiff.oci.internal.format.MediaTypes;
import dev.skiff.oci.internal.store.PendingBlob;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The OCI distribution API over OkHttp for pulls: manifests and blobs (streamed, verified, resumed with
 * Range), and the request loop every call goes through: authentication ({@link Authenticator}) and
 * bounded retries ({@link RetryPolicy}). Pushes go through {@link #uploads()}.
 */
public final class RegistryClient {
  private static final System.Logger LOG = System.getLogger("dev.skiff.oci.registry");

  /** Immutable settings. */
  public record Settings(OkHttpClient http, Map<String, OkHttpClient> perRegistryHttp, Set<String> insecure,
      CredentialSources credentials, PullListener listener, int maxAttempts, Duration initialBackoff,
      Duration retryBudget, Timing timing) {}

  private final RegistryHttp http;
  private final RetryPolicy retry;
  private final Authenticator auth;
  private final Uploads uploads;

  public RegistryClient(Settings s) {
    this.http = new RegistryHttp(s.http(), s.perRegistryHttp(), s.insecure());
    this.retry = new RetryPolicy(s.maxAttempts(), s.initialBackoff(), s.retryBudget(), s.timing());
    this.auth = new Authenticator(http, s.credentials(), s.listener(), retry);
    this.uploads = new Uploads(this);
  }

  /** Blob checks, uploads and manifest PUTs, for pushes. */
  public Uploads uploads() {
    return uploads;
  }

  String base(String host) {
    return http.base(host);
  }

  // ---------------------------------------------------------------- manifests

  /** A fetched manifest: exact bytes, media type and verified digest. */
  public record Fetched(byte[] bytes, String mediaType, String digest) {}

  /**
   * GETs a manifest by tag or digest and verifies its digest (against the pinned digest and the
   * registry's Docker-Content-Digest).
   */
  public Fetched getManifest(String host, String registry, String repo, String reference) {
    try {
      return getManifestOnce(host, registry, repo, reference);
    } catch (DigestMismatchException e) {
      // Bytes corrupted in flight are retried once, as a cut connection is; a registry that lies fails twice.
      LOG.log(System.Logger.Level.WARNING, "{0}; fetching it once more", e.getMessage());
      return getManifestOnce(host, registry, repo, reference);
    }
  }

  private Fetched getManifestOnce(String host, String registry, String repo, String reference) {
    String url = http.base(host) + "/v2/" + repo + "/manifests/" + reference;
    String what = registry + "/" + repo + (reference.contains(":") ? "@" : ":") + reference;
    try (Response r = execute(host, registry, List.of(pullScope(repo)), what,
        () -> new Request.Builder().url(url).header("Accept", MediaTypes.ACCEPT).get())) {
      ResponseBody body = r.body();
      long len = body.contentLength();
      if (len > Manifests.MAX_MANIFEST_BYTES) {
        throw new MalformedContentException("manifest " + what + " is " + len + " bytes, more than the "
            + Manifests.MAX_MANIFEST_BYTES + "-byte limit");
      }
      byte[] bytes;
      try (InputStream in = body.byteStream()) {
        bytes = in.readNBytes(Manifests.MAX_MANIFEST_BYTES + 1);
      }
      if (bytes.length > Manifests.MAX_MANIFEST_BYTES) {
        throw new MalformedContentException("manifest " + what + " is more than the "
            + Manifests.MAX_MANIFEST_BYTES + "-byte limit");
      }
      String header = r.header("Docker-Content-Digest");
      String alg = reference.startsWith("sha512:") ? "sha512" : "sha256";
      String actual = Digests.of(alg, bytes);
      if (reference.contains(":") && !actual.equals(reference)) {
        throw new DigestMismatchException(reference, actual, "manifest " + what + " hashes to " + actual
            + ", not the digest it was requested by");
      }
      if (header != null && Digests.isValid(header) && Digests.algorithm(header).equals(alg) && !header.equals(actual)) {
        throw new DigestMismatchException(header, actual, "manifest " + what + " hashes to " + actual
            + " but the registry's Docker-Content-Digest says " + header);
      }
      return new Fetched(bytes, r.header("Content-Type"), actual);
    } catch (IOException e) {
      throw RetryPolicy.unreachable(registry, "reading manifest " + what, e);
    }
  }

  // ---------------------------------------------------------------- blobs

  /**
   * Streams a blob into a pending store entry, resuming with Range after a cut connection from the
   * bytes already written (and hashed), and starting over once when the whole blob arrived but does not
   * hash to its digest (bytes corrupted in flight, as a cut connection is retried). Never reads past the
   * first byte beyond the size the descriptor declares.
   */
  public void fetchBlob(String host, String registry, String repo, String digest, PendingBlob sink) {
    String url = http.base(host) + "/v2/" + repo + "/blobs/" + digest;
    String what = "blob " + digest + " of " + registry + "/" + repo;
    int failures = 0;
    boolean restarted = false;
    Instant deadline = retry.deadline();
    Call[] call = new Call[1];
    while (true) {
      long from = sink.written();
      try (Response r = execute(host, registry, List.of(pullScope(repo)), what, true, () -> {
        Request.Builder b = new Request.Builder().url(url).get();
        if (from > 0) {
          b.header("Range", "bytes=" + from + "-");
        }
        return b;
      }, c -> call[0] = c)) {
        if (from > 0) {
          if (r.code() == 206) {
            String cr = r.header("Content-Range", "");
            if (!cr.startsWith("bytes " + from + "-")) {
              throw new RegistryException(registry, 206, List.of(), what + ": the registry answered a Range request from byte "
                  + from + " with Content-Range \"" + cr + "\"", null);
            }
          } else {
            sink.restart(); // the server ignored Range: start over
          }
        }
        InputStream in = r.body().byteStream();
        try {
          long length = r.body().contentLength();
          if (sink.size() >= 0 && length > sink.size() - sink.written()) {
            throw new DigestMismatchException(digest, "size>" + sink.size(), what + ": the registry sends " + length
                + " bytes (Content-Length" + (sink.written() > 0 ? " after byte " + sink.written() : "")
                + ") but its descriptor declares " + sink.size() + "; refused");
          }
          sink.transferFrom(in);
        } catch (DigestMismatchException e) {
          // Closing would read on to reuse the connection (OkHttp discards up to 100 ms of a body): cut it first.
          call[0].cancel();
          throw e;
        } finally {
          in.close();
        }
        if (sink.size() >= 0 && sink.written() < sink.size()) {
          throw new EOFException("connection closed after " + sink.written() + " of " + sink.size() + " bytes");
        }
      } catch (IOException e) {
        // All declared bytes arrived and only the look for more failed: the digest decides.
        if (sink.size() < 0 || sink.written() != sink.size()) {
          boolean progressed = sink.written() > from;
          failures = progressed ? 1 : failures + 1;
          if (!retry.mayRetry(failures, deadline) || e instanceof InterruptedIOException
              && Thread.currentThread().isInterrupted()) {
            throw RetryPolicy.unreachable(registry, "downloading " + what + " (" + sink.written() + " bytes received)", e);
          }
          LOG.log(System.Logger.Level.DEBUG, "{0}: {1}; resuming from byte {2}", what, e.toString(), sink.written());
          retry.sleep(retry.backoff(failures, null));
          continue;
        }
      }
      try {
        sink.verify();
        return;
      } catch (DigestMismatchException e) {
        if (restarted) {
          throw e;
        }
        restarted = true;
        LOG.log(System.Logger.Level.WARNING, "{0}: {1}; downloading it once more", what, e.getMessage());
        try {
          sink.restart();
        } catch (IOException io) {
          throw new OciException("cannot restart " + what + " in the content store: " + io.getMessage(), io);
        }
      }
    }
  }


  static String pullScope(String repo) {
    return "repository:" + repo + ":pull";
  }

  static String pushScope(String repo) {
    return "repository:" + repo + ":pull,push";
  }

  /**
   * Sends a request with authentication and retries; returns a successful response (the caller closes
   * it) or throws a typed exception.
   */
  Response execute(String host, String registry, List<String> scopes, String what, Supplier<Request.Builder> request) {
    return execute(host, registry, scopes, what, false, request, null);
  }

  /**
   * As above; {@code blobDownload} sends it with the client made for streaming large bodies, and
   * {@code calls} (when not null) is told the call that answered, so a refused body can be cut off.
   */
  Response execute(String host, String registry, List<String> scopes, String what, boolean blobDownload,
      Supplier<Request.Builder> request, Consumer<Call> calls) {
    int attempt = 0;
    boolean authRetried = false;
    Instant deadline = retry.deadline();
    while (true) {
      attempt++;
      Request.Builder b = request.get();
      String sent = auth.authorization(host, registry, scopes);
      if (sent != null) {
        b.header("Authorization", sent);
      }
      Request req = b.build();
      Response r;
      try {
        Call call = http.client(host, blobDownload).newCall(req);
        if (calls != null) {
          calls.accept(call);
        }
        r = call.execute();
      } catch (ProtocolException e) {
        throw new RegistryException(registry, 0, List.of(), what + ": " + e.getMessage()
            + " (redirect loop or broken server)", e);
      } catch (SSLHandshakeException | SSLPeerUnverifiedException e) {
        // An untrusted certificate does not get better with retries.
        throw new RegistryException(registry, 0, List.of(), what + ": the TLS certificate of " + host
            + " is not trusted (" + e.getMessage() + "); trust its CA with trustedCertificates(\"" + host
            + "\", caFile)", e);
      } catch (IOException e) {
        if (!retry.mayRetry(attempt, deadline) || Thread.currentThread().isInterrupted()
            || RetryPolicy.cannotSucceed(e, host)) {
          throw RetryPolicy.unreachable(registry, what + " after " + attempt + " attempt(s)", e);
        }
        retry.sleep(retry.backoff(attempt, null));
        continue;
      }
      int code = r.code();
      if (code < 300 || code == 304) {
        return r;
      }
      ErrorBody eb = ErrorBody.read(r);
      if (code == 401 && !authRetried) {
        List<Challenge> ch = Challenge.parse(r.headers("WWW-Authenticate"));
        r.close();
        authRetried = true;
        if (!ch.isEmpty() && auth.onChallenge(host, registry, scopes, ch, what)) {
          attempt--; // an auth round-trip is not a failure
          continue;
        }
        throw new AuthenticationException(registry, 401, eb.codes(), what + ": the registry requires authentication"
            + " and no credentials were found for " + registry + " (explicit, SKIFF_* environment, docker config.json,"
            + " podman auth.json)" + eb.suffix());
      }
      boolean retryable = code == 429 || code == 408 || code >= 500;
      if (retryable && retry.mayRetry(attempt, deadline)) {
        Duration wait = retry.backoff(attempt, r.header("Retry-After"));
        r.close();
        if (!retry.fits(wait, deadline)) {
          throw new RegistryException(registry, code, eb.codes(), what + ": HTTP " + code + " and the retry budget of "
              + retry.budget().toSeconds() + " s is spent" + eb.suffix(), null);
        }
        retry.sleep(wait);
        continue;
      }
      r.close();
      if (code == 401 || code == 403) {
        throw new AuthenticationException(registry, code, eb.codes(), what + ": access denied (HTTP " + code + ")"
            + auth.sentWith(host, registry, scopes, sent) + eb.suffix());
      }
      if (code == 404) {
        throw new NotFoundException(what, registry, 404, eb.codes(), what + " was not found (HTTP 404" + (eb.codes().isEmpty() ? "" : " "
            + String.join(",", eb.codes())) + ")" + eb.suffix());
      }
      throw new RegistryException(registry, code, eb.codes(), what + ": HTTP " + code
          + (retryable ? " after " + attempt + " attempt(s)" : "") + eb.suffix(), null);
    }
  }
}
