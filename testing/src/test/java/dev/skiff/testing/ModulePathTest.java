package dev.skiff.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's test module, {@code module consumer { requires dev.skiff.testing; }}, compiled with every lint as
 * an error and run on the module path of JDK 17 and 25: its {@code @SkiffTest} class takes a Skiff, a class path module and a
 * loopback registry, run by the JUnit launcher; a module in a folder named like a package is encapsulated
 * there, and the error says where to put it.
 */
class ModulePathTest {
  @Test
  void aConsumerModuleRunsASkiffTestOnTheModulePathOfJdk17And25(@TempDir Path work) throws Exception {
    // Written by maven-dependency-plugin's build-classpath (see this module's pom).
    String deps = Files.readString(Path.of("target/test-module-path.txt")).strip();
    String modulePath = Path.of("target/classes").toAbsolutePath() + File.pathSeparator + deps;
    Path src = Files.createDirectories(work.resolve("src/consumer"));
    Files.writeString(work.resolve("src/module-info.java"), String.join("\n",
        "module consumer {",
        "  requires dev.skiff.testing;",
        "  requires org.junit.platform.launcher;",
        "  opens consumer to org.junit.platform.commons;",
        "}", ""));
    Files.writeString(src.resolve("CalcTest.java"), String.join("\n",
        "package consumer;",
        "import dev.skiff.Skiff;",
        "import dev.skiff.WasmArtifact;",
        "import dev.skiff.WasmInstance;",
        "import dev.skiff.testing.ClasspathModule;",
        "import dev.skiff.testing.SkiffTest;",
        "import dev.skiff.testing.TestRegistry;",
        "import java.nio.file.Path;",
        "import org.junit.jupiter.api.Assertions;",
        "import org.junit.jupiter.api.Test;",
        "@SkiffTest(registry = true)",
        "class CalcTest {",
        "  @Test",
        "  void adds(@ClasspathModule(\"/wasm-modules/calc.wasm\") WasmArtifact calc) {",
        "    try (WasmInstance i = calc.runner().instantiate()) {",
        "      Assertions.assertEquals(5, i.function(\"add\").callInt(2, 3));",
        "    }",
        "  }",
        "  @Test",
        "  void aPackageNamedFolderIsEncapsulated(@org.junit.jupiter.api.io.TempDir Path dir) {",
        "    IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,",
        "        () -> dev.skiff.testing.SkiffTesting.classpathModule(\"/plugins/calc.wasm\", dir));",
        "    Assertions.assertEquals(\"No class path resource '/plugins/calc.wasm' (looked up from \"",
        "        + \"dev.skiff.testing.SkiffTesting); on the module path a module keeps resources in folders named \"",
        "        + \"like packages to itself: put modules in a folder that is no Java package name, e.g. \"",
        "        + \"/wasm-modules/\", e.getMessage());",
        "  }",
        "  @Test",
        "  void pullsWhatWasPushed(Skiff skiff, TestRegistry registry) {",
        "    String ref = registry.push(Path.of(System.getProperty(\"calc\")), \"plugins/calc:1.0\");",
        "    Assertions.assertEquals(9, skiff.pull(ref).runner().instantiate().function(\"add\").callInt(4, 5));",
        "  }",
        "}", ""));
    Files.writeString(src.resolve("Main.java"), String.join("\n",
        "package consumer;",
        "import org.junit.platform.engine.discovery.DiscoverySelectors;",
        "import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;",
        "import org.junit.platform.launcher.core.LauncherFactory;",
        "import org.junit.platform.launcher.listeners.SummaryGeneratingListener;",
        "public final class Main {",
        "  public static void main(String[] args) {",
        "    SummaryGeneratingListener listener = new SummaryGeneratingListener();",
        "    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()",
        "        .selectors(DiscoverySelectors.selectClass(CalcTest.class)).build(), listener);",
        "    listener.getSummary().printFailuresTo(new java.io.PrintWriter(System.err, true), 20);",
        "    System.out.println(\"succeeded=\" + listener.getSummary().getTestsSucceededCount()",
        "        + \" failed=\" + listener.getSummary().getTotalFailureCount());",
        "  }",
        "}", ""));
    Path classes = work.resolve("classes");
    Path javaHome = Path.of(System.getProperty("java.home"));
    assertEquals("", run(javaHome.resolve("bin/javac"), "--release", "17", "-Xlint:all", "-Werror",
        "--module-path", modulePath, "-d", classes.toString(), work.resolve("src/module-info.java").toString(),
        src.resolve("CalcTest.java").toString(), src.resolve("Main.java").toString()).strip());
    // a folder named like a package would be encapsulated in the consumer's module
    Files.createDirectories(classes.resolve("wasm-modules"));
    Files.copy(Fixtures.wasm("core/calc.wasm"), classes.resolve("wasm-modules/calc.wasm"));
    Files.createDirectories(classes.resolve("plugins"));
    Files.copy(Fixtures.wasm("core/calc.wasm"), classes.resolve("plugins/calc.wasm"));
    // the oldest JDK the project supports and the newest, as core's ModulePathConsumerTest
    for (String version : List.of("17", "25")) {
      Path jdk = Path.of(System.getProperty("skiff.jdk" + version, version.equals("17")
          ? "/usr/lib/jvm/java-17-openjdk-amd64" : "/usr/lib/jvm/temurin-25-jdk-amd64"));
      assertTrue(Files.readString(jdk.resolve("release")).contains("JAVA_VERSION=\"" + version),
          jdk + " is not JDK " + version + " (set -Dskiff.jdk" + version + "=...)");
      String out = run(jdk.resolve("bin/java"), "-Dcalc=" + Fixtures.wasm("core/calc.wasm"),
          "--module-path", classes + File.pathSeparator + modulePath, "-m", "consumer/consumer.Main");
      assertEquals("succeeded=3 failed=0\n", out, "on JDK " + version);
    }
  }

  private static String run(Path tool, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(tool.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
    return out;
  }
}
