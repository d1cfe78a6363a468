package dev.skiff;

import dev.skiff.oci.OciException;
import dev.skiff.oci.OciLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Helpers for embedding Wasm modules in unit tests, with no test framework dependency.
 *
 * <pre>{@code
 * class PluginTest {
 *   @TempDir Path tmp;
 *
 *   @Test void addsNumbers() {
 *     try (Skiff skiff = Skiff.builder().store(tmp.resolve("store")).build()) {
 *       // a .wasm on the test class path (src/test/resources/plugins/calc.wasm)
 *       WasmArtifact calc = skiff.pull(SkiffTesting.classpathModule("/plugins/calc.wasm", tmp));
 *       // or packaged as an OCI image layout, exactly as a registry would serve it
 *       SkiffTesting.writeOciLayout(Path.of("build/calc.wasm"), tmp.resolve("layout"), "1.0");
 *       WasmArtifact same = skiff.pull("oci:" + tmp.resolve("layout") + ":1.0");
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>Sources such as {@code oci:src/test/resources/my-layout:1.0} work directly with
 * {@link Skiff#pull(String)}; these helpers cover the two cases that need a file first.
 */
public final class SkiffTesting {
  private SkiffTesting() {}

  /**
   * Copies a {@code .wasm} resource from the class path into {@code dir} and returns its path, ready
   * for {@link Skiff#pull(String)}.
   *
   * @param resource an absolute resource name, e.g. {@code /plugins/calc.wasm}
   * @param dir a folder the test owns, e.g. a JUnit {@code @TempDir}
   * @return the path of the copied module, as a string
   * @throws IllegalArgumentException if the resource does not exist or is not named {@code *.wasm}
   */
  public static String classpathModule(String resource, Path dir) {
    Objects.requireNonNull(resource, "resource");
    if (!resource.endsWith(".wasm")) {
      throw new IllegalArgumentException("Expected a .wasm resource, got '" + resource + "'");
    }
    String absolute = resource.startsWith("/") ? resource : "/" + resource;
    try (InputStream in = SkiffTesting.class.getResourceAsStream(absolute)) {
      InputStream source = in != null ? in
          : Thread.currentThread().getContextClassLoader().getResourceAsStream(absolute.substring(1));
      if (source == null) {
        throw new IllegalArgumentException("No class path resource " + absolute);
      }
      try (source) {
        Path target = Files.createDirectories(dir).resolve(absolute.substring(absolute.lastIndexOf('/') + 1));
        Files.copy(source, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return target.toString();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot copy " + absolute + " into " + dir, e);
    }
  }

  /**
   * Packages a module as a CNCF Wasm artifact (config {@code application/vnd.wasm.config.v0+json},
   * one {@code application/wasm} layer) in an OCI image layout, tagged {@code tag}; pull it with
   * {@code "oci:" + layoutDir + ":" + tag}.
   *
   * @param wasm the module file
   * @param layoutDir the layout folder to create or add to (an existing index is replaced)
   * @param tag the tag, recorded as {@code org.opencontainers.image.ref.name}
   * @return the manifest digest
   * @throws SkiffException when the module file is missing or not a module, or the layout cannot be written
   */
  public static String writeOciLayout(Path wasm, Path layoutDir, String tag) {
    try {
      return OciLayout.writeWasmArtifact(wasm, layoutDir, tag);
    } catch (OciException e) {
      throw Errors.fromOci(e);
    }
  }
}
