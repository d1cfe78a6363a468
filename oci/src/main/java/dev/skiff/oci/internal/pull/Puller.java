package dev.skiff.oci.internal.pull;

import dev.skiff.oci.AmbiguousModuleException;
import dev.skiff.oci.ImageConfig;
import dev.skiff.oci.MalformedContentException;
import dev.skiff.oci.NoMatchingPlatformException;
import dev.skiff.oci.NotFoundException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.Packaging;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.UnsupportedArtifactException;
import dev.skiff.oci.internal.format.Descriptor;
import dev.skiff.oci.internal.format.Manifests;
import dev.skiff.oci.internal.format.MediaTypes;
import dev.skiff.oci.internal.source.Source;
import dev.skiff.oci.internal.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** Resolves a source to a manifest, decides the packaging, and produces the verified module. */
public final class Puller {
  static final int MAX_INDEX_DEPTH = 4;

  private final BlobStore store;
  private final PullListener listener;
  private final String platform;
  private final long maxExtractedBytes;
  private final long maxBlobBytes;

  public Puller(BlobStore store, PullListener listener, String platform, long maxExtractedBytes, long maxBlobBytes) {
    this.store = store;
    this.listener = listener;
    this.platform = platform;
    this.maxExtractedBytes = maxExtractedBytes;
    this.maxBlobBytes = maxBlobBytes;
  }

  /** Refuses, before anything is downloaded, a layer whose descriptor declares more than the caller's limit. */
  private void checkDeclaredSize(Descriptor d, Source src) {
    if (d.size() > maxBlobBytes) {
      throw new MalformedContentException("layer " + d.digest() + " of " + src.describe() + " declares " + d.size()
          + " bytes, more than the " + maxBlobBytes + "-byte limit; raise it with OciClient.Builder.maxBlobBytes"
          + " if the image is genuine");
    }
  }

  /** What resolution found, before any layer is downloaded. */
  public record Resolved(String indexDigest, List<String> platforms, String platform, String manifestDigest,
      Manifests.Manifest manifest, ImageConfig config, Packaging packaging, String refusal) {}

  /** A pulled module. */
  public record Result(Resolved resolved, Path modulePath, String moduleDigest, long moduleSize, Path rootfs,
      String modulePathInImage) {}

  public Resolved resolve(Source src, boolean forInspect) {
    Source.Top top = src.top();
    String what = src.describe();
    Manifests.Parsed p = Manifests.parse(top.bytes(), top.mediaType(), what);
    String indexDigest = null;
    List<String> platforms = List.of();
    String chosen = null;
    String manifestDigest = top.digest();
    Set<String> seen = new HashSet<>();
    seen.add(top.digest());
    int depth = 0;
    while (p instanceof Manifests.Index idx) {
      if (++depth > MAX_INDEX_DEPTH) {
        throw new MalformedContentException("index " + what + " nests indexes more than " + MAX_INDEX_DEPTH + " deep");
      }
      if (indexDigest == null) {
        indexDigest = manifestDigest;
        platforms = idx.manifests().stream().filter(d -> d.platform() != null).map(d -> d.platform().toString()).toList();
      }
      Descriptor d;
      try {
        d = choose(idx, what);
      } catch (NoMatchingPlatformException e) {
        if (forInspect) {
          return new Resolved(indexDigest, platforms, null, null, null, ImageConfig.empty(), null, e.getMessage());
        }
        throw e;
      }
      if (!seen.add(d.digest())) {
        throw new MalformedContentException("index " + what + " refers back to " + d.digest() + " (an index cycle)");
      }
      chosen = d.platform() == null ? null : d.platform().toString();
      p = Manifests.parse(src.manifest(d), d.mediaType(), d.digest());
      manifestDigest = d.digest();
    }
    Manifests.Manifest m = (Manifests.Manifest) p;
    Descriptor cd = m.config();
    ImageConfig config = Manifests.config(src.config(cd), m.annotations(), cd.digest());
    Packaging pk = null;
    String refusal = null;
    try {
      pk = classify(m, config, what);
    } catch (OciException e) {
      if (!forInspect) {
        throw e;
      }
      refusal = e.getMessage();
    }
    return new Resolved(indexDigest, platforms, chosen, manifestDigest, m, config, pk, refusal);
  }

  static boolean isAttestation(Descriptor d) {
    return "attestation-manifest".equals(d.annotations().get("vnd.docker.reference.type"))
        || d.platform() != null && "unknown".equals(d.platform().os()) && "unknown".equals(d.platform().architecture());
  }

  public static boolean isWasm(Descriptor.Platform p) {
    String os = p.os() == null ? "" : p.os().toLowerCase(Locale.ROOT);
    String arch = p.architecture() == null ? "" : p.architecture().toLowerCase(Locale.ROOT);
    return os.startsWith("wasi") && (arch.equals("wasm") || arch.equals("wasm32"));
  }

