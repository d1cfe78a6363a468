package dev.skiff.oci.internal.source;

import dev.skiff.oci.ImageReference;
import dev.skiff.oci.NotFoundException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.PullPolicy;
import dev.skiff.oci.internal.pull.TarLayers;
import dev.skiff.oci.internal.registry.RegistryClient;
import dev.skiff.oci.internal.store.BlobStore;
import dev.skiff.oci.internal.store.Scratch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The source grammar: which {@link Source} a string names. {@code oci:DIR[:TAG]},
 * {@code oci-archive:FILE[:TAG]}, {@code docker-archive:FILE[:TAG]}, {@code [docker://]host/repo[:tag|@digest]},
 * and bare {@code .wasm} paths ({@link #barePath}), which have no image around them.
 */
public final class Sources {
  private static final String[] TRANSPORTS = {"oci:", "oci-archive:", "docker-archive:"};
  /** Entries an archive may hold: far more than any real image, few enough to stop a tar bomb of names. */
  private static final int MAX_ARCHIVE_ENTRIES = 1_000_000;

  /** Where the settings a source needs come from. */
  public record Settings(BlobStore blobs, PullListener listener, PullPolicy policy, long maxExtractedBytes,
      Map<String, List<String>> mirrors, Supplier<RegistryClient> registry, Map<String, String> blobRepos) {}

  private final Settings s;

  public Sources(Settings settings) {
    this.s = settings;
  }

  /**
   * Opens the source a string names for the duration of {@code use}: an archive is unpacked into scratch
   * space (with the same safety checks as image layers) and deleted afterwards.
   *
   * @throws IllegalArgumentException for a bare {@code .wasm} path, which names no image
   */
  public <T> T open(String source, Function<Source, T> use) {
    for (String transport : TRANSPORTS) {
      if (source.startsWith(transport)) {
        return openLocal(transport, source, use);
      }
    }
    if (barePath(source) != null) {
      throw new IllegalArgumentException("a bare .wasm file has no image metadata to inspect: " + source);
    }
    String r = source.startsWith("docker://") ? source.substring("docker://".length()) : source;
    ImageReference ref = ImageReference.parse(r);
    List<String> mirrors = s.mirrors().getOrDefault(ref.registry(), List.of());
    return use.apply(new RegistrySource(s.registry(), s.blobs(), ref, s.policy(), mirrors, s.listener(), s.blobRepos()));
  }

  private <T> T openLocal(String transport, String source, Function<Source, T> use) {
    String[] pathTag = splitTag(source.substring(transport.length()));
    Path path = Path.of(pathTag[0]).toAbsolutePath().normalize();
    if (!Files.exists(path)) {
      throw new NotFoundException(pathTag[0], transport + " " + path + " does not exist");
    }
    if (transport.equals("oci:")) {
      return use.apply(new LayoutSource(path, pathTag[1], s.blobs(), s.listener(), source));
    }
    try (Scratch scratch = s.blobs().newScratchDir("archive-")) {
      Path tmp = scratch.path();
      // Archives are tar files from elsewhere: unpack with the same safety checks as image layers.
      new TarLayers(tmp, s.maxExtractedBytes(), MAX_ARCHIVE_ENTRIES).apply(path, path.getFileName().toString());
      Source src = transport.equals("oci-archive:")
          ? new LayoutSource(tmp, pathTag[1], s.blobs(), s.listener(), source)
          : new DockerArchiveSource(tmp, pathTag[1], s.blobs(), s.listener(), source);
      return use.apply(src);
    } catch (IOException e) {
      // Only closing can fail here: a folder it could not delete is reclaimed when a store next opens.
      throw new OciException("cannot clean up after reading " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code PATH[:TAG]}: a path that exists wins; else the first ':' after an existing path starts the tag
   * (a docker-archive tag may itself be {@code name:tag}); else the text after the last ':'.
   */
  static String[] splitTag(String spec) {
    if (Files.exists(Path.of(spec))) {
      return new String[] {spec, null};
    }
    for (int c = spec.indexOf(':'); c > 0; c = spec.indexOf(':', c + 1)) {
      if (Files.exists(Path.of(spec.substring(0, c)))) {
        return new String[] {spec.substring(0, c), spec.substring(c + 1)};
      }
    }
    int c = spec.lastIndexOf(':');
    if (c > 0 && spec.indexOf('/', c) < 0) {
      return new String[] {spec.substring(0, c), spec.substring(c + 1)};
    }
    return new String[] {spec, null};
  }

  /**
   * The file a bare module source names ({@code file:PATH}, or a path ending in {@code .wasm} that exists,
   * is explicitly relative or absolute, or does not start with a registry host), else null.
   */
  public static Path barePath(String source) {
    if (source.startsWith("file:")) {
      return Path.of(source.substring("file:".length()));
    }
    if (source.endsWith(".wasm") && (Files.isRegularFile(Path.of(source)) || source.startsWith("/")
        || source.startsWith("./") || source.startsWith("../") || !namesRegistry(source))) {
      return Path.of(source);
    }
    return null;
  }

  /**
   * Whether a reference starts with a registry host (a first component with a dot or port, or
   * {@code localhost}). A {@code .wasm} source without one is a file path, so a mistyped path says
   * "does not exist" instead of becoming a Docker Hub repository that cannot be reached.
   */
  private static boolean namesRegistry(String source) {
    int slash = source.indexOf('/');
    if (slash <= 0) {
      return false;
    }
    String first = source.substring(0, slash);
    return first.contains(".") || first.contains(":") || first.equals("localhost");
  }
}
