package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testing.SkiffTest;
import dev.skiff.testing.TestRegistry;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RawHttp;
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

/** {@code skiff serve --routes FILE} in-process: per-route env and folders, a static folder, start-up errors. */
@Timeout(90)
@SkiffTest(registry = true)
class ServeRoutesFileTest {
  private final TestRegistry registry;
  @TempDir Path store;
  @TempDir Path dir;

  ServeRoutesFileTest(TestRegistry registry) {
    this.registry = registry;
  }

  @Test
  void servesModulesWithTheirOwnEnvAndFoldersAndAStaticFolder() throws Exception {
    TestImages.pushWasiImage(registry.host(), "web/greet:1", Fixtures.wasm("serving/greet.wasm"), "/greet.wasm", Map.of(), false);
    TestImages.pushWasiImage(registry.host(), "web/files:1", Fixtures.wasm("serving/files.wasm"), "/files.wasm", Map.of(), false);
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/index.txt"), "the data\n");
    Files.createDirectories(dir.resolve("site"));
    Files.writeString(dir.resolve("site/index.html"), "<p>site</p>\n");
    Files.writeString(dir.resolve("site/app.js"), "let x;\n");
    Files.writeString(dir.resolve("secret.txt"), "outside\n");
    Files.createSymbolicLink(dir.resolve("site/leak.txt"), dir.resolve("secret.txt"));
    String greet = registry.host() + "/web/greet:1";
    Files.copy(Fixtures.wasm("serving/greet.wasm"), dir.resolve("greet.wasm"));
    copyTree(Fixtures.repoRoot().resolve("examples/echo"), dir.resolve("layouts/echo"));
    Path routes = Files.writeString(dir.resolve("routes.toml"), """
        [[route]]
        path = "/api/hello"
        module = "%s"
        env = { GREETING = "hi" }
        timeout = "2s"
        max-memory = "32m"

        [[route]]
        path = "/api/bonjour"
        module = "%s"
        env = { GREETING = "salut" }

        [[route]]
        path = "/files"
        module = "%s/web/files:1"
        dirs = ["data:/data"]

        [[route]]
        path = "/local"
        module = "greet.wasm"
        env = { GREETING = "hej" }

        [[route]]
        path = "/echo"
        module = "oci:layouts/echo:1.0"

        [[route]]
        path = "/static"
        static = "site"
        """.formatted(greet, greet, registry.host()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread serve = new Thread(() -> code.set(Main.execute(new String[] {"serve", "--store=" + store,
        "--insecure", registry.host(), "--listen", "127.0.0.1:0", "--grace", "1s", "--routes", routes.toString()},
        new PrintWriter(out, true), new PrintWriter(err, true))));
    serve.start();
    Matcher m = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+) \\(6 routes\\)").matcher("");
    boolean started = false;
    while (serve.isAlive() && !started) {
      m = m.reset(out.toString());
      started = m.find();
      if (!started) {
        Thread.sleep(10); // polls for the start-up line, bounded by the test's timeout
      }
    }
    assertTrue(started, "serve did not start: " + err + out);
    int port = Integer.parseInt(m.group(1));
    HttpClient client = HttpClient.newHttpClient();
    assertEquals("hi from /x\n", get(client, port, "/api/hello/x").body());
    assertEquals("salut from /\n", get(client, port, "/api/bonjour").body(), "env is the route's own");
    assertEquals("the data\n", get(client, port, "/files/index.txt").body());
    assertEquals("hej from /\n", get(client, port, "/local").body(), "a .wasm path relative to the routes file");
    assertTrue(get(client, port, "/echo/e").body().startsWith("method=GET\npath=/e\n"), "an oci: layout relative to it");
    HttpResponse<String> index = get(client, port, "/static/");
    assertEquals("<p>site</p>\n", index.body());
    assertEquals("text/html; charset=utf-8", index.headers().firstValue("Content-Type").orElseThrow());
    HttpResponse<String> js = get(client, port, "/static/app.js");
    assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("7", js.headers().firstValue("Content-Length").orElseThrow());
    assertEquals("HTTP/1.1 404 Not Found", RawHttp.statusLine(port, "/static/../secret.txt"));
    assertEquals("HTTP/1.1 404 Not Found", RawHttp.statusLine(port, "/static/%2e%2e/secret.txt"));
    assertEquals("HTTP/1.1 404 Not Found", RawHttp.statusLine(port, "/static/leak.txt"));
    assertEquals("HTTP/1.1 200 OK", RawHttp.statusLine(port, "/static/app.js"));
    serve.interrupt();
    serve.join(20_000);
    assertEquals(0, code.get(), err.toString());
    assertTrue(out.toString().contains("\"GET /static/app.js HTTP/1.1\" 200 7 "), out.toString());
    assertTrue(out.toString().contains("\"GET /static/leak.txt HTTP/1.1\" 404 "), out.toString());
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.createDirectories(to.resolve(from.relativize(p).toString()).getParent());
        if (!Files.isDirectory(p)) {
          Files.copy(p, to.resolve(from.relativize(p).toString()));
        }
      }
    }
  }

  private static HttpResponse<String> get(HttpClient client, int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void mistakesInTheFileAreOneLineAtStartUp() throws Exception {
    Files.createDirectories(dir.resolve("site"));
    String mod = "module = \"" + registry.host() + "/web/never-pulled:1\"\n";
    assertStartUpError("[[route]]\npath = \"/a\"\n" + mod + "colour = \"red\"\n",
        "route 1 (/a): unknown key 'colour' (known: dirs, env, max-body, max-memory, max-response, module, path, timeout)");
    assertStartUpError("[[route]]\npath = \"/a\"\n" + mod + "[[route]]\npath = \"/b\"\n" + mod + "static = \"site\"\n",
        "route 2 (/b): needs exactly one of module (a module to run) and static (a folder of files)");
    assertStartUpError("[[route]]\npath = \"/b\"\n",
        "route 1 (/b): needs exactly one of module (a module to run) and static (a folder of files)");
    assertStartUpError("[[route]]\npath = \"/a\"\n" + mod + "max-memory = \"lots\"\n",
        "route 1 (/a): max-memory: 'lots' is not a size");
    assertStartUpError("[[route]]\npath = \"/a\"\n" + mod + "timeout = \"soon\"\n",
        "route 1 (/a): timeout: 'soon' is not a duration");
    assertStartUpError("[[route]]\npath = \"/s\"\nstatic = \"site\"\ntimeout = \"1s\"\n",
        "route 1 (/s): unknown key 'timeout' (a static route takes only path and static)");
    assertStartUpError("[[route]]\npath = \"/s\"\nstatic = \"nowhere\"\n", "route 1 (/s): static folder ");
    assertStartUpError("[[route]]\npath = \"/a\"\n" + mod + "dirs = [\"nowhere:/data\"]\n", "route 1 (/a): dirs: ");
    assertStartUpError("[[route]]\npath = \"a\"\n" + mod, "route 1: needs a path starting with '/'");
    assertStartUpError("[[routes]]\npath = \"/a\"\n", "unknown key 'routes' (the file holds [[route]] tables)");
    assertStartUpError("[[route]\npath = \"/a\"\n", "not valid TOML: ");
  }

  @Test
  void aRouteGivenTwiceIsAUsageErrorBeforeAnythingIsPulled() throws Exception {
    Files.createDirectories(dir.resolve("site"));
    Path file = Files.writeString(dir.resolve("routes.toml"), "[[route]]\npath = \"/s/\"\nstatic = \"site\"\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new String[] {"serve", "--store=" + store, "--listen", "127.0.0.1:0", "--routes",
        file.toString(), "/s=" + registry.host() + "/web/never-pulled:1"}, new PrintWriter(out, true),
        new PrintWriter(err, true));
    assertEquals(2, code, err.toString());
    assertEquals("skiff serve: route /s is given twice or reserved (/healthz)\n", err.toString());
    assertFalse(out.toString().contains("listening"), out.toString());
  }

  private void assertStartUpError(String toml, String expected) throws Exception {
    Path file = Files.writeString(dir.resolve("routes.toml"), toml);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new String[] {"serve", "--store=" + store, "--insecure", registry.host(),
        "--listen", "127.0.0.1:0", "--routes", file.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(2, code, err.toString());
    String e = err.toString();
    assertTrue(e.startsWith("skiff serve: " + file + ": " + expected), e);
    assertEquals(1, e.lines().count(), e);
    assertFalse(out.toString().contains("listening"), out.toString());
  }
}
