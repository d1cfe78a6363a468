package dev.skiff.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.Engine;
import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.WasmInstance;
import dev.skiff.oci.Packaging;
import dev.skiff.testsupport.Fixtures;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs example test classes (named so that the build does not run them itself) through a JUnit launcher
 * and checks what they saw and what is left after them.
 */
class SkiffExtensionTest {
  /** What the example classes record; one example class runs at a time. */
  static final List<Object> seen = new CopyOnWriteArrayList<>();

  @SkiffTest
  static class AnnotatedExample {
    @Test
    void first(Skiff skiff, @ClasspathModule("/plugins/calc.wasm") WasmArtifact calc) {
      seen.add(skiff);
      seen.add(calc);
      try (WasmInstance i = calc.runner().instantiate()) {
        assertEquals(5, i.function("add").callInt(2, 3));
      }
    }

    @Test
    void second(Skiff skiff, @ClasspathModule("/plugins/calc.wasm") WasmArtifact again) {
      seen.add(skiff);
      seen.add(again);
    }

    @Nested
    class Inner {
      @Test
      void sharesTheEnclosingSkiff(Skiff skiff) {
        seen.add(skiff);
      }
    }
  }

  @Test
  void aClassHasOneSkiffAndEachResourceIsPulledOnce() {
    run(AnnotatedExample.class);
    List<Object> skiffs = new ArrayList<>();
    List<Object> artifacts = new ArrayList<>();
    for (Object o : seen) {
      (o instanceof Skiff ? skiffs : artifacts).add(o);
    }
    assertEquals(3, skiffs.size(), seen::toString);
    assertSame(skiffs.get(0), skiffs.get(1));
    assertSame(skiffs.get(0), skiffs.get(2));
    assertEquals(2, artifacts.size());
    assertSame(artifacts.get(0), artifacts.get(1));
  }

  static class ProgrammaticExample {
    @RegisterExtension
    static final SkiffExtension skiff = SkiffExtension.builder()
        .registry()
        .configure(b -> b.engine(Engine.INTERPRETER))
        .build();

    @Test
    void pushesPullsAndRuns(TestRegistry registry, Skiff injected) throws IOException {
      assertSame(skiff.skiff(), injected);
      assertSame(skiff.registry(), registry);
      seen.add(skiff.store());
      seen.add(registry.port());
      String ref = registry.push(Fixtures.wasm("core/calc.wasm"), "plugins/calc:1.0");
      assertEquals(registry.host() + "/plugins/calc:1.0", ref);
      WasmArtifact calc = injected.pull(ref);
      assertEquals(Packaging.CNCF_ARTIFACT, calc.image().packaging());
      try (WasmInstance i = calc.runner().instantiate()) {
        assertEquals(9, i.function("add").callInt(4, 5));
      }
      assertTrue(Files.isDirectory(skiff.store()), "the store is a folder while the class runs");
    }

    @AfterAll
    static void stillOpenInAfterAll() {
      assertNotNull(skiff.classpathModule("/plugins/calc.wasm"));
    }
  }

  @Test
  void theStoreIsDeletedAndTheRegistryStoppedAfterTheClass() throws IOException {
    run(ProgrammaticExample.class);
    Path store = (Path) seen.get(0);
    int port = (Integer) seen.get(1);
    assertFalse(Files.exists(store.getParent()), store.getParent() + " is left");
    try (Socket socket = new Socket()) {
      assertThrows(ConnectException.class, () -> socket.connect(new InetSocketAddress("127.0.0.1", port), 2000));
    }
    IllegalStateException outside = assertThrows(IllegalStateException.class, ProgrammaticExample.skiff::skiff);
    assertEquals("The SkiffExtension is not running: its accessors work while its test class runs, when it is "
        + "registered with @RegisterExtension in a static field", outside.getMessage());
  }

  @SkiffTest
  static class NoRegistryExample {
    @Test
    void asksForOne(TestRegistry registry) {
      seen.add(registry);
    }
  }

  @Test
  void aRegistryParameterWithoutARegistryIsExplained() {
    Throwable failure = failureOf(NoRegistryExample.class);
    assertEquals("A TestRegistry parameter needs the extension to start one: annotate "
        + NoRegistryExample.class.getName() + " @SkiffTest(registry = true), or register "
        + "SkiffExtension.builder().registry().build()", failure.getMessage());
  }

  @SkiffTest
  static class MissingModuleExample {
    @Test
    void asksForIt(@ClasspathModule("/plugins/nope.wasm") WasmArtifact missing) {
      seen.add(missing);
    }
  }

  @Test
  void aMissingClasspathModuleIsNamed() {
    assertEquals("No class path resource '/plugins/nope.wasm' (looked up from "
        + MissingModuleExample.class.getName() + ")", failureOf(MissingModuleExample.class).getMessage());
  }

  static class MissingBinaryExample {
    @RegisterExtension
    static final SkiffExtension skiff = SkiffExtension.builder()
        .registry().registryBinary(Path.of("/nonexistent/registry")).build();

    @Test
    void neverRuns() {
      seen.add("ran");
    }
  }

  @Test
  void aMissingRegistryBinaryFailsTheClassAndSaysWhich() {
    assertEquals("The registry binary /nonexistent/registry is not an executable file",
        failureOf(MissingBinaryExample.class).getMessage());
    assertEquals(List.of(), seen);
  }

  @Test
  void aRegistryBinaryWithoutARegistryIsRefused() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> SkiffExtension.builder().registryBinary(Path.of("/usr/bin/docker-registry")).build());
    assertEquals("registryBinary(/usr/bin/docker-registry) needs registry() as well", e.getMessage());
  }

  private static TestExecutionSummary run(Class<?> example) {
    seen.clear();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
        .selectors(DiscoverySelectors.selectClass(example)).build(), listener);
    TestExecutionSummary summary = listener.getSummary();
    if (!summary.getFailures().isEmpty()) {
      throw new AssertionError(example.getSimpleName() + " failed", summary.getFailures().get(0).getException());
    }
    assertTrue(summary.getTestsSucceededCount() > 0, example + " ran no test");
    return summary;
  }

  private static Throwable failureOf(Class<?> example) {
    seen.clear();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
        .selectors(DiscoverySelectors.selectClass(example)).build(), listener);
    List<TestExecutionSummary.Failure> failures = listener.getSummary().getFailures();
    assertEquals(1, failures.size(), failures::toString);
    return failures.get(0).getException();
  }
}
