package dev.skiff.oci.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.oci.AuthenticationException;
import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.NotFoundException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import okhttp3.Call;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The OCI distribution API over OkHttp: manifests, blobs (streamed, verified, resumed with Range) and
 * uploads, with anonymous-first authentication (Basic, Bearer tokens, refresh tokens), a token cache and
 * bounded retries with exponential backoff, jitter and Retry-After.
 */
public final class RegistryClient {
  private static final System.Logger LOG = System.getLogger("dev.skiff.oci.registry");
  private static final int BUFFER = 1 << 16;
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");

  /** Immutable settings. */
  public record Settings(OkHttpClient http, Map<String, OkHttpClient> perRegistryHttp, Set<String> insecure,
      CredentialSources credentials, PullListener listener, int maxAttempts, Duration initialBackoff,
      Duration retryBudget) {}

  private final Settings s;
  private final OkHttpClient blobHttp;
  private final Map<String, OkHttpClient> perRegistryBlobHttp = new HashMap<>();
  private final ConcurrentHashMap<String, Challenge> challenges = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Token> tokens = new ConcurrentHashMap<>();

  /** A bearer token; {@code obtainedWith} says which credentials got it (null: anonymous), for messages. */
  private record Token(String value, Instant expires, String obtainedWith) {}

  public RegistryClient(Settings settings) {
    this.s = settings;
    this.blobHttp = BlobDownloadClient.of(settings.http());
    settings.perRegistryHttp().forEach((host, http) -> perRegistryBlobHttp.put(host, BlobDownloadClient.of(http)));
  }

  private OkHttpClient http(String host) {
    return s.perRegistryHttp().getOrDefault(host, s.http());
  }

  private OkHttpClient http(String host, boolean blobDownload) {
    return blobDownload ? perRegistryBlobHttp.getOrDefault(host, blobHttp) : http(host);
  }

  /** Plain HTTP only for loopback hosts and registries the caller listed as insecure. */
  public String base(String host) {
    return (isPlain(host) ? "http://" : "https://") + host;
  }

  /** A registry given its own trusted certificates speaks TLS, even on loopback. */
  boolean isPlain(String host) {
    return s.insecure().contains(host) || isLoopback(host) && !s.perRegistryHttp().containsKey(host);
  }

