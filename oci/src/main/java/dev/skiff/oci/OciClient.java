package dev.skiff.oci;

import dev.skiff.oci.internal.format.Manifests;
import dev.skiff.oci.internal.pull.Puller;
import dev.skiff.oci.internal.push.Pusher;
import dev.skiff.oci.internal.registry.Credential;
import dev.skiff.oci.internal.registry.CredentialSources;
import dev.skiff.oci.internal.registry.HttpLog;
import dev.skiff.oci.internal.registry.RegistryClient;
import dev.skiff.oci.internal.registry.Timing;
import dev.skiff.oci.internal.registry.TrustedCertificates;
import dev.skiff.oci.internal.source.Sources;
import dev.skiff.oci.internal.store.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * Pulls WebAssembly modules from registries, OCI layouts, archives and plain files into a verified local
 * store, inspects images, and pushes modules as CNCF Wasm artifacts. Thread-safe; make one per application
 * and close it when done.
 *
 * <pre>{@code
 * try (OciClient oci = OciClient.builder().pullPolicy(PullPolicy.IF_NOT_PRESENT).build()) {
 *   PulledModule m = oci.pull("ghcr.io/acme/hello:1.0");
 *   byte[] wasm = m.moduleBytes();
 * }
 * }</pre>
 */
public final class OciClient implements AutoCloseable {
  private final Builder config;
  private final ContentStore store;
  private final Map<String, TrustedCertificates> trust = new HashMap<>();
  private final CredentialSources credentials;
  /** The HTTP side, made on first use: building OkHttp costs a cold JVM ~0.25 s that local sources never need. */
  private HttpSide httpSide;
  private final Map<String, String> blobRepos = new ConcurrentHashMap<>();
  private final Sources sources;
  private final Pusher pusher;

  /** OkHttp and the registry client over it. */
  private record HttpSide(OkHttpClient http, RegistryClient registry) {}

  private OciClient(Builder b) {
    this.config = b.copy();
    this.store = new ContentStore(new BlobStore(b.store != null ? b.store : defaultStore(), b.fsync));
    // Certificates are read now, so a bad file fails the build() that named it.
    b.trustedCertificates.forEach((host, file) -> trust.put(host, TrustedCertificates.load(file)));
    this.credentials = CredentialSources.defaults(b.credentials,
        b.environment != null ? b.environment : System.getenv(),
        b.home != null ? b.home : Path.of(System.getProperty("user.home")));
    this.sources = new Sources(new Sources.Settings(store.blobs(), config.listener, config.pullPolicy,
        config.maxExtractedBytes, config.mirrors, this::registry, blobRepos));
    this.pusher = new Pusher(store.blobs(), () -> registry().uploads(), config.pushChunkSize, blobRepos);
  }

