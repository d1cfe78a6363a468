package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.TestImages;
import dev.skiff.testsupport.Tools;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * WasmEdge's {@code http_server} example as the seed image: a C guest on WasmEdge's socket ABI,
 * packaged as a Docker-style {@code wasi/wasm} image, run by {@code skiff run --tcplisten} and
 * answered by {@code curl}.
 */
@Timeout(60)
class HttpServerCliTest {
  @TempDir Path store;
  @TempDir Path work;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private int skiff(StringWriter err, String... args) {
    return Main.execute(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
  }

  @Test
  void curlGetsAnswersFromTheWasmEdgeHttpServerImage() throws Exception {
    Path layout = TestImages.wasiImageLayout(work, Fixtures.wasm("net/http_server.wasm"), "/http_server.wasm",
        Map.of());
    int port = freePort();
    PrintStream savedOut = System.out;
    ByteArrayOutputStream guestOut = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> run;
    System.setOut(new PrintStream(guestOut, true, StandardCharsets.UTF_8));
    try {
      // The image's root is preopened at fd 3; the listener comes next. The guest takes it through
      // sock_bind + sock_listen on the granted address.
      run = CompletableFuture.supplyAsync(() -> skiff(err, "run", "--store=" + store, "--timeout", "50s",
          "--tcplisten", "127.0.0.1:" + port, "oci:" + layout + ":t", "--", "127.0.0.1", String.valueOf(port)));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!guestOut.toString(StandardCharsets.UTF_8).contains("listening") && !run.isDone()
          && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals("listening on 127.0.0.1:" + port + "\n", guestOut.toString(StandardCharsets.UTF_8), err::toString);
      String base = "http://127.0.0.1:" + port;
      // Two requests on one kept-alive connection, then one that stops the server.
      String answers = Tools.run(work, "curl", "-sS", "--max-time", "20", base + "/hello", base + "/again");
      assertEquals("Hello from Wasm over WasmEdge sockets: /hello\n"
          + "Hello from Wasm over WasmEdge sockets: /again\n", answers);
      String headers = Tools.run(work, "curl", "-sS", "-i", "--max-time", "20", base + "/quit");
      assertTrue(headers.startsWith("HTTP/1.1 200 OK\r\n"), headers);
      assertEquals(0, run.get(30, TimeUnit.SECONDS), err::toString);
    } finally {
      System.setOut(savedOut);
    }
    try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertTrue(again.isBound(), "skiff closed the listener when the run ended");
    }
  }

  @Test
  void aListenerPortInUseFailsBeforeTheGuestStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      StringWriter err = new StringWriter();
      int code = skiff(err, "run", "--store=" + store, "--tcplisten", "127.0.0.1:" + port,
          Fixtures.wasm("net/http_server.wasm").toString());
      assertEquals(125, code, err::toString);
      assertTrue(err.toString().startsWith("skiff: Cannot listen on 127.0.0.1:" + port + " for the guest: "),
          err::toString);
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assertTrue(s.isConnected(), "the holder of the port is untouched");
      }
    }
  }
}