  public static boolean isLoopback(String host) {
    String h = host;
    if (h.startsWith("[")) {
      h = h.substring(1, h.indexOf(']'));
    } else if (h.indexOf(':') >= 0) {
      h = h.substring(0, h.indexOf(':'));
    }
    if (h.equals("localhost")) {
      return true;
    }
    if (h.matches("[0-9.]+") || h.contains(":")) {
      try {
        return InetAddress.getByName(h).isLoopbackAddress(); // literal: no DNS lookup
      } catch (IOException e) {
        return false;
      }
    }
    return false;
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
    String url = base(host) + "/v2/" + repo + "/manifests/" + reference;
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
      throw unreachable(registry, "reading manifest " + what, e);
    }
  }

  /** HEAD on a manifest: the digest the registry reports, when the reference exists. */
  public Optional<String> headManifest(String host, String registry, String repo, String reference) {
    String url = base(host) + "/v2/" + repo + "/manifests/" + reference;
    try (Response r = execute(host, registry, List.of(pullScope(repo)), registry + "/" + repo + ":" + reference,
        () -> new Request.Builder().url(url).header("Accept", MediaTypes.ACCEPT).head())) {
      return Optional.ofNullable(r.header("Docker-Content-Digest"));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  // ---------------------------------------------------------------- blobs

  /**
   * Streams a blob into a pending store entry, resuming with Range after a cut connection from the
   * bytes already written (and hashed), and starting over once when the whole blob arrived but does not
   * hash to its digest (bytes corrupted in flight, as a cut connection is retried). Never reads past the
   * first byte beyond the size the descriptor declares.
   */
  public void fetchBlob(String host, String registry, String repo, String digest, BlobStore.Pending sink) {
    String url = base(host) + "/v2/" + repo + "/blobs/" + digest;
    String what = "blob " + digest + " of " + registry + "/" + repo;
    int failures = 0;
    boolean restarted = false;
    long deadline = System.nanoTime() + s.retryBudget().toNanos();
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
          throw new java.io.EOFException("connection closed after " + sink.written() + " of " + sink.size() + " bytes");
        }
      } catch (IOException e) {
        // All declared bytes arrived and only the look for more failed: the digest decides.
        if (sink.size() < 0 || sink.written() != sink.size()) {
          boolean progressed = sink.written() > from;
          failures = progressed ? 1 : failures + 1;
          if (failures >= s.maxAttempts() || System.nanoTime() > deadline || e instanceof InterruptedIOException
              && Thread.currentThread().isInterrupted()) {
            throw unreachable(registry, "downloading " + what + " (" + sink.written() + " bytes received)", e);
          }
          LOG.log(System.Logger.Level.DEBUG, "{0}: {1}; resuming from byte {2}", what, e.toString(), sink.written());
          sleep(backoff(failures, null));
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

  public boolean blobExists(String host, String registry, String repo, String digest, boolean push) {
    String url = base(host) + "/v2/" + repo + "/blobs/" + digest;
    try (Response r = execute(host, registry, List.of(push ? pushScope(repo) : pullScope(repo)), "blob " + digest,
        () -> new Request.Builder().url(url).head())) {
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- uploads

  /**
   * Uploads a blob: first trying a cross-repository mount from {@code mountFrom} (when given), then
   * monolithically (POST + PUT) or in chunks (PATCH with Content-Range) when larger than chunkSize.
   */
  public void uploadBlob(String host, String registry, String repo, String digest, Path file, long chunkSize,
      String mountFrom) {
    List<String> scopes = new ArrayList<>(List.of(pushScope(repo)));
    String postUrl = base(host) + "/v2/" + repo + "/blobs/uploads/";
    if (mountFrom != null && !mountFrom.equals(repo)) {
      scopes.add(pullScope(mountFrom));
      HttpUrl mountUrl = HttpUrl.get(postUrl).newBuilder().addQueryParameter("mount", digest)
          .addQueryParameter("from", mountFrom).build();
      try (Response r = execute(host, registry, scopes, "mount of " + digest,
          () -> new Request.Builder().url(mountUrl).post(RequestBody.create(new byte[0], null)))) {
        if (r.code() == 201) {
          return;
        }
      }
    }
    String location;
    try (Response r = execute(host, registry, scopes, "upload of " + digest,
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
          try (Response r = execute(host, registry, scopes, "upload of " + digest,
              () -> new Request.Builder().url(loc).header("Content-Range", start + "-" + (start + len - 1))
                  .patch(RequestBody.create(chunkFile.toFile(), OCTETS)))) {
            location = location(host, r);
          } finally {
            Files.deleteIfExists(chunkFile);
          }
          offset += len;
        }
        HttpUrl put = HttpUrl.get(location).newBuilder().addQueryParameter("digest", digest).build();
        try (Response r = execute(host, registry, scopes, "upload of " + digest,
            () -> new Request.Builder().url(put).put(RequestBody.create(new byte[0], OCTETS)))) {
          return;
        }
      }
      HttpUrl put = HttpUrl.get(location).newBuilder().addQueryParameter("digest", digest).build();
      RequestBody whole = RequestBody.create(file.toFile(), OCTETS);
      try (Response r = execute(host, registry, scopes, "upload of " + digest,
          () -> new Request.Builder().url(put).put(whole))) {
        return;
      }
    } catch (IOException e) {
      throw unreachable(registry, "uploading " + digest, e);
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
          throw new java.io.EOFException(file + " shrank during upload");
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
    String url = base(host) + "/v2/" + repo + "/manifests/" + reference;
    String ours = Digests.sha256(bytes);
    try (Response r = execute(host, registry, List.of(pushScope(repo)), "manifest " + repo + ":" + reference,
        () -> new Request.Builder().url(url).put(RequestBody.create(bytes, MediaType.get(mediaType))))) {
      String theirs = r.header("Docker-Content-Digest");
      if (theirs != null && !theirs.equals(ours)) {
        throw new DigestMismatchException(ours, theirs, "the registry stored manifest " + repo + ":" + reference
            + " as " + theirs + " but we sent " + ours);
      }
      return ours;
    }
  }

  // ---------------------------------------------------------------- core

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
      Supplier<Request.Builder> request, java.util.function.Consumer<Call> calls) {
    int attempt = 0;
    boolean authRetried = false;
    long deadline = System.nanoTime() + s.retryBudget().toNanos();
    while (true) {
      attempt++;
      Request.Builder b = request.get();
      String auth = authorization(host, registry, scopes);
      if (auth != null) {
        b.header("Authorization", auth);
      }
      Request req = b.build();
      Response r;
      try {
        Call call = http(host, blobDownload).newCall(req);
        if (calls != null) {
          calls.accept(call);
        }
        r = call.execute();
      } catch (ProtocolException e) {
        throw new RegistryException(registry, 0, List.of(), what + ": " + e.getMessage()
            + " (redirect loop or broken server)", e);
      } catch (javax.net.ssl.SSLHandshakeException | javax.net.ssl.SSLPeerUnverifiedException e) {
        // An untrusted certificate does not get better with retries.
        throw new RegistryException(registry, 0, List.of(), what + ": the TLS certificate of " + host
            + " is not trusted (" + e.getMessage() + "); trust its CA with trustedCertificates(\"" + host
            + "\", caFile)", e);
      } catch (IOException e) {
        if (attempt >= s.maxAttempts() || System.nanoTime() > deadline || Thread.currentThread().isInterrupted()
            || cannotSucceed(e, host)) {
          throw unreachable(registry, what + " after " + attempt + " attempt(s)", e);
        }
        sleep(backoff(attempt, null));
        continue;
      }
      int code = r.code();
      if (code < 300 || code == 304) {
        return r;
      }
      ErrorBody eb = errorBody(r);
      if (code == 401 && !authRetried) {
        List<Challenge> ch = Challenge.parse(r.headers("WWW-Authenticate"));
        r.close();
        authRetried = true;
        if (!ch.isEmpty() && prepareAuth(host, registry, scopes, ch, what)) {
          attempt--; // an auth round-trip is not a failure
          continue;
        }
        throw new AuthenticationException(registry, 401, eb.codes, what + ": the registry requires authentication"
            + " and no credentials were found for " + registry + " (explicit, SKIFF_* environment, docker config.json,"
            + " podman auth.json)" + eb.suffix());
      }
      boolean retryable = code == 429 || code == 408 || code >= 500;
      if (retryable && attempt < s.maxAttempts() && System.nanoTime() < deadline) {
        Duration wait = backoff(attempt, r.header("Retry-After"));
        r.close();
        if (System.nanoTime() + wait.toNanos() > deadline) {
          throw new RegistryException(registry, code, eb.codes, what + ": HTTP " + code + " and the retry budget of "
              + s.retryBudget().toSeconds() + " s is spent" + eb.suffix(), null);
        }
        sleep(wait);
        continue;
      }
      r.close();
      if (code == 401 || code == 403) {
        throw new AuthenticationException(registry, code, eb.codes, what + ": access denied (HTTP " + code + ")"
            + sentWith(host, registry, scopes, auth) + eb.suffix());
      }
      if (code == 404) {
        throw new NotFoundException(what, registry, 404, eb.codes, what + " was not found (HTTP 404" + (eb.codes.isEmpty() ? "" : " "
            + String.join(",", eb.codes)) + ")" + eb.suffix());
      }
      throw new RegistryException(registry, code, eb.codes, what + ": HTTP " + code
          + (retryable ? " after " + attempt + " attempt(s)" : "") + eb.suffix(), null);
    }
  }

  /** Which credentials a refused request carried, for the message: never the secret. */
  private String sentWith(String host, String registry, List<String> scopes, String auth) {
    if (auth == null) {
      return " to an anonymous request";
    }
    if (auth.startsWith("Bearer ")) {
      Token t = tokens.get(scopeKey(host, scopes));
      return t == null || t.obtainedWith() == null ? " with an anonymous token"
          : " with a token obtained with " + t.obtainedWith();
    }
    return s.credentials().lookup(registry).map(c -> " with " + describe(c)).orElse("");
  }

  /** The credentials' user and where they came from, e.g. for a wrong password. */
  static String describe(Credential c) {
    return "the credentials " + (c.username() != null && !c.username().isEmpty() ? "of user " + c.username() + " " : "")
        + "from " + c.source();
  }

  private record ErrorBody(List<String> codes, String message) {
    String suffix() {
      return message == null || message.isEmpty() ? "" : ": " + message;
    }
  }

  private static ErrorBody errorBody(Response r) {
    List<String> codes = new ArrayList<>();
    String message = null;
    try {
      ResponseBody body = r.body();
      if (body != null) {
        byte[] bytes;
        try (InputStream in = body.byteStream()) {
          bytes = in.readNBytes(64 * 1024);
        }
        JsonNode n = Manifests.JSON.readTree(bytes);
        if (n != null) {
          for (JsonNode e : n.path("errors")) {
            codes.add(e.path("code").asText());
            if (message == null && e.hasNonNull("message")) {
              message = e.get("message").asText();
            }
          }
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // Not a distribution error body; the status says enough.
    }
    if (message != null && message.length() > 300) {
      message = message.substring(0, 300) + "...";
    }
    return new ErrorBody(codes, message);
  }

  private String scopeKey(String host, List<String> scopes) {
    return host + " " + String.join(" ", scopes);
  }

  /** The Authorization header to send before any challenge, from what earlier challenges taught us. */
  private String authorization(String host, String registry, List<String> scopes) {
    Challenge ch = challenges.get(host);
    if (ch == null) {
      return null; // anonymous first
    }
    if (ch.scheme().equalsIgnoreCase("basic")) {
      return s.credentials().lookup(registry).map(Credential::basicHeader).orElse(null);
    }
    Token t = tokens.get(scopeKey(host, scopes));
    if (t != null && Instant.now().isBefore(t.expires())) {
      return "Bearer " + t.value();
    }
    if (ch.scheme().equalsIgnoreCase("bearer")) {
      // The remembered challenge named the scope of an earlier request: ask only for this request's scopes.
      fetchToken(host, registry, scopes, ch.withoutScope(), "token for " + registry);
      Token fresh = tokens.get(scopeKey(host, scopes));
      return fresh == null ? null : "Bearer " + fresh.value();
    }
    return null;
  }

  /** Reacts to a 401: remembers the challenge and prepares credentials; false when nothing can help. */
  private boolean prepareAuth(String host, String registry, List<String> scopes, List<Challenge> chs, String what) {
    Challenge bearer = null;
    Challenge basic = null;
    for (Challenge c : chs) {
      if (c.scheme().equalsIgnoreCase("bearer") && c.param("realm") != null) {
        bearer = c;
      } else if (c.scheme().equalsIgnoreCase("basic")) {
        basic = c;
      }
    }
    if (bearer != null) {
      challenges.put(host, bearer);
      tokens.remove(scopeKey(host, scopes));
      fetchToken(host, registry, scopes, bearer, what);
      return true;
    }
    if (basic != null) {
      if (s.credentials().lookup(registry).isEmpty()) {
        return false;
      }
      Challenge previous = challenges.put(host, basic);
      return previous == null || !previous.scheme().equalsIgnoreCase("basic");
    }
    return false;
  }

  private void fetchToken(String host, String registry, List<String> scopes, Challenge ch, String what) {
    String realm = ch.param("realm");
    HttpUrl realmUrl = HttpUrl.parse(realm);
    if (realmUrl == null) {
      throw new AuthenticationException(registry, 401, List.of(), what + ": the registry's token realm \"" + realm
          + "\" is not a valid URL");
    }
    Optional<Credential> cred = s.credentials().lookup(registry);
    String realmHost = realmUrl.host() + (realmUrl.port() == HttpUrl.defaultPort(realmUrl.scheme()) ? "" : ":" + realmUrl.port());
    if (cred.isPresent() && !realmUrl.isHttps() && !isPlain(realmHost) && !isPlain(host)) {
      throw new AuthenticationException(registry, 401, List.of(), what + ": refusing to send credentials to the "
          + "plain-HTTP token realm " + realmUrl.scheme() + "://" + realmHost);
    }
    List<String> allScopes = new ArrayList<>(scopes);
    String challengeScope = ch.param("scope");
    if (challengeScope != null && !allScopes.contains(challengeScope)) {
      allScopes.add(challengeScope);
    }
    HttpUrl.Builder url = realmUrl.newBuilder();
    String service = ch.param("service");
    Request.Builder req = new Request.Builder();
    if (cred.isPresent() && cred.get().hasIdentityToken()) {
      // OAuth2 refresh-token grant (docker config.json "identitytoken").
      FormBody.Builder form = new FormBody.Builder().add("grant_type", "refresh_token")
          .add("refresh_token", cred.get().identityToken()).add("client_id", "skiff");
      if (service != null) {
        form.add("service", service);
      }
      form.add("scope", String.join(" ", allScopes));
      req.url(url.build()).post(form.build());
    } else {
      if (service != null) {
        url.addQueryParameter("service", service);
      }
      for (String sc : allScopes) {
        url.addQueryParameter("scope", sc);
      }
      req.url(url.build()).get();
      cred.ifPresent(c -> req.header("Authorization", c.basicHeader()));
    }
    int attempt = 0;
    while (true) {
      attempt++;
      try (Response r = http(realmHost).newCall(req.build()).execute()) {
        if (r.code() == 401 || r.code() == 403) {
          ErrorBody eb = errorBody(r);
          throw new AuthenticationException(registry, r.code(), eb.codes, what + ": the token server at "
              + realmUrl.scheme() + "://" + realmHost + realmUrl.encodedPath() + " refused "
              + (cred.isPresent() ? describe(cred.get()) : "anonymous access")
              + " (HTTP " + r.code() + ")");
        }
        if ((r.code() >= 500 || r.code() == 429) && attempt < s.maxAttempts()) {
          sleep(backoff(attempt, r.header("Retry-After")));
          continue;
        }
        if (!r.isSuccessful()) {
          throw new AuthenticationException(registry, r.code(), List.of(), what + ": the token server answered HTTP " + r.code());
        }
        JsonNode n = Manifests.JSON.readTree(r.body().byteStream().readNBytes(1 << 20));
        String token = n.path("token").asText(null);
        if (token == null || token.isEmpty()) {
          token = n.path("access_token").asText(null);
        }
        if (token == null || token.isEmpty()) {
          throw new AuthenticationException(registry, r.code(), List.of(), what + ": the token server's answer has no token");
        }
        long expiresIn = Math.max(n.path("expires_in").asLong(60), 1);
        Instant issued = Instant.now();
        // Renew a little early so a token does not expire in flight.
        Instant expires = issued.plusSeconds(Math.max(1, expiresIn - Math.min(10, expiresIn / 10)));
        tokens.put(scopeKey(host, scopes), new Token(token, expires, cred.map(RegistryClient::describe).orElse(null)));
        Listeners.tokenFetched(s.listener(), registry, String.join(" ", allScopes));
        return;
      } catch (IOException e) {
        if (attempt >= s.maxAttempts() || cannotSucceed(e, realmHost)) {
          throw unreachable(registry, what + " from the token server " + realmHost, e);
        }
        sleep(backoff(attempt, null));
      }
    }
  }

  private Duration backoff(int attempt, String retryAfter) {
    if (retryAfter != null) {
      try {
        long secs = Long.parseLong(retryAfter.trim());
        return Duration.ofSeconds(Math.max(0, Math.min(secs, s.retryBudget().toSeconds())));
      } catch (NumberFormatException e) {
        try {
          ZonedDateTime when = ZonedDateTime.parse(retryAfter.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
          Duration d = Duration.between(Instant.now(), when.toInstant());
          return d.isNegative() ? Duration.ZERO : d.compareTo(s.retryBudget()) > 0 ? s.retryBudget() : d;
        } catch (RuntimeException ignored) {
          // fall through to exponential backoff
        }
      }
    }
    long base = s.initialBackoff().toMillis() << Math.min(attempt - 1, 10);
    long capped = Math.min(base, 10_000);
    long jitter = ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    return Duration.ofMillis(capped / 2 + jitter);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OciException("interrupted while waiting to retry", e);
    }
  }

  /**
   * Failures a retry cannot change within the retry budget: a host name that does not resolve (a typo),
   * and a refused connection to a loopback port (nothing listens there; no network lies in between).
   */
  static boolean cannotSucceed(IOException e, String host) {
    if (e instanceof java.net.UnknownHostException) {
      return true;
    }
    return e instanceof java.net.ConnectException && isLoopback(host);
  }

  private static RegistryException unreachable(String registry, String what, IOException e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    return new RegistryException(registry, 0, List.of(), "cannot reach registry " + registry + " while " + what + ": " + m, e);
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
