package dev.skiff;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Import;
import dev.skiff.internal.GuestThreads;
import dev.skiff.internal.LoadedModule;
import dev.skiff.internal.Modules;
import dev.skiff.oci.ImageConfig;
import dev.skiff.oci.PulledModule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A verified, parsed Wasm module and the image metadata it came with. Immutable and thread-safe: share
 * one artifact and make a {@link #runner()} per run or instance.
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
   * The module's imports as {@code module.name (kind)}.
   *
   * @return the module's imports as {@code module.name (kind)}
   */
  public List<String> imports() {
    List<String> out = new ArrayList<>();
    WasmModule m = loaded.module();
    m.importSection().stream().forEach((Import i) ->
        out.add(i.module() + "." + i.name() + " (" + i.importType().name().toLowerCase() + ")"));
    return out;
  }

  /**
   * The module's exports as {@code name (kind)}.
   *
   * @return the module's exports as {@code name (kind)}
   */
  public List<String> exports() {
    List<String> out = new ArrayList<>();
    Modules.exports(loaded.module()).forEach(e ->
        out.add(e.name() + " (" + e.exportType().name().toLowerCase() + ")"));
    return out;
  }

  /**
   * Whether the module is a WASI command (exports {@code _start}).
   *
   * @return whether the module is a WASI command (exports {@code _start})
   */
  public boolean isCommand() {
    return Runner.exportsFunction(loaded.module(), "_start");
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
   * Compiles the module now (or waits for the background compilation) so later instances run compiled.
   *
   * @return this artifact
   */
  public WasmArtifact compile() {
    loaded.compileNow();
    return this;
  }

  String programName() {
    String s = pulled.source();
    int cut = Math.max(s.lastIndexOf('/'), s.lastIndexOf(':'));
    String tail = s.substring(cut + 1);
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
    return name.isEmpty() ? tail : name + ".wasm";
  }

  @Override
  public String toString() {
    return "WasmArtifact{" + pulled.source() + ", " + pulled.moduleDigest() + "}";
  }
}
