package dev.skiff.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Builds real images and puts them where tests read them: OCI image layouts on disk, and a running
 * {@link RegistryExtension} through {@code skopeo copy}. Docker-style images are made by {@code tar} and
 * {@code umoci}, as a user's tool chain would make them.
 */
public final class TestImages {
  private TestImages() {}

  /**
   * Writes an OCI image layout of a module, tagged; returns the manifest digest. Callers pass Skiff OCI's
   * {@code OciLayout::writeWasmArtifact}, the one writer of CNCF Wasm artifacts: this module cannot depend
   * on Skiff OCI, whose own tests use it.
   */
  @FunctionalInterface
  public interface LayoutWriter {
    String write(Path wasm, Path layoutDir, String tag);
  }

  /**
   * Pushes {@code wasm} to the registry as a CNCF Wasm artifact: {@code writer} packs it in an OCI layout,
   * {@code skopeo copy} pushes that.
   *
   * @param repoAndTag for example {@code "tools/hello:1.0"}
   * @param writer {@code OciLayout::writeWasmArtifact}
   * @return the manifest digest skopeo pushed
   */
  public static String pushCncfArtifact(RegistryExtension registry, String repoAndTag, Path wasm,
      LayoutWriter writer) {
    return pushCncfArtifact(registry.host(), credentials(registry), repoAndTag, wasm, writer);
  }

  /**
   * Pushes {@code wasm} as a CNCF Wasm artifact to an anonymous registry at {@code registryHost} (for
   * example skiff-testing's {@code TestRegistry}, which this module cannot see), as
   * {@link #pushCncfArtifact(RegistryExtension, String, Path, LayoutWriter)} does.
   *
   * @return the manifest digest skopeo pushed
   */
  public static String pushCncfArtifact(String registryHost, String repoAndTag, Path wasm, LayoutWriter writer) {
    return pushCncfArtifact(registryHost, null, repoAndTag, wasm, writer);
  }

  private static String pushCncfArtifact(String host, String credentials, String repoAndTag, Path wasm,
      LayoutWriter writer) {
    Path layout = tempDir("skiff-cncf-");
    try {
      writer.write(wasm, layout, "t");
      return copy(host, credentials, "oci:" + layout + ":t", repoAndTag, false);
    } finally {
      RegistryExtension.deleteTree(layout);
    }
  }

  /**
   * Pushes a Docker-style {@code wasi/wasm} image to an anonymous registry at {@code registryHost}, as
   * {@link #pushWasiImage(RegistryExtension, String, Path, String, Map, boolean)} does.
   *
   * @return the manifest digest skopeo pushed
   */
  public static String pushWasiImage(String registryHost, String repoAndTag, Path wasm,
      String entrypoint, Map<String, byte[]> extraFiles, boolean dockerV2s2) {
    return pushWasiImage(registryHost, null, repoAndTag, wasm, entrypoint, extraFiles, dockerV2s2);
  }

  /**
   * Pushes a Docker-style {@code wasi/wasm} image: one tar+gzip layer (GNU tar, then {@code umoci raw
   * add-layer}) holding {@code wasm} at {@code entrypoint} plus {@code extraFiles} (image path to bytes),
   * config {@code os=wasi}, {@code architecture=wasm}, {@code Entrypoint=[entrypoint]}.
   *
   * @param dockerV2s2 push as Docker schema2 ({@code skopeo --format v2s2}) instead of OCI
   * @return the manifest digest skopeo pushed
   */
  public static String pushWasiImage(RegistryExtension registry, String repoAndTag, Path wasm,
      String entrypoint, Map<String, byte[]> extraFiles, boolean dockerV2s2) {
    return pushWasiImage(registry.host(), credentials(registry), repoAndTag, wasm, entrypoint, extraFiles,
        dockerV2s2);
  }

