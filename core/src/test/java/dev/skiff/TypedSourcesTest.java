package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.ImageReference;
import dev.skiff.oci.OciLayout;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import dev.skiff.wasi.Output;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A module can be named by a typed source, not only a string; imports and exports come as records. */
class TypedSourcesTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();
  static final Path HELLO = Fixtures.wasm("hello.wasm");
  @TempDir static Path tmp;
  static Skiff skiff;
  static String digest;

  @BeforeAll
  static void open() {
    skiff = Skiff.builder().store(tmp.resolve("store")).build();
    digest = skiff.pull(HELLO.toString()).moduleDigest();
  }

  @AfterAll
  static void close() {
    skiff.close();
  }

  /** Runs the artifact with one argument and returns what it printed. */
  private static String greet(WasmArtifact a) {
    RunResult r = a.runner().args("x").stdout(Output.capture(4096)).limits(l -> l.timeout(Duration.ofSeconds(60)))
        .run();
    assertEquals(0, r.exitCode());
    assertEquals(digest, a.moduleDigest());
    return r.stdoutText();
  }

  @Test
  void aPathIsAModuleFileWhateverItsName() throws IOException {
    Path noSuffix = Files.copy(HELLO, tmp.resolve("hello-module"));
    assertEquals("Hello from Wasm, world!\nargv[0]=hello-module.wasm\nargv[1]=x\n", greet(skiff.pull(noSuffix)));
    assertEquals("file:" + noSuffix, skiff.pull(noSuffix).source());
  }

  @Test
  void aFolderPathIsAnOciLayout() {
    Path layout = TestImages.wasiImageLayout(tmp.resolve("layout"), HELLO, "/hello.wasm", Map.of());
    WasmArtifact a = skiff.pull(layout);
    assertEquals("oci:" + layout, a.source());
    assertEquals(List.of("/hello.wasm"), a.imageConfig().entrypoint());
    assertEquals(digest, a.moduleDigest());
  }

  @Test
  void bytesAndStreamsAreStoredAsBareModules() throws IOException {
    byte[] bytes = Files.readAllBytes(HELLO);
    WasmArtifact fromBytes = skiff.pull(bytes);
    assertEquals("<bytes>", fromBytes.source());
    assertEquals("Hello from Wasm, world!\nargv[0]=module.wasm\nargv[1]=x\n", greet(fromBytes));
    boolean[] closed = {false};
    ByteArrayInputStream in = new ByteArrayInputStream(bytes) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    WasmArtifact fromStream = skiff.pull(in);
    assertEquals("<stream>", fromStream.source());
    assertEquals(digest, fromStream.moduleDigest());
    assertTrue(!closed[0], "the caller's stream stays open");
  }

  @Test
  void aStreamThatNeverEndsStopsAtTheCapWithATypedError() {
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        return 0;
      }
    };
    ArtifactException e = assertThrows(ArtifactException.class,
        () -> Skiff.readModule(endless, "the module stream", 1 << 20));
    assertEquals(ArtifactException.Reason.MALFORMED, e.reason());
    assertEquals("the module stream is larger than 1048576 bytes, the most a module read into memory may have; "
        + "store it as a file and pull the path", e.getMessage());
  }

  @Test
  void aClassPathResourceIsReadThroughItsUrl() throws IOException {
    Path jar = tmp.resolve("modules.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("wasm/hello.wasm"));
      Files.copy(HELLO, (OutputStream) out);
      out.closeEntry();
    }
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      URL resource = loader.getResource("wasm/hello.wasm");
      WasmArtifact a = skiff.pull(resource);
      assertEquals(resource.toString(), a.source());
      assertEquals("Hello from Wasm, world!\nargv[0]=hello.wasm\nargv[1]=x\n", greet(a));
      PullException missing = assertThrows(PullException.class,
          () -> skiff.pull(new URL(resource.toString().replace("hello.wasm", "nope.wasm"))));
      assertEquals(PullException.Reason.NOT_FOUND, missing.reason());
      assertTrue(missing.getMessage().contains("nope.wasm does not exist"), missing.getMessage());
    }
  }

  @Test
  void anImageReferenceIsPulledFromItsRegistry() {
    TestImages.pushCncfArtifact(registry, "typed/hello:1", HELLO, OciLayout::writeWasmArtifact);
    WasmArtifact a = skiff.pull(ImageReference.parse(registry.host() + "/typed/hello:1"));
    assertEquals(registry.host() + "/typed/hello:1", a.source());
    assertEquals(digest, a.moduleDigest());
  }

  @Test
  void importsAndExportsAreRecords() {
    WasmArtifact a = skiff.pull(HELLO);
    assertTrue(a.imports().contains(new WasmImport("wasi_snapshot_preview1", "fd_write", ExternalKind.FUNCTION)),
        a.imports().toString());
    assertTrue(a.exports().contains(new WasmExport("_start", ExternalKind.FUNCTION)), a.exports().toString());
    assertTrue(a.exports().contains(new WasmExport("memory", ExternalKind.MEMORY)), a.exports().toString());
    assertEquals("wasi_snapshot_preview1.fd_write (function)",
        new WasmImport("wasi_snapshot_preview1", "fd_write", ExternalKind.FUNCTION).toString());
    assertEquals("memory (memory)", new WasmExport("memory", ExternalKind.MEMORY).toString());
  }
}
