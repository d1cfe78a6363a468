package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.OciLayout;
import dev.skiff.oci.Packaging;
import dev.skiff.oci.PullPolicy;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import dev.skiff.wasi.Output;
import dev.skiff.wasi.Stdin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The first end-to-end path: a real registry, real images, a real C guest, through the public API. */
class EndToEndRegistryTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();

  @TempDir Path store;
  private Skiff skiff;

  @BeforeEach
  void open() {
    skiff = Skiff.builder().store(store).pullPolicy(PullPolicy.IF_NOT_PRESENT).build();
  }

  @AfterEach
  void close() {
    skiff.close();
  }

  @Test
  void cncfArtifactByTag() {
    String digest = TestImages.pushCncfArtifact(registry, "e2e/cncf:1.0", Fixtures.wasm("hello.wasm"), OciLayout::writeWasmArtifact);
    WasmArtifact app = skiff.pull(registry.host() + "/e2e/cncf:1.0");
    assertEquals(Packaging.CNCF_ARTIFACT, app.image().packaging());
    assertEquals(digest, app.image().manifestDigest().orElseThrow());
    assertHelloRuns(app, "cncf.wasm");
  }

  @Test
  void cncfArtifactByDigest() {
    String digest = TestImages.pushCncfArtifact(registry, "e2e/cncf-d:1.0", Fixtures.wasm("hello.wasm"), OciLayout::writeWasmArtifact);
    WasmArtifact app = skiff.pull(registry.host() + "/e2e/cncf-d@" + digest);
    assertEquals(digest, app.image().manifestDigest().orElseThrow());
    assertEquals(TestImages.sha256(read(Fixtures.wasm("hello.wasm"))), app.moduleDigest());
    assertHelloRuns(app, "cncf-d.wasm");
  }

  @Test
  void dockerStyleImageByTagUsesEntrypointAsArgv0() {
    TestImages.pushWasiImage(registry, "e2e/docker:1.0", Fixtures.wasm("hello.wasm"), "/app/hello.wasm",
        Map.of(), true);
    WasmArtifact app = skiff.pull(registry.host() + "/e2e/docker:1.0");
    assertEquals(java.util.List.of("/app/hello.wasm"), app.imageConfig().entrypoint());
    assertHelloRuns(app, "/app/hello.wasm");
  }

  @Test
  void ociImageByDigest() {
    String digest = TestImages.pushWasiImage(registry, "e2e/oci:1.0", Fixtures.wasm("hello.wasm"),
        "/hello.wasm", Map.of(), false);
    WasmArtifact app = skiff.pull(registry.host() + "/e2e/oci@" + digest);
    assertEquals(digest, app.image().manifestDigest().orElseThrow());
    assertHelloRuns(app, "/hello.wasm");
  }

  private static void assertHelloRuns(WasmArtifact app, String argv0) {
    RunResult r = app.runner()
        .args("--stdin", "--stderr", "--exit=7")
        .env("GREETING_NAME", "Skiff")
        .stdin(Stdin.bytes("piped input\n".getBytes(StandardCharsets.UTF_8)))
        .stdout(Output.capture(1 << 16))
        .stderr(Output.capture(1 << 16))
        .limits(l -> l.timeout(java.time.Duration.ofSeconds(30)))
        .run();
    assertEquals(7, r.exitCode());
    assertEquals("Hello from Wasm, Skiff!\n"
        + "argv[0]=" + argv0 + "\n"
        + "argv[1]=--stdin\nargv[2]=--stderr\nargv[3]=--exit=7\n"
        + "piped input\n", r.stdoutText());
    assertEquals("a line on stderr\n", r.stderrText());
    assertTrue(r.duration().toNanos() > 0);
  }

  private static byte[] read(Path p) {
    try {
      return java.nio.file.Files.readAllBytes(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