  private static String pushWasiImage(String host, String credentials, String repoAndTag, Path wasm,
      String entrypoint, Map<String, byte[]> extraFiles, boolean dockerV2s2) {
    Path work = tempDir("skiff-image-");
    try {
      Path layout = wasiImageLayout(work, wasm, entrypoint, extraFiles);
      return copy(host, credentials, "oci:" + layout + ":t", repoAndTag, dockerV2s2);
    } finally {
      RegistryExtension.deleteTree(work);
    }
  }

  /**
   * Builds, under {@code work}, an OCI layout tagged {@code t} with a Docker-style {@code wasi/wasm}
   * image made by GNU tar and umoci (see {@link #pushWasiImage}).
   *
   * @return the layout folder
   */
  public static Path wasiImageLayout(Path work, Path wasm, String entrypoint,
      Map<String, byte[]> extraFiles) {
    try {
      Path root = Files.createDirectories(work.resolve("rootfs"));
      Path module = root.resolve(stripSlash(entrypoint));
      Files.createDirectories(module.getParent());
      Files.copy(wasm, module);
      for (Map.Entry<String, byte[]> file : extraFiles.entrySet()) {
        Path target = root.resolve(stripSlash(file.getKey()));
        Files.createDirectories(target.getParent());
        Files.write(target, file.getValue());
      }
      List<String> tar = new ArrayList<>(List.of("tar", "--sort=name", "--owner=0", "--group=0",
          "--numeric-owner", "--mtime=@0", "-C", root.toString(), "-cf",
          work.resolve("layer.tar").toString()));
      try (var top = Files.list(root)) {
        top.map(p -> p.getFileName().toString()).sorted().forEach(tar::add);
      }
      Tools.run(work, tar.toArray(String[]::new));
      Path layout = work.resolve("layout");
      Tools.run(work, "umoci", "init", "--layout", layout.toString());
      Tools.run(work, "umoci", "new", "--image", layout + ":t");
      Tools.run(work, "umoci", "raw", "add-layer", "--image", layout + ":t",
          work.resolve("layer.tar").toString());
      Tools.run(work, "umoci", "config", "--image", layout + ":t", "--os", "wasi",
          "--architecture", "wasm", "--config.entrypoint", entrypoint);
      return layout;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Copies {@code source} (any skopeo transport reference) to {@code repoAndTag} in the registry.
   *
   * @return the manifest digest skopeo pushed ({@code --digestfile})
   */
  public static String copyToRegistry(RegistryExtension registry, String source, String repoAndTag,
      boolean dockerV2s2) {
    return copy(registry.host(), credentials(registry), source, repoAndTag, dockerV2s2);
  }

  /**
   * Copies {@code source} (any skopeo transport reference) to {@code repoAndTag} in the anonymous
   * registry at {@code registryHost}.
   *
   * @return the manifest digest skopeo pushed ({@code --digestfile})
   */
  public static String copyToRegistry(String registryHost, String source, String repoAndTag,
      boolean dockerV2s2) {
    return copy(registryHost, null, source, repoAndTag, dockerV2s2);
  }

  /** {@code user:password} of a registry with Basic auth, or null. */
  private static String credentials(RegistryExtension registry) {
    return registry.username().map(u -> u + ":" + registry.password().orElseThrow()).orElse(null);
  }

  private static String copy(String host, String credentials, String source, String repoAndTag,
      boolean dockerV2s2) {
    Path work = tempDir("skiff-copy-");
    try {
      Path digest = work.resolve("digest");
      List<String> cmd = new ArrayList<>(List.of("skopeo", "copy", "--quiet",
          "--insecure-policy", "--dest-tls-verify=false", "--digestfile", digest.toString()));
      if (credentials != null) {
        cmd.addAll(List.of("--dest-creds", credentials));
      }
      if (dockerV2s2) {
        cmd.addAll(List.of("--format", "v2s2"));
      }
      cmd.add(source);
      cmd.add("docker://" + host + "/" + repoAndTag);
      Tools.run(null, cmd.toArray(String[]::new));
      return Files.readString(digest).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      RegistryExtension.deleteTree(work);
    }
  }

  /** {@code sha256:<hex>} of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static String stripSlash(String path) {
    return path.startsWith("/") ? path.substring(1) : path;
  }

  private static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
