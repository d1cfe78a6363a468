package dev.skiff;

import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.MalformedException;
import com.dylibso.chicory.wasm.types.TableLimits;
import dev.skiff.internal.CompiledCodeCache;
import dev.skiff.internal.GuestThreads;
import dev.skiff.internal.LoadedModule;
import dev.skiff.internal.TableSizes;
import dev.skiff.internal.Versions;
import dev.skiff.oci.ContentStore;
import dev.skiff.oci.ImageReference;
import dev.skiff.oci.OciClient;
import dev.skiff.oci.OciException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.PullPolicy;
import dev.skiff.oci.PulledModule;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The entry point: pulls Wasm modules from OCI registries, layouts, archives or files and runs them on
 * Chicory, sandboxed by WASI capabilities the caller grants. One instance per application; it is
 * thread-safe and shares downloads, parsed modules and compiled code between all its artifacts.
 *
 * <pre>{@code
 * try (Skiff skiff = Skiff.builder().pullPolicy(PullPolicy.IF_NOT_PRESENT).build()) {
 *   WasmArtifact app = skiff.pull("registry.example.com/tools/hello:1.2");
 *   RunResult r = app.runner().args("--name", "x").stdout(Output.capture(1 << 20)).run();
 *   System.out.println(r.exitCode() + ": " + r.stdoutText());
 * }
 * }</pre>
 */
public final class Skiff implements AutoCloseable {
  private static final int MODULE_CACHE_ENTRIES = 64;
  /** try 0x06, catch 0x07, rethrow 0x09, delegate 0x18, catch_all 0x19 (throw 0x08 is in the standard too). */
  private static final Pattern LEGACY_EH_OPCODE = Pattern.compile("illegal opcode, op value (06|07|09|18|19)\\b");