  Descriptor choose(Manifests.Index idx, String what) {
    List<Descriptor> candidates = idx.manifests().stream().filter(d -> !isAttestation(d)).toList();
    List<String> available = idx.manifests().stream().filter(d -> d.platform() != null)
        .map(d -> d.platform().toString()).toList();
    if (platform != null) {
      for (Descriptor d : candidates) {
        if (d.platform() != null && (d.platform().toString().equalsIgnoreCase(platform)
            || (d.platform().os() + "/" + d.platform().architecture()).equalsIgnoreCase(platform))) {
          return d;
        }
      }
      throw new NoMatchingPlatformException(available, "index " + what + " has no entry for platform " + platform
          + "; it has " + available);
    }
    for (Descriptor d : candidates) {
      if (d.platform() != null && isWasm(d.platform())) {
        return d;
      }
    }
    // Artifact indexes often carry no platform at all: a single such entry is unambiguous.
    List<Descriptor> unplatformed = candidates.stream().filter(d -> d.platform() == null).toList();
    if (unplatformed.size() == 1 && candidates.size() == 1) {
      return unplatformed.get(0);
    }
    throw new NoMatchingPlatformException(available, "index " + what + " has no WebAssembly entry (os wasi*, "
        + "architecture wasm or wasm32); it has " + (available.isEmpty() ? "no platform entries" : available)
        + ". Force one with platform(\"os/arch\") if the image is mislabelled");
  }

  static Packaging classify(Manifests.Manifest m, ImageConfig config, String what) {
    String cmt = m.config().mediaType();
    List<String> lmts = m.layers().stream().map(Descriptor::mediaType).toList();
    if (cmt.contains("fermyon.spin") || lmts.stream().anyMatch(t -> t.contains("fermyon.spin"))
        || lmts.contains("application/vnd.wasm.content.layer.v1+data")) {
      throw new UnsupportedArtifactException(what + " is a Spin application (" + m.layers().size()
          + " layers: locked app, Wasm and data); Skiff runs single WASI preview1 modules, not Spin apps");
    }
    if (cmt.equals(MediaTypes.WASM_CONFIG_V0)) {
      if (m.layers().size() != 1 || !m.layers().get(0).mediaType().equals(MediaTypes.WASM_LAYER)) {
        throw new UnsupportedArtifactException(what + " is a CNCF Wasm artifact with layers " + lmts
            + "; the CNCF Wasm OCI artifact spec requires exactly one application/wasm layer");
      }
      if (config.os().equalsIgnoreCase("wasip2")) {
        throw new UnsupportedArtifactException(what + " is a WebAssembly component (os wasip2); Skiff runs WASI "
            + "preview1 modules");
      }
      return Packaging.CNCF_ARTIFACT;
    }
    long raw = lmts.stream().filter(t -> t.equals(MediaTypes.WASM_CONTENT_LAYER) || t.equals(MediaTypes.SOLO_LAYER)
        || t.equals(MediaTypes.RUNWASI_LAYER) || t.equals(MediaTypes.WASM_LAYER)).count();
    if (raw > 1) {
      throw new AmbiguousModuleException(m.layers().stream().map(Descriptor::digest).toList(), what + " has " + raw
          + " Wasm layers; name the one to run by its layer digest");
    }
    if (raw == 1 && lmts.size() == 1) {
      String t = lmts.get(0);
      return t.equals(MediaTypes.SOLO_LAYER) ? Packaging.SOLO_WASM_LAYER
          : t.equals(MediaTypes.RUNWASI_LAYER) ? Packaging.RUNWASI_LAYER
          : t.equals(MediaTypes.WASM_LAYER) ? Packaging.CNCF_ARTIFACT : Packaging.WASM_CONTENT_LAYER;
    }
    if (!lmts.isEmpty() && MediaTypes.TAR_LAYERS.containsAll(lmts)) {
      boolean wasm = isWasm(new Descriptor.Platform(config.os(), config.architecture(), null));
      if (!wasm && !(config.os().isEmpty() && config.architecture().isEmpty())) {
        throw new UnsupportedArtifactException(what + " is an image for " + config.os() + "/" + config.architecture()
            + ", not a WebAssembly image (os wasi*, architecture wasm or wasm32)");
      }
      return Packaging.IMAGE;
    }
    throw new UnsupportedArtifactException(what + " has config " + cmt + " and layers " + lmts
        + ", which is none of the Wasm packagings Skiff knows (CNCF artifact, raw Wasm layer, image with tar layers)");
  }

