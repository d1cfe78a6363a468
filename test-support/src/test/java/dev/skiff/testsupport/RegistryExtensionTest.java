package dev.skiff.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RegistryExtensionTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();
  @RegisterExtension static final RegistryExtension secured = RegistryExtension.basicAuth("alice", "s3cret");

  @Test
  void anonymousRegistryAnswersV2() throws Exception {
    assertEquals(200, status(registry.baseUrl() + "/v2/"));
  }

  @Test
  void basicAuthRegistryDemandsCredentials() throws Exception {
    assertEquals(401, status(secured.baseUrl() + "/v2/"));
  }

  @Test
  void pushesALayoutWithCredentialsKeepingItsManifestBytes() throws Exception {
    Path work = Files.createTempDirectory("layout");
    try {
      Path layout = TestImages.wasiImageLayout(work, Fixtures.wasm("hello.wasm"), "/hello.wasm", Map.of());
      Matcher m = Pattern.compile("\"digest\":\"(sha256:[0-9a-f]{64})\"")
          .matcher(Files.readString(layout.resolve("index.json")));
      assertTrue(m.find());
      String pushed = TestImages.copyToRegistry(secured, "oci:" + layout + ":t", "tools/hello:1.0", false);
      assertEquals(m.group(1), pushed, "skopeo keeps the layout's manifest bytes");
      assertEquals(pushed, secured.manifestDigest("tools/hello", pushed));
    } finally {
      RegistryExtension.deleteTree(work);
    }
  }

  @Test
  void pushesDockerStyleImagesInBothFormats() {
    String oci = TestImages.pushWasiImage(registry, "img/oci:1", Fixtures.wasm("hello.wasm"),
        "/app/hello.wasm", Map.of("/share/data.txt", "data".getBytes()), false);
    String docker = TestImages.pushWasiImage(registry, "img/docker:1", Fixtures.wasm("hello.wasm"),
        "/hello.wasm", Map.of(), true);
    assertTrue(oci.startsWith("sha256:"));
    assertTrue(docker.startsWith("sha256:"));
  }

  private static int status(String url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