  private final OciClient oci;
  private final Engine engine;
  private final boolean backgroundCompile;
  private final CompiledCodeCache diskCache;
  private final GuestThreads threads = new GuestThreads();
  private final ExecutorService compilerThread;
  private final Map<String, LoadedModule> modules =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LoadedModule> eldest) {
          return size() > MODULE_CACHE_ENTRIES;
        }
      };

  private Skiff(Builder b) {
    try {
      this.oci = b.oci.build();
    } catch (OciException e) {
      throw Errors.fromOci(e);
    } catch (UncheckedIOException e) {
      throw Errors.fromIo(e);
    }
    this.engine = b.engine;
    this.backgroundCompile = b.backgroundCompile;
    this.diskCache = b.compiledCodeCache
        ? new CompiledCodeCache(oci.store().root(), Versions.compiledCodeNamespace())
        : null;
    this.compilerThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "skiff-compiler");
      t.setDaemon(true);
      t.setPriority(Thread.MIN_PRIORITY);
      return t;
    });
  }

  /**
   * A builder with the defaults: the user's cache folder as store, IF_NOT_PRESENT, {@link Engine#AUTO}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Resolves, downloads (as the pull policy allows) and verifies the module named by
   * {@code source}: a registry reference ({@code registry.example.com/tools/hello:1.2},
   * {@code ...@sha256:...}), {@code oci:DIR[:TAG]}, {@code oci-archive:FILE[:TAG]},
   * {@code docker-archive:FILE[:TAG]}, or a path to a {@code .wasm} file. The other {@code pull} methods
   * take the same sources typed: {@link #pull(ImageReference)}, {@link #pull(Path)}, {@link #pull(byte[])},
   * {@link #pull(InputStream)}, {@link #pull(URL)}.
   *
   * <p>The module is not parsed here, so pulling a large module costs its download and digest check
   * only: it is parsed when first needed (running, instantiating, compiling, listing imports or
   * exports), which is where {@link InvalidModuleException} and {@link UnsupportedModuleException}
   * are thrown for bytes Chicory cannot run.
   *
   * @throws PullException the source does not exist, the registry refused the credentials or could not be
   *     reached, or the pull policy is NEVER and the store lacks it ({@link PullException#reason()})
   * @throws ArtifactException the image holds no single usable preview1 module, or its content is
   *     malformed or does not match its digest ({@link ArtifactException#reason()})
   * @throws StoreException the content store cannot be read or written
   * @throws dev.skiff.oci.InvalidReferenceException (an {@link IllegalArgumentException}) the source is not
   *     a valid reference, for example {@code registry.example.com/Fmt/Hello::x}
   * @param source what to pull
   * @return the verified artifact
   */
  public WasmArtifact pull(String source) {
    Objects.requireNonNull(source, "source");
    return artifact(() -> oci.pull(source));
  }

  /**
   * Pulls the module an image reference names from its registry, as {@link #pull(String)} does.
   *
   * @param reference the image, e.g. {@code ImageReference.parse("ghcr.io/acme/hello:1.0")}
   * @return the verified artifact
   * @throws PullException the image does not exist, the registry refused the credentials or could not be
   *     reached, or the pull policy is NEVER and the store lacks it
   * @throws ArtifactException the image holds no single usable preview1 module
   * @throws StoreException the content store cannot be read or written
   */
  public WasmArtifact pull(ImageReference reference) {
    Objects.requireNonNull(reference, "reference");
    return artifact(() -> oci.pull(reference.toString()));
  }

  /**
   * Pulls a module from the file system: a {@code .wasm} file (whatever its name ends with), or a folder
   * holding an OCI image layout (as {@code oci:DIR} does).
   *
   * @param path the module file or layout folder
   * @return the verified artifact
   * @throws PullException ({@link PullException.Reason#NOT_FOUND}) the path does not exist
   * @throws ArtifactException the file is not a preview1 module, or the layout holds no single usable one
   * @throws StoreException the file or the content store cannot be read or written
   */
  public WasmArtifact pull(Path path) {
    Objects.requireNonNull(path, "path");
    String source = (Files.isDirectory(path) ? "oci:" : "file:") + path;
    return artifact(() -> oci.pull(source));
  }

  /**
   * Stores and returns a module given as bytes; its {@link WasmArtifact#source()} is {@code <bytes>}.
   *
   * @param module the module's bytes; copied into the store, not kept
   * @return the verified artifact
   * @throws ArtifactException the bytes are not a preview1 module (no {@code \0asm} header, a component)
   * @throws StoreException the content store cannot be written
   */
  public WasmArtifact pull(byte[] module) {
    Objects.requireNonNull(module, "module");
    return artifact(() -> oci.pull(module, "<bytes>"));
  }

  /**
   * Reads a module from a stream to its end and stores it; the stream is not closed. Its
   * {@link WasmArtifact#source()} is {@code <stream>}.
   *
   * @param module the module's bytes
   * @return the verified artifact
   * @throws PullException ({@link PullException.Reason#UNREACHABLE}) reading the stream failed
   * @throws ArtifactException the bytes are not a preview1 module, or more than 1 GiB
   *     ({@link ArtifactException.Reason#MALFORMED})
   * @throws StoreException the content store cannot be written
   */
  public WasmArtifact pull(InputStream module) {
    Objects.requireNonNull(module, "module");
    byte[] bytes;
    try {
      bytes = readModule(module, "the module stream", MAX_STREAMED_MODULE_BYTES);
    } catch (IOException e) {
      throw new PullException(PullException.Reason.UNREACHABLE, null, 0, List.of(),
          "Cannot read the module stream: " + e.getMessage(), e);
    }
    return artifact(() -> oci.pull(bytes, "<stream>"));
  }

  /**
   * Reads a module from a URL (with {@link URL#openStream()}), typically a class path resource:
   *
   * <pre>{@code
   * WasmArtifact app = skiff.pull(MyTest.class.getResource("/hello.wasm"));
   * }</pre>
   *
   * <p>For registries use {@link #pull(String)}: this reads the bytes of one module, not an image.
   *
   * @param url where the module's bytes are; its text is the artifact's {@link WasmArtifact#source()}
   * @return the verified artifact
   * @throws PullException the URL names nothing ({@link PullException.Reason#NOT_FOUND}) or cannot be read
   *     ({@link PullException.Reason#UNREACHABLE})
   * @throws ArtifactException the bytes are not a preview1 module, or more than 1 GiB
   *     ({@link ArtifactException.Reason#MALFORMED})
   * @throws StoreException the content store cannot be written
   */
  public WasmArtifact pull(URL url) {
    Objects.requireNonNull(url, "url");
    byte[] bytes;
    try (InputStream in = url.openStream()) {
      bytes = readModule(in, "the module " + url, MAX_STREAMED_MODULE_BYTES);
    } catch (FileNotFoundException | NoSuchFileException e) {
      throw new PullException(PullException.Reason.NOT_FOUND, null, 0, List.of(),
          "The module " + url + " does not exist", e);
    } catch (IOException e) {
      throw new PullException(PullException.Reason.UNREACHABLE, null, 0, List.of(),
          "Cannot read the module " + url + ": " + e.getMessage(), e);
    }
    return artifact(() -> oci.pull(bytes, url.toString()));
  }

  /**
   * The most bytes a module given as a stream or URL may have: it is read into memory, so a stream that
   * never ends fails here instead of filling the heap. No real preview1 module comes near it.
   */
  static final int MAX_STREAMED_MODULE_BYTES = 1 << 30;

  static byte[] readModule(InputStream in, String what, int max) throws IOException {
    byte[] bytes = in.readNBytes(max + 1); // reads in chunks, up to the cap and one byte more
    if (bytes.length > max) {
      throw new ArtifactException(ArtifactException.Reason.MALFORMED, List.of(), null, null,
          what + " is larger than " + max + " bytes, the most a module read into memory may have; "
              + "store it as a file and pull the path", null);
    }
    return bytes;
  }

  private WasmArtifact artifact(Supplier<PulledModule> pull) {
    PulledModule pulled;
    try {
      pulled = pull.get();
    } catch (OciException e) {
      throw Errors.fromOci(e);
    } catch (UncheckedIOException e) {
      throw Errors.fromIo(e);
    }
    return new WasmArtifact(pulled, load(pulled), threads, engine);
  }

  /**
   * Pushes a {@code .wasm} file to a registry as a CNCF Wasm artifact and returns the manifest digest.
   *
   * @param wasmFile the .wasm module
   * @param reference the target reference, e.g. registry.example.com/tools/hello:1.0
   * @return the manifest digest, {@code sha256:<hex>}
   * @throws PullException the file does not exist, or the registry refused, failed
   *     ({@link PullException.Reason#REGISTRY_ERROR}) or could not be reached
   * @throws ArtifactException the file is not a preview1 module
   * @throws StoreException the content store cannot be read or written
   * @throws dev.skiff.oci.InvalidReferenceException (an {@link IllegalArgumentException}) the reference
   *     is not valid
   */
  public String push(Path wasmFile, String reference) {
    Objects.requireNonNull(wasmFile, "wasmFile");
    Objects.requireNonNull(reference, "reference");
    try {
      return oci.push(wasmFile, reference);
    } catch (OciException e) {
      throw Errors.fromOci(e);
    } catch (UncheckedIOException e) {
      throw Errors.fromIo(e);
    }
  }

  /**
   * The OCI client underneath, for inspection and store maintenance.
   *
   * @return the OCI client underneath, for inspection and store maintenance
   */
  public OciClient oci() {
    return oci;
  }

  /**
   * Shrinks the local store: blobs are pruned least recently used first until they fit in
   * {@code maxBytes} (as {@code oci().store().prune(maxBytes)} does), then compiled code is removed
   * for every module no longer stored, and compiled code of other Chicory versions too.
   *
   * @param maxBytes the most blob bytes to keep; 0 empties the store
   * @return the bytes freed, compiled code included
   * @throws StoreException if the store cannot be read or written
   * @throws IllegalArgumentException if maxBytes is negative
   */
  public long pruneStore(long maxBytes) {
    long freed;
    List<String> kept;
    try {
      freed = oci.store().prune(maxBytes);
      kept = oci.store().list().stream().map(ContentStore.Entry::digest).collect(Collectors.toList());
    } catch (OciException | UncheckedIOException e) {
      throw new StoreException("Cannot prune the store " + oci.store().root() + ": " + e.getMessage(), e);
    }
    try {
      CompiledCodeCache cache = diskCache != null ? diskCache
          : new CompiledCodeCache(oci.store().root(), Versions.compiledCodeNamespace());
      return freed + cache.retainModules(kept);
    } catch (IOException | UncheckedIOException e) {
      throw new StoreException("Cannot prune compiled code in " + oci.store().root() + ": " + e.getMessage(), e);
    }
  }

  private LoadedModule load(PulledModule pulled) {
    String digest = pulled.moduleDigest();
    synchronized (modules) {
      return modules.computeIfAbsent(digest, d -> new LoadedModule(pulled.modulePath(), d, diskCache,
          compilerThread, backgroundCompile, e -> parseError(pulled, e)));
    }
  }

  private static RuntimeException parseError(PulledModule pulled, RuntimeException e) {
    if (e instanceof MalformedException && LEGACY_EH_OPCODE.matcher(String.valueOf(e.getMessage())).find()) {
      // Chicory reports the legacy exception-handling opcodes as illegal; they are valid Wasm it lacks.
      return new UnsupportedModuleException("The module of " + pulled.source() + " uses the legacy "
          + "exception-handling instructions (try, catch, rethrow, delegate), which Chicory " + Versions.CHICORY
          + " cannot run: rebuild it with the standard exception handling (try_table) or without exceptions ("
          + e.getMessage() + ")", e);
    }
    if (e instanceof MalformedException) {
      return new InvalidModuleException("The module of " + pulled.source()
          + " is not a valid WebAssembly module: " + e.getMessage(), e);
    }
    if (e instanceof ChicoryException) {
      long table = TableSizes.oversized(pulled.modulePath());
      if (table >= 0) {
        return new LimitExceededException("The module of " + pulled.source() + " declares a table of "
            + table + " elements; Chicory " + Versions.CHICORY + " holds at most " + TableLimits.LIMIT_MAX
            + " elements per table.", e);
      }
      return new UnsupportedModuleException("The module of " + pulled.source()
          + " uses a WebAssembly feature Chicory " + Versions.CHICORY + " cannot run: " + e.getMessage(), e);
    }
    return e;
  }

  /**
   * Stops guest threads and the background compiler, and closes the registry client.
   */
  @Override
  public void close() {
    threads.close();
    compilerThread.shutdownNow();
    if (diskCache != null) {
      // a compile under way cannot be interrupted; a closed cache keeps it from writing to the store
      diskCache.close();
    }
    oci.close();
  }

  /** Builds a {@link Skiff}. */
  public static final class Builder {
    private final OciClient.Builder oci = OciClient.builder();
    private Engine engine = Engine.AUTO;
    private boolean compiledCodeCache = true;
    private boolean backgroundCompile = true;

    private Builder() {}

    /**
     * The content store folder (default: {@code $XDG_CACHE_HOME/skiff} or {@code ~/.cache/skiff}).
     *
     * @param dir the folder
     * @return this builder
     */
    public Builder store(Path dir) {
      oci.store(dir);
      return this;
    }

    /**
     * When to contact registries (default {@link PullPolicy#IF_NOT_PRESENT}).
     *
     * @param policy the pull policy
     * @return this builder
     */
    public Builder pullPolicy(PullPolicy policy) {
      oci.pullPolicy(policy);
      return this;
    }

    /**
     * Allows plain HTTP to this registry host (loopback hosts always are).
     *
     * @param host the registry host, with port if any
     * @return this builder
     */
    public Builder insecureRegistry(String host) {
      oci.insecureRegistry(host);
      return this;
    }

    /**
     * Credentials for one registry; tried after anonymous access is refused.
     *
     * @param registry the registry host
     * @param username the user name
     * @param password the password (never logged or shown)
     * @return this builder
     */
    public Builder credentials(String registry, String username, String password) {
      oci.credentials(registry, username, password);
      return this;
    }

    /**
     * Forces the platform chosen from an image index, for example {@code wasip1/wasm}.
     *
     * @param platform os/arch, for example wasip1/wasm
     * @return this builder
     */
    public Builder platform(String platform) {
      oci.platform(platform);
      return this;
    }

    /**
     * Receives pull events, for progress bars.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(PullListener listener) {
      oci.listener(listener);
      return this;
    }

    /**
     * Configures the registry client with any {@link OciClient.Builder} setting, beyond the shortcuts on
     * this builder: mirrors, trusted certificates for a private CA, timeouts, retries, extraction caps.
     * The consumer receives the same builder the shortcuts write to, so settings apply in call order;
     * it must not call {@link OciClient.Builder#build()} (Skiff builds and owns the client).
     *
     * <pre>{@code
     * Skiff skiff = Skiff.builder()
     *     .oci(o -> o.mirror("docker.io", "mirror.example.com")
     *         .trustedCertificates("registry.example.com", Path.of("ca.pem"))
     *         .readTimeout(Duration.ofSeconds(60)))
     *     .build();
     * }</pre>
     *
     * @param configure sets options on the registry client's builder
     * @return this builder
     */
    public Builder oci(Consumer<OciClient.Builder> configure) {
      Objects.requireNonNull(configure, "configure").accept(oci);
      return this;
    }

    /**
     * The default execution engine of runners (default {@link Engine#AUTO}).
     *
     * @param engine the engine
     * @return this builder
     */
    public Builder engine(Engine engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /**
     * Whether compiled code is cached on disk beside the store (default true).
     *
     * @param enabled whether it is on
     * @return this builder
     */
    public Builder compiledCodeCache(boolean enabled) {
      this.compiledCodeCache = enabled;
      return this;
    }

    /**
     * Whether {@link Engine#AUTO} compiles a module in the background while its first instances
     * interpret (default true). Off, AUTO interprets until compiled code is in the disk cache, for
     * example from {@link WasmArtifact#compile()} or {@code skiff compile} in an image build.
     *
     * @param enabled whether it is on
     * @return this builder
     */
    public Builder backgroundCompile(boolean enabled) {
      this.backgroundCompile = enabled;
      return this;
    }

    /**
     * The configured, thread-safe {@link Skiff}.
     *
     * @return the configured, thread-safe {@link Skiff}
     * @throws StoreException the store folder cannot be created or opened, or a trusted-certificate file
     *     given through {@link #oci(Consumer)} cannot be read
     */
    public Skiff build() {
      return new Skiff(this);
    }
  }
}