  /** Pulls the module a resolved manifest names. {@code selector} is a path in the image or a layer digest, or null. */
  public Result pull(Source src, String selector) {
    Resolved r = resolve(src, false);
    Manifests.Manifest m = r.manifest();
    if (r.packaging() != Packaging.IMAGE) {
      Descriptor layer = m.layers().stream().filter(d -> !MediaTypes.TAR_LAYERS.contains(d.mediaType()))
          .filter(d -> selector == null || d.digest().equals(selector)).findFirst()
          .orElseThrow(() -> new NotFoundException(selector, "layer " + selector + " is not in " + src.describe()));
      checkDeclaredSize(layer, src);
      Path blob = src.blob(layer);
      checkWasmHeader(blob, src.describe() + " layer " + layer.digest());
      return new Result(r, blob, layer.digest(), layer.size(), null, null);
    }
    m.layers().forEach(d -> checkDeclaredSize(d, src));
    Path rootfs = rootfs(src, r);
    String inImage = locate(rootfs, r.config(), selector, src.describe());
    Path file = rootfs.resolve(inImage);
    try {
      Path real = file.toRealPath();
      if (!real.startsWith(rootfs.toRealPath()) || !Files.isRegularFile(real)) {
        throw new MalformedContentException("module /" + inImage + " in " + src.describe()
            + " resolves outside the image root or is not a regular file");
      }
      byte[] bytes = Files.readAllBytes(real);
      checkWasmHeader(bytes, src.describe() + " file /" + inImage);
      String digest = store.put(bytes);
      return new Result(r, store.blobPath(digest), digest, bytes.length, rootfs, "/" + inImage);
    } catch (IOException e) {
      throw new OciException("cannot read module /" + inImage + " of " + src.describe() + ": " + e.getMessage(), e);
    }
  }

  /** Extracts (once per manifest digest, under a lock) the image layers into a read-only tree. */
  Path rootfs(Source src, Resolved r) {
    return store.trees().ensure(r.manifestDigest(), listener, src.describe(), tree -> {
      TarLayers layers = new TarLayers(tree, maxExtractedBytes, 1_000_000);
      for (Descriptor d : r.manifest().layers()) {
        layers.apply(src.blob(d), d.digest());
      }
      TarLayers.makeReadOnly(tree);
    });
  }

  static String locate(Path rootfs, ImageConfig config, String selector, String what) {
    String program = selector;
    if (program == null) {
      program = !config.entrypoint().isEmpty() ? config.entrypoint().get(0)
          : !config.cmd().isEmpty() ? config.cmd().get(0) : null;
    }
    if (program != null) {
      String p = program.startsWith("/") ? program : config.workingDir().orElse("/") + "/" + program;
      String rel = TarLayers.clean(p, what);
      Path file = rootfs.resolve(rel);
      if (Files.isSymbolicLink(file) && !Files.exists(file)) {
        String target;
        try {
          // Links are stored relative to their folder: name the target as a path in the image.
          Path t = file.getParent().resolve(Files.readSymbolicLink(file)).normalize();
          target = t.startsWith(rootfs) ? "/" + rootfs.relativize(t) : Files.readSymbolicLink(file).toString();
        } catch (IOException e) {
          target = "an unreadable target";
        }
        throw new NotFoundException(program, what + " names " + program + " as its program"
            + (selector == null ? " (Entrypoint/Cmd)" : "") + " but /" + rel + " in the image is a dangling"
            + " symbolic link to " + target + " (no such file in the image)");
      }
      if (!Files.exists(file)) {
        throw new NotFoundException(program, what + " names " + program + " as its program"
            + (selector == null ? " (Entrypoint/Cmd)" : "") + " but the image has no file /" + rel);
      }
      return rel;
    }
    List<String> found = new ArrayList<>();
    try (Stream<Path> s = Files.walk(rootfs)) {
      s.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".wasm"))
          .forEach(f -> found.add(rootfs.relativize(f).toString()));
    } catch (IOException e) {
      throw new OciException("cannot list the files of " + what + ": " + e.getMessage(), e);
    }
    found.sort(null);
    if (found.size() == 1) {
      return found.get(0);
    }
    if (found.isEmpty()) {
      throw new UnsupportedArtifactException(what + " has no Entrypoint or Cmd and no .wasm file");
    }
    throw new AmbiguousModuleException(found.stream().map(f -> "/" + f).toList(), what + " has no Entrypoint or Cmd"
        + " and several .wasm files " + found.stream().map(f -> "/" + f).toList() + "; name the one to run");
  }

  static void checkWasmHeader(Path file, String what) {
    try (InputStream in = Files.newInputStream(file)) {
      checkWasmHeader(in.readNBytes(8), what);
    } catch (IOException e) {
      throw new OciException("cannot read " + what + ": " + e.getMessage(), e);
    }
  }

  /** Preview1 modules have version 1; components (preview 2) have version 0x0d, layer 1. */
  public static void checkWasmHeader(byte[] b, String what) {
    if (b.length < 8 || b[0] != 0 || b[1] != 'a' || b[2] != 's' || b[3] != 'm') {
      throw new UnsupportedArtifactException(what + " is not a WebAssembly module (no \\0asm header)");
    }
    if (b[4] == 0x0d && b[5] == 0 && b[6] == 1 && b[7] == 0) {
      throw new UnsupportedArtifactException(what + " is a WebAssembly component (preview 2); Skiff runs WASI "
          + "preview1 core modules");
    }
    if (!(b[4] == 1 && b[5] == 0 && b[6] == 0 && b[7] == 0)) {
      throw new UnsupportedArtifactException(what + " has an unknown WebAssembly version " + b[4] + "." + b[5]
          + "." + b[6] + "." + b[7]);
    }
  }
}