  private synchronized RegistryClient registry() {
    if (httpSide == null) {
      OkHttpClient http = new OkHttpClient.Builder()
          .connectTimeout(config.connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .readTimeout(config.readTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .writeTimeout(config.readTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .retryOnConnectionFailure(false) // Skiff retries itself, with backoff and resume
          .addInterceptor(HttpLog.INSTANCE)
          .build();
      Map<String, OkHttpClient> perRegistry = new HashMap<>();
      trust.forEach((host, tc) ->
          perRegistry.put(host, http.newBuilder().sslSocketFactory(tc.socketFactory(), tc.trustManager()).build()));
      httpSide = new HttpSide(http, new RegistryClient(new RegistryClient.Settings(http, perRegistry,
          Set.copyOf(config.insecure), credentials, config.listener, config.maxAttempts, config.retryBackoff,
          config.retryBudget, config.timing)));
    }
    return httpSide.registry();
  }

  private static Path defaultStore() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("skiff");
  }

  /**
   * Starts configuring a client.
   *
   * @return a new builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The local content store.
   *
   * @return the store
   */
  public ContentStore store() {
    return store;
  }

  /**
   * Pulls the module a source names, choosing it per the image's packaging.
   *
   * @param source a registry reference ({@code [docker://]host/repo:tag}), {@code oci:DIR[:TAG]},
   *     {@code oci-archive:FILE[:TAG]}, {@code docker-archive:FILE[:TAG]}, or a path to a {@code .wasm} file
   *     (a source ending in {@code .wasm} is a path unless it starts with a registry host)
   * @return the verified module
   * @throws InvalidReferenceException when the source is not well-formed
   * @throws OciException (a typed subclass) when the pull fails
   */
  public PulledModule pull(String source) {
    return pull(source, null);
  }

  /**
   * Pulls a named module out of a source that holds several: a path inside an image (e.g.
   * {@code /app/tool.wasm}) or a layer digest.
   *
   * @param source as for {@link #pull(String)}
   * @param module the path inside the image or a layer digest; null to choose as {@link #pull(String)} does
   * @return the verified module
   */
  public PulledModule pull(String source, String module) {
    Objects.requireNonNull(source, "source");
    Puller puller = new Puller(store.blobs(), config.listener, config.platform, config.maxExtractedBytes,
        config.maxBlobBytes);
    Path bare = Sources.barePath(source);
    if (bare != null) {
      return pullBare(source, bare);
    }
    return sources.open(source, src -> {
      Puller.Result r = puller.pull(src, module);
      Puller.Resolved rv = r.resolved();
      return new PulledModule(source, r.modulePath(), r.moduleDigest(), r.moduleSize(), rv.indexDigest(),
          rv.manifestDigest(), rv.manifest().config().digest(), rv.packaging(), rv.config(), r.rootfs(),
          r.modulePathInImage());
    });
  }

  /**
   * Resolves a source without downloading layers: index platforms, digests, media types and config.
   *
   * @param source as for {@link #pull(String)} (a bare {@code .wasm} is not inspectable)
   * @return what the source holds
   */
  public ImageInfo inspect(String source) {
    Objects.requireNonNull(source, "source");
    Puller puller = new Puller(store.blobs(), config.listener, config.platform, config.maxExtractedBytes,
        config.maxBlobBytes);
    return sources.open(source, src -> {
      Puller.Resolved r = puller.resolve(src, true);
      Manifests.Manifest m = r.manifest();
      List<ImageInfo.Layer> layers = m == null ? List.of()
          : m.layers().stream().map(d -> new ImageInfo.Layer(d.digest(), d.mediaType(), d.size())).toList();
      return new ImageInfo(source, r.indexDigest(), r.platforms(), r.platform(), r.manifestDigest(),
          m == null ? null : m.mediaType(), m == null ? null : m.config().digest(),
          m == null ? null : m.config().mediaType(), layers, r.config(), r.packaging(), r.refusal());
    });
  }

  private PulledModule pullBare(String source, Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new NotFoundException(source, "module file " + file + " does not exist");
    } catch (IOException e) {
      throw new OciException("cannot read module file " + file + ": " + e.getMessage(), e);
    }
    return storeBare(source, bytes, "file " + file);
  }

  /**
   * Stores a module given as bytes (read from a class path resource, a stream, a database) as a bare
   * module, as {@link #pull(String)} does a {@code .wasm} file: its header is checked, nothing is parsed.
   *
   * @param module the module's bytes; not kept
   * @param label names the module in {@link PulledModule#source()} and in messages, e.g. a resource name
   * @return the stored module
   * @throws UnsupportedArtifactException when the bytes do not start like a preview1 module
   * @throws OciException when the store cannot be written
   */
  public PulledModule pull(byte[] module, String label) {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(label, "label");
    return storeBare(label, module, label);
  }

  private PulledModule storeBare(String source, byte[] bytes, String what) {
    Puller.checkWasmHeader(bytes, what);
    String digest = store.blobs().put(bytes);
    return new PulledModule(source, store.blobs().blobPath(digest), digest, bytes.length, null, null, null,
        Packaging.BARE_MODULE, ImageConfig.empty(), null, null);
  }

  /**
   * Pushes a module as a CNCF TAG-Runtime Wasm artifact (config {@code application/vnd.wasm.config.v0+json}
   * with {@code os: wasip1} and {@code layerDigests}, one {@code application/wasm} layer), reusing blobs the
   * registry already has, mounting across repositories when this client knows a repository holding them,
   * and uploading larger blobs in chunks.
   *
   * @param wasmFile the module to push
   * @param reference where to push it, e.g. {@code 127.0.0.1:5000/demo/hello:v1}
   * @return the manifest digest
   */
  public String push(Path wasmFile, String reference) {
    ImageReference ref = ImageReference.parse(reference.startsWith("docker://")
        ? reference.substring("docker://".length()) : reference);
    if (config.pullPolicy == PullPolicy.NEVER) {
      throw new OfflineMissException(reference, "cannot push " + reference + " with pull policy NEVER (offline)");
    }
    return pusher.push(wasmFile, ref);
  }

  /** Releases connections and threads. */
  @Override
  public synchronized void close() {
    if (httpSide != null) {
      httpSide.http().dispatcher().executorService().shutdown();
      httpSide.http().connectionPool().evictAll();
    }
  }

  @Override
  public String toString() {
    return "OciClient{store=" + store.root() + ", pullPolicy=" + config.pullPolicy + ", registriesWithCredentials="
        + config.credentials.keySet() + "}";
  }

  /** Configures an {@link OciClient}; every setting has a default. Not thread-safe; {@link #build()} copies it. */
  public static final class Builder {
    private Path store;
    private PullPolicy pullPolicy = PullPolicy.IF_NOT_PRESENT;
    private Set<String> insecure = new LinkedHashSet<>();
    private Map<String, Credential> credentials = new LinkedHashMap<>();
    private String platform;
    private PullListener listener = new PullListener() {};
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(30);
    private int maxAttempts = 5;
    private Duration retryBackoff = Duration.ofMillis(250);
    private Duration retryBudget = Duration.ofMinutes(2);
    private long maxExtractedBytes = 2L << 30;
    private long maxBlobBytes = 4L << 30;
    private long pushChunkSize = 16L << 20;
    private Map<String, List<String>> mirrors = new LinkedHashMap<>();
    private Map<String, Path> trustedCertificates = new LinkedHashMap<>();
    private boolean fsync = true;
    private Map<String, String> environment;
    private Path home;
    private Timing timing = Timing.SYSTEM;

    private Builder() {}

    /**
     * Test and measurement seam (not public API): the environment ({@code DOCKER_CONFIG},
     * {@code REGISTRY_AUTH_FILE}, {@code XDG_RUNTIME_DIR}, {@code SKIFF_*}, {@code PATH} for credential
     * helpers) and home directory that credential sources read instead of the process's own.
     */
    Builder credentialEnvironment(Map<String, String> env, Path homeDir) {
      this.environment = Map.copyOf(env);
      this.home = Objects.requireNonNull(homeDir, "homeDir");
      return this;
    }

    /**
     * Test seam (not public API): the clock and sleeper of retries, token expiry and {@code Retry-After},
     * so tests outlive a token or a {@code Retry-After} without waiting.
     */
    Builder timing(Clock clock, Timing.Sleeper sleeper) {
      this.timing = new Timing(Objects.requireNonNull(clock, "clock"), Objects.requireNonNull(sleeper, "sleeper"));
      return this;
    }

    /** Measurement seam (not public API): skip fsync of committed blobs, to compare with tools that never sync. */
    Builder fsync(boolean enabled) {
      this.fsync = enabled;
      return this;
    }

    private Builder copy() {
      Builder b = new Builder();
      b.store = store;
      b.pullPolicy = pullPolicy;
      b.insecure = Set.copyOf(insecure);
      b.credentials = Map.copyOf(credentials);
      b.platform = platform;
      b.listener = listener;
      b.connectTimeout = connectTimeout;
      b.readTimeout = readTimeout;
      b.maxAttempts = maxAttempts;
      b.retryBackoff = retryBackoff;
      b.retryBudget = retryBudget;
      b.maxExtractedBytes = maxExtractedBytes;
      b.maxBlobBytes = maxBlobBytes;
      b.pushChunkSize = pushChunkSize;
      Map<String, List<String>> mm = new LinkedHashMap<>();
      mirrors.forEach((k, v) -> mm.put(k, List.copyOf(v)));
      b.mirrors = Map.copyOf(mm);
      b.trustedCertificates = Map.copyOf(trustedCertificates);
      b.fsync = fsync;
      b.environment = environment;
      b.home = home;
      b.timing = timing;
      return b;
    }

    /**
     * Where the content store lives (default {@code $XDG_CACHE_HOME/skiff}, else {@code ~/.cache/skiff}).
     *
     * @param dir the store root; created when missing
     * @return this builder
     */
    public Builder store(Path dir) {
      this.store = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * When the network may be used (default {@link PullPolicy#IF_NOT_PRESENT}).
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder pullPolicy(PullPolicy policy) {
      this.pullPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Allows plain HTTP to a registry (loopback hosts are always allowed).
     *
     * @param host the registry host with optional port, as in references
     * @return this builder
     */
    public Builder insecureRegistry(String host) {
      insecure.add(requireHost(host));
      return this;
    }

    /**
     * Credentials for one registry, tried before the environment, Docker and podman configuration. They are
     * sent only after the registry asks for authentication.
     *
     * @param registry the registry host with optional port ({@code docker.io} for Docker Hub)
     * @param username the user name
     * @param password the password or access token
     * @return this builder
     */
    public Builder credentials(String registry, String username, String password) {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
      credentials.put(requireHost(registry), new Credential(username, password, null,
          "OciClient.Builder.credentials"));
      return this;
    }

    /**
     * Forces the platform chosen from image indexes, e.g. {@code wasi/wasm} or {@code wasip1/wasm}
     * (default: the first entry whose os starts with {@code wasi} and whose architecture is
     * {@code wasm} or {@code wasm32}, ignoring case).
     *
     * @param osArch {@code os/arch[/variant]}
     * @return this builder
     */
    public Builder platform(String osArch) {
      Objects.requireNonNull(osArch, "osArch");
      if (!osArch.matches("[^/\\s]+/[^/\\s]+(/[^/\\s]+)?")) {
        throw new IllegalArgumentException("platform must be os/arch[/variant]: " + osArch);
      }
      this.platform = osArch;
      return this;
    }

    /**
     * Observes pulls (progress, cache hits, tokens).
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(PullListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * TCP connect timeout (default 10 s).
     *
     * @param timeout a positive duration of at most {@code Integer.MAX_VALUE} ms
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout(timeout, "connectTimeout");
      return this;
    }

    /**
     * Longest silence while reading or writing a response (default 30 s); a registry that hangs fails
     * after it (and the retries).
     *
     * @param timeout a positive duration of at most {@code Integer.MAX_VALUE} ms
     * @return this builder
     */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = timeout(timeout, "readTimeout");
      return this;
    }

    /**
     * Retries of connection failures, 5xx, 408 and 429 (default 5 attempts, first backoff 250 ms, doubling
     * with jitter, within 2 minutes in all). Other 4xx are never retried.
     *
     * @param maxAttempts attempts per request, at least 1
     * @param initialBackoff the first wait
     * @param budget total time after which no new attempt starts
     * @return this builder
     */
    public Builder retries(int maxAttempts, Duration initialBackoff, Duration budget) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      this.retryBackoff = Objects.requireNonNull(initialBackoff, "initialBackoff");
      this.retryBudget = positive(budget, "budget");
      return this;
    }

    /**
     * Cap on the expanded size of an image's tar layers or of an archive (default 2 GiB): stops
     * decompression bombs.
     *
     * @param bytes the cap
     * @return this builder
     */
    public Builder maxExtractedBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxExtractedBytes must be > 0: " + bytes);
      }
      this.maxExtractedBytes = bytes;
      return this;
    }

    /**
     * Cap on the size of one layer blob (default 4 GiB): a descriptor declaring more is refused before
     * anything is downloaded, and every download stops at the size its descriptor declares. Manifests and
     * configs have smaller caps of their own.
     *
     * @param bytes the cap
     * @return this builder
     */
    public Builder maxBlobBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxBlobBytes must be > 0: " + bytes);
      }
      this.maxBlobBytes = bytes;
      return this;
    }

