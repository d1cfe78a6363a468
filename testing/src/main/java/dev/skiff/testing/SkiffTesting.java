package dev.skiff.testing;

import dev.skiff.oci.OciException;
import dev.skiff.oci.OciLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * Helpers for embedding Wasm modules in tests, for any test framework; with JUnit 5,
 * {@link SkiffTest @SkiffTest} does the same per test class.
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
 * {@link dev.skiff.Skiff#pull(String)}; these helpers cover the two cases that need a file first.
 */
public final class SkiffTesting {
  private SkiffTesting() {}

  /**
   * Copies a {@code .wasm} resource from the class path into {@code dir} and returns its path, ready
   * for {@link dev.skiff.Skiff#pull(String)}.
   *
   * @param resource an absolute resource name, e.g. {@code /plugins/calc.wasm}
   * @param dir a folder the test owns, e.g. a JUnit {@code @TempDir}
   * @return the path of the copied module, as a string
   * @throws IllegalArgumentException if the resource does not exist or is not named {@code *.wasm}
   */
  public static String classpathModule(String resource, Path dir) {
    Objects.requireNonNull(resource, "resource");
    return copyModule(SkiffTesting.class, resource.startsWith("/") ? resource : "/" + resource, dir).toString();
  }

  /**
   * Copies a {@code .wasm} resource, looked up as {@code anchor.getResource} does and then through the
   * context class loader, into {@code dir}.
   */
  static Path copyModule(Class<?> anchor, String resource, Path dir) {
    Objects.requireNonNull(resource, "resource");
    if (!resource.endsWith(".wasm")) {
      throw new IllegalArgumentException("Expected a .wasm resource, got '" + resource + "'");
    }
    InputStream found = anchor.getResourceAsStream(resource);
    if (found == null && resource.startsWith("/")) {
      ClassLoader context = Thread.currentThread().getContextClassLoader();
      found = context == null ? null : context.getResourceAsStream(resource.substring(1));
    }
    if (found == null) {
      String relative = resource.startsWith("/") ? resource.substring(1) : resource;
      String folder = relative.substring(0, Math.max(0, relative.lastIndexOf('/')));
      // a named module's folders that look like packages are encapsulated, even with no class in them
      boolean encapsulated = anchor.getModule().isNamed() && folder.matches("[\\p{L}_$][\\p{L}\\p{N}_$/]*");
      String modulePath = !encapsulated ? ""
          : "; on the module path a module keeps resources in folders named like packages to itself: put "
              + "modules in a folder that is no Java package name, e.g. /wasm-modules/";
      throw new IllegalArgumentException("No class path resource '" + resource + "' (looked up from "
          + anchor.getName() + ")" + modulePath);
    }
    try (InputStream source = found) {
      Path target = Files.createDirectories(dir).resolve(resource.substring(resource.lastIndexOf('/') + 1));
      Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot copy " + resource + " into " + dir, e);
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
   * @throws OciException when the module file is missing or not a module, or the layout cannot be written
   *     (as {@link OciLayout#writeWasmArtifact} says)
   */
  public static String writeOciLayout(Path wasm, Path layoutDir, String tag) {
    return OciLayout.writeWasmArtifact(wasm, layoutDir, tag);
  }
}
