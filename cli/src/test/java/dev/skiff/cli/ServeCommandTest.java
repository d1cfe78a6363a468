package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testing.SkiffTest;
import dev.skiff.testing.TestRegistry;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.TestImages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code skiff serve} in-process with images in a real registry: two routes, health, access log, stop. */
@Timeout(90)
@SkiffTest(registry = true)
class ServeCommandTest {
  private final TestRegistry registry;
  @TempDir Path store;

  ServeCommandTest(TestRegistry registry) {
    this.registry = registry;
  }

  @Test
  void servesTwoImagesByRouteUntilStopped(@TempDir Path data) throws Exception {
    TestImages.pushWasiImage(registry.host(), "web/echo:1", Fixtures.wasm("serving/echo.wasm"), "/echo.wasm", Map.of(), false);
    TestImages.pushWasiImage(registry.host(), "web/files:1", Fixtures.wasm("serving/files.wasm"), "/files.wasm", Map.of(), false);
    Files.writeString(data.resolve("index.txt"), "the index\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread serve = new Thread(() -> code.set(Main.execute(new String[] {"serve", "--store=" + store,
        "--insecure", registry.host(), "--listen", "127.0.0.1:0", "--grace", "1s", "--dir", data + ":/data",
        "/api/echo=" + registry.host() + "/web/echo:1", "/static/...=" + registry.host() + "/web/files:1"},
        new PrintWriter(out, true), new PrintWriter(err, true))));
    serve.start();
    Pattern listening = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");
    Matcher m = listening.matcher("");
    boolean started = false;
    while (serve.isAlive() && !started) {
      m = listening.matcher(out.toString());
      started = m.find();
      if (!started) {
        Thread.sleep(10); // polls for the start-up line, bounded by the test's timeout
      }
    }
    assertTrue(started, "serve did not start: " + err);
    String base = m.group(1);
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> echo = client.send(HttpRequest.newBuilder(URI.create(base + "/api/echo/x?y=1")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, echo.statusCode());
    assertTrue(echo.body().startsWith("method=GET\npath=/x\nquery=y=1\n"), echo.body());
    HttpResponse<String> index = client.send(HttpRequest.newBuilder(URI.create(base + "/static/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals("the index\n", index.body());
    assertEquals("ok\n", client.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    serve.interrupt();
    serve.join(20_000);
    assertEquals(0, code.get(), err.toString());
    assertTrue(out.toString().contains("\"GET /api/echo/x?y=1 HTTP/1.1\" 200 "), out.toString());
  }

  @Test
  void aRouteToAnImageThatCannotBePulledFailsAtStartUp() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new String[] {"serve", "--store=" + store, "--insecure", registry.host(),
        "--listen", "127.0.0.1:0", "/api/x=" + registry.host() + "/web/missing:1"},
        new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(125, code, err.toString());
    assertTrue(err.toString().startsWith("skiff serve: route /api/x cannot be served from "
        + registry.host() + "/web/missing:1\nskiff: "), err.toString());
    assertTrue(!out.toString().contains("listening"), out.toString());
  }
}
