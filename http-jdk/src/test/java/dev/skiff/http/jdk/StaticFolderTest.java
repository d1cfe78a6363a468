package dev.skiff.http.jdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.RawHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A folder served as files over real sockets: types, lengths, methods, and every way out of the folder refused. */
@Timeout(30)
class StaticFolderTest {
  @TempDir static Path tmp;
  static SkiffHttpServer server;
  static final List<String> accessLog = new CopyOnWriteArrayList<>();
  static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    Path site = Files.createDirectories(tmp.resolve("site"));
    Files.writeString(tmp.resolve("secret.txt"), "outside\n");
    Files.writeString(site.resolve("index.html"), "<h1>home</h1>\n");
    Files.writeString(site.resolve("app.css"), "body{}\n");
    Files.write(site.resolve("mod.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    Files.writeString(site.resolve("notes.unknown"), "n");
    Files.writeString(site.resolve("a b.txt"), "spaced\n");
    Files.createDirectories(site.resolve("empty"));
    Files.createDirectories(site.resolve("docs"));
    Files.writeString(site.resolve("docs/index.html"), "docs\n");
    Files.createSymbolicLink(site.resolve("leak.txt"), tmp.resolve("secret.txt"));
    Files.createSymbolicLink(site.resolve("up"), tmp);
    Files.createSymbolicLink(site.resolve("alias.css"), site.resolve("app.css"));
    server = SkiffHttpServer.builder().listen(new InetSocketAddress("127.0.0.1", 0))
        .staticFolder("/static/", site).accessLog(accessLog::add).build().start();
  }

  @AfterAll
  static void stop() {
    server.stop(Duration.ZERO);
  }

  static HttpResponse<String> send(String method, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String raw(String target) throws IOException {
    return RawHttp.statusLine(server.address().getPort(), target);
  }

  @Test
  void servesFilesWithTypeAndLength() throws Exception {
    HttpResponse<String> css = send("GET", "/static/app.css");
    assertEquals(200, css.statusCode());
    assertEquals("body{}\n", css.body());
    assertEquals("text/css; charset=utf-8", css.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("7", css.headers().firstValue("Content-Length").orElseThrow());
    assertEquals("application/wasm", send("GET", "/static/mod.wasm").headers().firstValue("Content-Type").orElseThrow());
    assertEquals("application/octet-stream",
        send("GET", "/static/notes.unknown").headers().firstValue("Content-Type").orElseThrow());
    assertEquals("spaced\n", send("GET", "/static/a%20b.txt").body());
    assertEquals("body{}\n", send("GET", "/static/alias.css").body(), "a symlink inside the folder is followed");
    assertTrue(accessLog.stream().anyMatch(l -> l.contains("\"GET /static/app.css HTTP/1.1\" 200 7 ")), accessLog.toString());
  }

  @Test
  void foldersAnswerWithTheirIndexOr404() throws Exception {
    assertEquals("<h1>home</h1>\n", send("GET", "/static").body());
    assertEquals("<h1>home</h1>\n", send("GET", "/static/").body());
    assertEquals("text/html; charset=utf-8", send("GET", "/static/").headers().firstValue("Content-Type").orElseThrow());
    assertEquals("docs\n", send("GET", "/static/docs/").body());
    assertEquals(404, send("GET", "/static/empty/").statusCode());
    assertEquals(404, send("GET", "/static/missing.txt").statusCode());
    assertEquals(404, send("GET", "/staticx/app.css").statusCode());
  }

  @Test
  void headGivesTheLengthWithoutABodyAndOtherMethodsGet405() throws Exception {
    HttpResponse<String> head = send("HEAD", "/static/app.css");
    assertEquals(200, head.statusCode());
    assertEquals("7", head.headers().firstValue("Content-Length").orElseThrow());
    assertEquals("", head.body());
    HttpResponse<String> missing = send("HEAD", "/static/missing.txt");
    assertEquals(404, missing.statusCode());
    assertEquals("", missing.body());
    HttpResponse<String> post = send("POST", "/static/app.css");
    assertEquals(405, post.statusCode());
    assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
    assertEquals(405, send("DELETE", "/static/app.css").statusCode());
  }

  @Test
  void nothingOutsideTheFolderIsServed() throws Exception {
    assertEquals("HTTP/1.1 200 OK", raw("/static/app.css"), "the raw request itself works");
    assertEquals("HTTP/1.1 404 Not Found", raw("/static/../secret.txt"));
    assertEquals("HTTP/1.1 404 Not Found", raw("/static/docs/../../secret.txt"));
    assertEquals("HTTP/1.1 404 Not Found", raw("/static/./app.css"));
    assertEquals("HTTP/1.1 404 Not Found", raw("/static/%2e%2e/secret.txt"));
    assertEquals("HTTP/1.1 404 Not Found", raw("/static/%2E%2E%2fsecret.txt"));
    assertEquals("HTTP/1.1 404 Not Found", raw("/static/..%5csecret.txt"));
    assertEquals("HTTP/1.1 404 Not Found", raw("/static/%00"));
    assertEquals("HTTP/1.1 400 Bad Request", raw("/static/%zz"), "the JDK's server refuses a malformed URI itself");
    assertEquals("HTTP/1.1 404 Not Found", raw("/static/" + tmp.resolve("secret.txt")), "an absolute path stays below the folder");
    assertEquals("HTTP/1.1 404 Not Found", raw("/static/leak.txt"), "a symlink to a file outside");
    assertEquals("HTTP/1.1 404 Not Found", raw("/static/up/secret.txt"), "a symlink to a folder outside");
  }

  @Test
  void badFoldersAndRoutesFailAtBuild() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain.txt"), "x");
    assertThrows(IllegalArgumentException.class, () -> SkiffHttpServer.builder().staticFolder("/s", file));
    assertThrows(java.io.UncheckedIOException.class,
        () -> SkiffHttpServer.builder().staticFolder("/s", tmp.resolve("missing")));
    assertThrows(IllegalArgumentException.class, () -> SkiffHttpServer.builder().staticFolder("s", tmp));
    assertThrows(IllegalArgumentException.class,
        () -> SkiffHttpServer.builder().staticFolder("/s", tmp).staticFolder("/s/", tmp).build());
  }
}
