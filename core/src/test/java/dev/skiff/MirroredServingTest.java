package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.OciLayout;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's set-up for many serving JVMs: each pulls through a registry mirror, here Debian's
 * distribution registry in pull-through proxy mode ({@code proxy: remoteurl:}) in front of the origin.
 * The handler's module comes through the mirror (the mirror's catalog lists it afterwards; a proxy
 * lists only what it has fetched), and it serves.
 */
class MirroredServingTest {
  @RegisterExtension static final RegistryExtension origin = RegistryExtension.anonymous();
  static RegistryExtension mirror;
  @TempDir static Path store;

  @BeforeAll
  static void setUp() throws IOException, InterruptedException {
    // started here: the proxy checks its upstream when it starts, whose address is known only now
    mirror = RegistryExtension.withConfig("proxy:\n  remoteurl: " + origin.baseUrl() + "\n");
    mirror.start();
    TestImages.pushCncfArtifact(origin, "web/echo:1", Fixtures.wasm("serving/echo.wasm"), OciLayout::writeWasmArtifact);
  }

  @AfterAll
  static void tearDown() {
    mirror.stop();
  }

  @Test
  void aHandlerPullsThroughTheMirrorAndServes() throws IOException {
    assertFalse(catalog().contains("web/echo"), catalog());
    try (Skiff skiff = Skiff.builder().store(store).oci(o -> o.mirror(origin.host(), mirror.host())).build()) {
      WasmHandler echo = WasmHandler.builder(skiff.pull(origin.host() + "/web/echo:1")).route("/echo")
          .configure(r -> r.limits(l -> l.timeout(Duration.ofSeconds(5)))).build();
      HandlerResponse r = echo.handle(HandlerRequest.builder("GET", "/echo/x").query("a=1").build());
      assertEquals(200, r.status(), r.bodyText());
      assertTrue(r.bodyText().startsWith("method=GET\npath=/x\nquery=a=1\n"), r.bodyText());
    }
    assertTrue(catalog().contains("\"web/echo\""), "the module did not come through the mirror: " + catalog());
  }

  private static String catalog() throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(mirror.baseUrl() + "/v2/_catalog").toURL().openConnection();
    try (InputStream in = c.getInputStream()) {
      assertEquals(200, c.getResponseCode());
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      c.disconnect();
    }
  }
}
