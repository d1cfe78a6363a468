package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A separate application, {@code module consumer { requires dev.skiff.core; }}, compiled and run on the module
 * path with only skiff-core's runtime dependencies (as Maven resolves them for a user), on JDK 17 and 25: it
 * pulls a tar+gzip and a tar+zstd image from a real registry and runs them. Its stderr must stay empty (no
 * JDK warning about {@code sun.misc.Unsafe} or anything else).
 */
class ModulePathConsumerTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();

  /** The JDKs to run the consumer on: the oldest the project supports and the newest. */
  private static final Path JDK17 = Path.of(System.getProperty("skiff.jdk17", "/usr/lib/jvm/java-17-openjdk-amd64"));
  private static final Path JDK25 = Path.of(System.getProperty("skiff.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));

  @TempDir static Path work;
  private static String modulePath;
  private static String gzipRef;
  private static String zstdRef;

  @BeforeAll
  static void build() throws IOException, InterruptedException {
    // Written by maven-dependency-plugin's build-classpath (see this module's pom): the runtime dependencies.
    String deps = Files.readString(Path.of("target/runtime-module-path.txt")).strip();
    modulePath = Path.of("target/classes").toAbsolutePath() + File.pathSeparator + deps;

    Path src = Files.createDirectories(work.resolve("src/consumer"));
    Files.writeString(work.resolve("src/module-info.java"), "module consumer { requires dev.skiff.core; }\n");
    Files.writeString(src.resolve("Main.java"), String.join("\n",
        "package consumer;",
        "import dev.skiff.Engine;",
        "import dev.skiff.RunResult;",
        "import dev.skiff.Skiff;",
        "import dev.skiff.wasi.Output;",
        "import java.nio.file.Path;",
        "import java.time.Duration;",
        "public final class Main {",
        "  public static void main(String[] args) {",
        "    try (Skiff skiff = Skiff.builder().store(Path.of(args[0])).build()) {",
        "      for (int i = 1; i < args.length; i++) {",
        "        RunResult r = skiff.pull(args[i]).runner().engine(Engine.COMPILER)", // its checks link from a module
        "            .stdout(Output.capture(1 << 16)).stderr(Output.capture(1 << 16))",
        "            .limits(l -> l.timeout(Duration.ofSeconds(20))).run();",
        "        System.out.print(r.stdoutText());",
        "        System.out.println(\"exit=\" + r.exitCode());",
        "      }",
        "    }",
        "  }",
        "}", ""));
    Path classes = work.resolve("classes");
    run(javaHome().resolve("bin/javac"), "--release", "17", "-Xlint:all", "-Werror", "--module-path", modulePath,
        "-d", classes.toString(), work.resolve("src/module-info.java").toString(), src.resolve("Main.java").toString());
    modulePath = classes + File.pathSeparator + modulePath;

    Path layout = TestImages.wasiImageLayout(work.resolve("image"), Fixtures.wasm("hello.wasm"), "/hello.wasm", Map.of());
    gzipRef = registry.host() + "/consumer/gzip@" + TestImages.copyToRegistry(registry, "oci:" + layout + ":t",
        "consumer/gzip:1", false);
    Path zstdLayout = work.resolve("zstd-layout");
    dev.skiff.testsupport.Tools.run(null, "skopeo", "copy", "--quiet", "--insecure-policy", "--dest-compress",
        "--dest-compress-format", "zstd", "oci:" + layout + ":t", "oci:" + zstdLayout + ":t");
    zstdRef = registry.host() + "/consumer/zstd@" + TestImages.copyToRegistry(registry, "oci:" + zstdLayout + ":t",
        "consumer/zstd:1", false);
    assertTrue(mentions(zstdLayout, "application/vnd.oci.image.layer.v1.tar+zstd"), "skopeo wrote no zstd layer");
  }

  @Test
  void noModuleOnThePathIsNamedAfterItsFile() throws IOException {
    Set<String> fileNamed = new LinkedHashSet<>();
    for (ModuleReference m : ModuleFinder.of(paths(modulePath)).findAll()) {
      if (m.descriptor().isAutomatic()) {
        try (JarFile jar = new JarFile(new File(m.location().orElseThrow()))) {
          if (jar.getManifest() == null
              || jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name") == null) {
            fileNamed.add(m.descriptor().name() + " (" + m.location().orElseThrow() + ")");
          }
        }
      }
    }
    assertEquals(Set.of(), fileNamed);
  }

  @Test
  void pullsGzipAndZstdImagesAndRunsThemOnJdk17() throws Exception {
    assertConsumerRuns(JDK17, "17");
  }

  @Test
  void pullsGzipAndZstdImagesAndRunsThemOnJdk25() throws Exception {
    assertConsumerRuns(JDK25, "25");
  }

  private static void assertConsumerRuns(Path jdk, String version) throws Exception {
    assertTrue(Files.isExecutable(jdk.resolve("bin/java")), "JDK " + version + " is expected at " + jdk
        + " (set -Dskiff.jdk" + version + "=...)");
    assertTrue(Files.readString(jdk.resolve("release")).contains("JAVA_VERSION=\"" + version), jdk + " is not JDK " + version);
    Path store = Files.createTempDirectory(work, "store-");
    Path err = work.resolve("stderr-" + version + ".txt");
    Process p = new ProcessBuilder(jdk.resolve("bin/java").toString(), "--module-path", modulePath,
        "-m", "consumer/consumer.Main", store.toString(), gzipRef, zstdRef)
        .redirectError(err.toFile()).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the consumer did not finish");
    String stderr = Files.readString(err);
    assertEquals(0, p.exitValue(), out + stderr);
    assertEquals("Hello from Wasm, world!\nargv[0]=/hello.wasm\nexit=0\n".repeat(2), out);
    assertEquals("", stderr);
  }

  private static Path javaHome() {
    return Path.of(System.getProperty("java.home"));
  }

  /** True if a small blob (a manifest) of the OCI layout contains text. */
  private static boolean mentions(Path layout, String text) throws IOException {
    try (var blobs = Files.list(layout.resolve("blobs/sha256"))) {
      for (Path b : blobs.toList()) {
        if (Files.size(b) < 8192 && Files.readString(b, StandardCharsets.ISO_8859_1).contains(text)) {
          return true;
        }
      }
    }
    return false;
  }

  private static Path[] paths(String path) {
    return List.of(path.split(File.pathSeparator)).stream().map(Path::of).toArray(Path[]::new);
  }

  private static void run(Path tool, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(tool.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
    assertEquals("", out.lines().filter(l -> !l.isBlank()).collect(Collectors.joining("\n")));
  }
}
