package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A WASI guest serving one TCP connection on a preopened listener (sock_accept/recv/send/shutdown). */
@Timeout(60)
class SocketTest {
  @Test
  void guestAcceptsEchoesAndShutsDownOnAPreopenedListener() throws Exception {
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CompletableFuture<Guests.Result> result = new CompletableFuture<>();
      Thread guest = new Thread(() -> {
        try {
          result.complete(Guests.run("wasi/sock_echo.wasm", WasiOptions.builder()
              .args("sock_echo", "3").preopenTcpListener(listener).stdout(Output.stream(out)).build()));
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      }, "sock_echo guest");
      guest.start();
      try {
        // Connect only once the guest has checked that accept with nobody waiting is EAGAIN.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!out.toString(StandardCharsets.UTF_8).contains("listening") && !result.isDone()
            && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        String reply;
        try (Socket client = new Socket("127.0.0.1", port)) {
          client.setSoTimeout(20_000); // a hung guest fails the test instead of hanging the build
          client.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
          reply = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
        Guests.Result r = result.get(20, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), () -> r + out.toString(StandardCharsets.UTF_8));
        assertEquals("echo:ping\n", reply);
        assertEquals("listening\nok\n", out.toString(StandardCharsets.UTF_8));
        assertTrue(listener.isOpen(), "the embedder's listener stays open");
        assertTrue(listener.isBlocking(), "and keeps its blocking mode");
      } finally {
        guest.interrupt(); // a guest blocked in sock_accept returns EINTR and ends
        guest.join(10_000);
      }
    }
  }
}
