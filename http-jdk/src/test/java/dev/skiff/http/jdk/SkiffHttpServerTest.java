package dev.skiff.http.jdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.Engine;
import dev.skiff.Skiff;
import dev.skiff.WasmHandler;
import dev.skiff.testing.SkiffTest;
import dev.skiff.testsupport.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The JDK-server adapter over real sockets with real C guests: routing, limits, faults, load shedding. */
@Timeout(60)
@SkiffTest(engine = Engine.COMPILER)
class SkiffHttpServerTest {
  static Skiff skiff;
  static SkiffHttpServer server;
  static final List<String> accessLog = new CopyOnWriteArrayList<>();
  static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start(Skiff classSkiff) {
    skiff = classSkiff;
    server = SkiffHttpServer.builder().listen(new InetSocketAddress("127.0.0.1", 0))
        .handler(WasmHandler.builder(skiff.pull(Fixtures.wasm("serving/echo.wasm").toString()))
            .route("/echo").maxRequestBytes(64 * 1024).configure(r -> r.limits(l -> l.timeout(Duration.ofSeconds(1))))
            .build())
        .handler(misbehave("/bad", Duration.ofMillis(500)))
        .accessLog(accessLog::add)
        .build().start();
  }

  @AfterAll
  static void stop() {
    server.stop(Duration.ZERO);
  }

  static WasmHandler misbehave(String route, Duration timeout) {
    return WasmHandler.builder(skiff.pull(Fixtures.wasm("serving/misbehave.wasm").toString())).route(route)
        .maxResponseBytes(1 << 20).configure(r -> r.limits(l -> l.timeout(timeout))).build();
  }

  static HttpResponse<String> get(SkiffHttpServer s, String pathAndQuery) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://" + host(s) + pathAndQuery))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static String host(SkiffHttpServer s) {
    return "127.0.0.1:" + s.address().getPort();
  }

  @Test
  void echoesARequestAndLogsIt() throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://" + host(server) + "/echo/p?q=1"))
        .header("X-Test", "t").POST(HttpRequest.BodyPublishers.ofString("ping")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals("echo", r.headers().firstValue("X-Handler").orElseThrow());
    assertEquals("method=POST\npath=/p\nquery=q=1\ncontent-type=\ncontent-length=4\nx-test=t\nbody=ping", r.body());
    assertTrue(accessLog.stream().anyMatch(l -> l.matches("127\\.0\\.0\\.1 - - \\[.+\\] \"POST /echo/p\\?q=1 HTTP/1\\.1\" 200 \\d+ \\d+us")),
        accessLog.toString());
  }

  @Test
  void healthzAndUnknownPaths() throws Exception {
    assertEquals("ok\n", get(server, "/healthz").body());
    assertEquals(404, get(server, "/nothing").statusCode());
    assertEquals(404, get(server, "/echoes").statusCode());
  }

  @Test
  void faultsBecomeStatusesOverHttp() throws Exception {
    assertEquals(504, get(server, "/bad?loop").statusCode());
    assertEquals(500, get(server, "/bad?trap").statusCode());
    HttpResponse<String> big = get(server, "/bad?big");
    assertEquals(502, big.statusCode());
    assertEquals("response larger than 1048576 bytes\n", big.body());
    HttpResponse<String> inject = get(server, "/bad?inject");
    assertEquals(502, inject.statusCode());
    assertTrue(inject.headers().firstValue("Set-Cookie").isEmpty());
  }

  @Test
  void bodyOverTheLimitGets413BeforeItIsSent() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String response = readAll(s.getInputStream());
      assertTrue(response.startsWith("HTTP/1.1 413 "), response);
      assertTrue(response.contains("over the limit of 65536"), response);
    }
  }

  @Test
  void slowClientIsCutOffAtTheTimeoutAndTheServerGoesOn() throws Exception {
    long start = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b")
          .getBytes(StandardCharsets.US_ASCII));
      String response = readAll(s.getInputStream()); // the client sends nothing more
      assertTrue(response.isEmpty() || response.startsWith("HTTP/1.1 408 "), response);
    }
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
    assertEquals(200, get(server, "/echo").statusCode());
  }

  @Test
  void connectionsBeyondWorkersAndQueueGet503AndNothingHangs() throws Exception {
    int connections = 200;
    try (SkiffHttpServer small = SkiffHttpServer.builder().listen(new InetSocketAddress("127.0.0.1", 0))
        .handler(misbehave("", Duration.ofMillis(300))).workers(2).queue(4).build().start()) {
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < connections; i++) {
          Socket s = new Socket("127.0.0.1", small.address().getPort());
          s.setSoTimeout(30_000);
          s.getOutputStream().write("GET /?loop HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          sockets.add(s);
        }
        Map<String, Integer> statuses = new TreeMap<>();
        for (Socket s : sockets) {
          String response = readAll(s.getInputStream());
          statuses.merge(response.isEmpty() ? "none" : response.substring(9, 12), 1, Integer::sum);
        }
        int threads = (int) Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("skiff-http-")).count();
        assertEquals(connections, statuses.getOrDefault("504", 0) + statuses.getOrDefault("503", 0), statuses.toString());
        assertTrue(statuses.getOrDefault("504", 0) >= 2, statuses.toString());
        assertTrue(statuses.getOrDefault("503", 0) >= connections / 2, statuses.toString());
        assertTrue(threads <= 2 * 2 + 2 + 1, "threads of both servers: " + threads);
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }

  @Test
  void stopLetsARequestInFlightFinish() throws Exception {
    SkiffHttpServer s = SkiffHttpServer.builder().listen(new InetSocketAddress("127.0.0.1", 0))
        .handler(misbehave("", Duration.ofMillis(700))).build().start();
    CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
        HttpRequest.newBuilder(URI.create("http://" + host(s) + "/?loop")).build(), HttpResponse.BodyHandlers.ofString());
    // wait until the request is inside the handler (the guest loops for 700 ms): a worker merely
    // running is not enough, it may not have taken the request yet, and stop() would answer 503
    while (Thread.getAllStackTraces().entrySet().stream().noneMatch(t -> t.getKey().getName().startsWith("skiff-http-")
        && java.util.Arrays.stream(t.getValue()).anyMatch(f -> f.getClassName().equals("dev.skiff.WasmHandler")
            && f.getMethodName().equals("handle")))) {
      Thread.onSpinWait();
    }
    s.stop(Duration.ofSeconds(5));
    assertEquals(504, inFlight.get().statusCode(), "the request in flight got its answer");
    assertFalse(canConnect(s.address()));
  }

  private static boolean canConnect(InetSocketAddress a) {
    try (Socket s = new Socket(a.getAddress(), a.getPort())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String readAll(InputStream in) throws IOException {
    try {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (java.net.SocketException e) {
      return ""; // reset by the server
    }
  }
}
