package dev.skiff;

import dev.skiff.internal.GuestThreads;
import dev.skiff.internal.LoadedModule;
import dev.skiff.internal.Modules;
import dev.skiff.oci.ImageConfig;
import dev.skiff.oci.PulledModule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A verified Wasm module and the image metadata it came with (parsed when first needed). Immutable and
 * thread-safe: share one artifact and make a {@link #runner()} per run or instance.
 */
public final class WasmArtifact {
  private final PulledModule pulled;
  private final LoadedModule loaded;
  private final GuestThreads threads;
  private final Engine engine;

  WasmArtifact(PulledModule pulled, LoadedModule loaded, GuestThreads threads, Engine engine) {
    this.pulled = pulled;
    this.loaded = loaded;
    this.threads = threads;
    this.engine = engine;
  }

  /**
   * A new single-use runner for this module, with nothing granted yet.
   *
   * @return this runner
   */
  public Runner runner() {
    return new Runner(this, loaded, threads, engine);
  }

  /**
   * What the artifact was pulled from, as the caller named it.
   *
   * @return what the artifact was pulled from, as the caller named it
   */
  public String source() {
    return pulled.source();
  }

  /**
   * The module's digest, {@code sha256:<hex>}.
   *
   * @return the digest of the module bytes
   */
  public String moduleDigest() {
    return pulled.moduleDigest();
  }

  /**
   * Everything the OCI layer knows: digests of index, manifest, config, packaging, the module's path.
   *
   * @return everything the OCI layer knows: digests of index, manifest, config, packaging, the module's path
   */
  public PulledModule image() {
    return pulled;
  }

  /**
   * The image configuration (empty for a bare module or a CNCF artifact).
   *
   * @return the image configuration (empty for a bare module or a CNCF artifact)
   */
  public ImageConfig imageConfig() {
    return pulled.config();
  }

  /**
   * The image's read-only file tree, for Docker-style images that have one.
   *
   * @return the image's read-only file tree, for Docker-style images that have one
   */
  public Optional<Path> rootfs() {
    return pulled.rootfs();
  }

  /**
   * The module's imports, in the module's order.
   *
   * @return the imports
   * @throws InvalidModuleException the bytes are not a valid module (parsed here when first needed)
   * @throws UnsupportedModuleException the module uses a feature Chicory cannot run
   * @throws LimitExceededException the module declares a table larger than Chicory holds
   */
  public List<WasmImport> imports() {
    return loaded.module().importSection().stream().map(Modules::describe).collect(Collectors.toList());
  }

  /**
   * The module's exports, in the module's order.
   *
   * @return the exports
   * @throws InvalidModuleException the bytes are not a valid module (parsed here when first needed)
   * @throws UnsupportedModuleException the module uses a feature Chicory cannot run
   * @throws LimitExceededException the module declares a table larger than Chicory holds
   */
  public List<WasmExport> exports() {
    return Modules.exports(loaded.module()).stream().map(Modules::describe).collect(Collectors.toList());
  }

  /**
   * Whether the module is a WASI command (exports {@code _start}).
   *
   * @return whether the module is a WASI command (exports {@code _start})
   * @throws InvalidModuleException the bytes are not a valid module (parsed here when first needed)
   * @throws UnsupportedModuleException the module uses a feature Chicory cannot run
   * @throws LimitExceededException the module declares a table larger than Chicory holds
   */
  public boolean isCommand() {
    return Modules.exportsFunction(loaded.module(), "_start");
  }

  /**
   * Whether compiled code for this module is ready in memory (see {@link Engine#AUTO}).
   *
   * @return whether compiled code for this module is ready in memory (see {@link Engine#AUTO})
   */
  public boolean isCompiled() {
    return loaded.isCompiled();
  }

  /**
   * Compiles the module now (or waits for a compile under way, in this process or another) so later
   * instances run compiled, and keeps the result in the compiled-code cache beside the store, where
   * every later process finds it: the API form of {@code skiff compile}, e.g. for an image build.
   * Code already in that cache is loaded instead.
   *
   * @return this artifact
   * @throws InvalidModuleException the bytes are not a valid module (parsed here when first needed)
   * @throws UnsupportedModuleException the module uses a feature Chicory cannot run
   * @throws LimitExceededException the module declares a table larger than Chicory holds
   * @throws StoreException the compiled code cannot be written to the store
   */
  public WasmArtifact compile() {
    loaded.compileNow();
    return this;
  }

  /**
   * Waits at most {@code timeout} for the compilation that {@link Engine#AUTO} runs in the background
   * to finish and reach the compiled-code cache. A short-lived process (such as the {@code skiff}
   * command) calls this before it exits, so that its next start finds compiled code.
   *
   * @param timeout the longest wait
   * @return whether compiled code is ready; false when none is under way or the time ran out
   */
  public boolean awaitCompiled(Duration timeout) {
    return loaded.awaitCompiled(timeout);
  }

  String programName() {
    String s = pulled.source();
    if (s.startsWith("<")) {
      return "module.wasm"; // bytes or a stream: no name to show
    }
    if (s.endsWith(".wasm")) {
      return s.substring(s.lastIndexOf('/') + 1);
    }
    int at = s.indexOf('@');
    String base = at > 0 ? s.substring(0, at) : s;
    int colon = base.lastIndexOf(':');
    if (colon > base.lastIndexOf('/')) {
      base = base.substring(0, colon);
    }
    String name = base.substring(base.lastIndexOf('/') + 1);
    return name.isEmpty() ? s.substring(Math.max(s.lastIndexOf('/'), s.lastIndexOf(':')) + 1) : name + ".wasm";
  }

  @Override
  public String toString() {
    return "WasmArtifact{" + pulled.source() + ", " + pulled.moduleDigest() + "}";
  }
}
