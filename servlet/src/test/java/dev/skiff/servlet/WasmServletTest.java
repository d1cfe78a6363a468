package dev.skiff.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.Engine;
import dev.skiff.Skiff;
import dev.skiff.WasmHandler;
import dev.skiff.testing.SkiffTest;
import dev.skiff.testsupport.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** WasmServlet in a real Jetty 12 (ee10) on loopback with the C echo and misbehaving guests. */
@Timeout(60)
@SkiffTest(engine = Engine.COMPILER)
class WasmServletTest {
  @Test
  void servesTheEchoGuestAndTurnsFaultsIntoStatuses(Skiff skiff) throws Exception {
    WasmHandler echo = WasmHandler.builder(skiff.pull(Fixtures.wasm("serving/echo.wasm").toString()))
        .route("/app/echo").build();
    WasmHandler bad = WasmHandler.builder(skiff.pull(Fixtures.wasm("serving/misbehave.wasm").toString()))
        .route("/app/bad").configure(r -> r.limits(l -> l.timeout(Duration.ofMillis(500)))).build();
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    context.addServlet(new ServletHolder(new WasmServlet(echo)), "/app/echo/*");
    context.addServlet(new ServletHolder(new WasmServlet(bad)), "/app/bad/*");
    server.setHandler(context);
    server.start();
    try {
      String base = "http://127.0.0.1:" + connector.getLocalPort();
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/app/echo/p?q=1"))
          .header("X-Test", "jetty").POST(HttpRequest.BodyPublishers.ofString("ping")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertEquals("echo", r.headers().firstValue("X-Handler").orElseThrow());
      assertTrue(r.body().startsWith("method=POST\npath=/p\nquery=q=1\n"), r.body());
      assertTrue(r.body().endsWith("x-test=jetty\nbody=ping"), r.body());
      assertEquals(504, client.send(HttpRequest.newBuilder(URI.create(base + "/app/bad/?loop")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      HttpResponse<String> inject = client.send(HttpRequest.newBuilder(URI.create(base + "/app/bad/?inject")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(502, inject.statusCode());
      assertTrue(inject.headers().firstValue("Set-Cookie").isEmpty());
    } finally {
      server.stop();
    }
  }
}
