package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.Tools;
import dev.skiff.wasi.Output;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guests on the network through {@link Runner#allowOutbound}: the Redis pub/sub pair of Docker's Wasm
 * launch demo against a real {@code redis-server}, and a guest stopped by its timeout mid-connection.
 */
@Timeout(60)
class NetworkRunTest {
  @TempDir static Path store;
  static Skiff skiff;

  @BeforeAll
  static void open() {
    skiff = Skiff.builder().store(store).build();
  }

  @AfterAll
  static void close() {
    skiff.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Waits (bounded) until redis answers PING on {@code port}. */
  private static void awaitRedis(Process redis, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.setSoTimeout(5000);
        s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] reply = s.getInputStream().readNBytes(7);
        if (new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
          return;
        }
      } catch (java.net.ConnectException notYet) {
        if (!redis.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("redis-server did not start on port " + port, notYet);
        }
        Thread.onSpinWait();
      }
    }
  }

  @Test
  void aGuestPublishesToRedisAndAnotherGuestReceivesIt(@TempDir Path dir) throws Exception {
    int port = freePort();
    Process redis = new ProcessBuilder(Tools.require("redis-server").toString(), "--port", String.valueOf(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    try {
      awaitRedis(redis, port);
      WasmArtifact client = skiff.pull(Fixtures.wasm("net/redis.wasm").toString());
      String grant = "localhost:" + port; // a name: the guest resolves it through the same list
      CompletableFuture<RunResult> subscriber = CompletableFuture.supplyAsync(() -> client.runner()
          .args("sub", "localhost", String.valueOf(port), "news")
          .allowOutbound(grant)
          .stdout(Output.capture(4096))
          .limits(l -> l.timeout(Duration.ofSeconds(40)))
          .run());
      RunResult publisher = client.runner()
          .args("pub", "localhost", String.valueOf(port), "news", "hello-from-wasm")
          .allowOutbound(grant)
          .stdout(Output.capture(4096))
          .limits(l -> l.timeout(Duration.ofSeconds(40)))
          .run();
      assertEquals(0, publisher.exitCode(), publisher.stdoutText());
      assertEquals("connected to localhost (127.0.0.1:" + port + ")\npublished to 1 subscriber(s)\n",
          publisher.stdoutText());
      RunResult received = subscriber.get(40, TimeUnit.SECONDS);
      assertEquals(0, received.exitCode(), received.stdoutText());
      assertEquals("connected to localhost (127.0.0.1:" + port + ")\nsubscribed to news\n"
          + "message on news: hello-from-wasm\n", received.stdoutText());
    } finally {
      redis.destroy();
      if (!redis.waitFor(10, TimeUnit.SECONDS)) {
        redis.destroyForcibly();
      }
    }
  }

  @Test
  void withoutTheGrantTheGuestCannotReachRedis() throws Exception {
    RunResult r = skiff.pull(Fixtures.wasm("net/redis.wasm").toString()).runner()
        .args("pub", "localhost", "6379", "news", "x")
        .allowOutbound("*:6379") // any host but loopback
        .stdout(Output.capture(4096))
        .limits(l -> l.timeout(Duration.ofSeconds(20)))
        .run();
    assertEquals(1, r.exitCode(), r.stdoutText());
    assertEquals("getaddrinfo: errno 2\n", r.stdoutText());
  }

  @Test
  void aGuestStoppedByItsTimeoutHasItsConnectionClosed() throws Exception {
    try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = peer.getLocalPort();
      CompletableFuture<Throwable> run = CompletableFuture.supplyAsync(() -> assertThrows(
          GuestTimeoutException.class, () -> skiff.pull(Fixtures.wasm("net/probe.wasm").toString()).runner()
              .args("hang", "127.0.0.1", String.valueOf(port))
              .allowOutbound("127.0.0.1:" + port)
              .limits(l -> l.timeout(Duration.ofMillis(1500)))
              .run()));
      try (Socket s = peer.accept()) {
        s.setSoTimeout(20_000);
        InputStream in = s.getInputStream();
        assertEquals(-1, in.read(), "the host closed the guest's connection when it stopped the guest");
      }
      assertTrue(run.get(20, TimeUnit.SECONDS).getMessage().contains("ran longer than its timeout"));
    }
  }

  @Test
  void aBadGrantIsRejectedWhenGiven() {
    WasmArtifact a = skiff.pull(Fixtures.wasm("net/probe.wasm").toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> a.runner().allowOutbound("redis"));
    assertTrue(e.getMessage().contains("it needs HOST:PORT"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> a.runner().tcpListen("0.0.0.0:http"));
  }
}