    /**
     * Blobs larger than this are pushed in chunks (PATCH with Content-Range) of this size (default 16 MiB).
     *
     * @param bytes the chunk size
     * @return this builder
     */
    public Builder pushChunkSize(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("pushChunkSize must be > 0: " + bytes);
      }
      this.pushChunkSize = bytes;
      return this;
    }

    /**
     * Pulls from a mirror before the registry itself; on any failure of the mirror the origin is used.
     *
     * @param registry the registry as in references (e.g. {@code docker.io})
     * @param mirrorHost the mirror host with optional port, serving the same repositories
     * @return this builder
     */
    public Builder mirror(String registry, String mirrorHost) {
      mirrors.computeIfAbsent(requireHost(registry), k -> new ArrayList<>()).add(requireHost(mirrorHost));
      return this;
    }

    /**
     * Trusts the CA certificates in a PEM file, or a PKCS12/JKS truststore without password, for one
     * registry (instead of the JVM's default trust).
     *
     * @param registry the registry host with optional port
     * @param pemOrTruststore the file
     * @return this builder
     */
    public Builder trustedCertificates(String registry, Path pemOrTruststore) {
      trustedCertificates.put(requireHost(registry), Objects.requireNonNull(pemOrTruststore, "pemOrTruststore"));
      return this;
    }

    /**
     * Builds the client.
     *
     * @return a new client
     * @throws OciException when the store cannot be created or a certificate file cannot be read
     */
    public OciClient build() {
      return new OciClient(this);
    }

    private static String requireHost(String host) {
      Objects.requireNonNull(host, "host");
      if (host.isEmpty() || host.contains("/") || host.contains(" ")) {
        throw new IllegalArgumentException("expected a registry host with optional port, e.g. ghcr.io or "
            + "127.0.0.1:5000: \"" + host + "\"");
      }
      return host;
    }

    /** The HTTP client is built on first network use: refuse here what it would refuse there. */
    private static Duration timeout(Duration d, String name) {
      if (positive(d, name).compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
        throw new IllegalArgumentException(name + " must be at most " + Integer.MAX_VALUE + " ms: " + d);
      }
      return d;
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
