package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A WASI guest serving one TCP connection on a preopened listener (sock_accept/recv/send/shutdown). */
@Timeout(60)
class SocketTest {
  /**
   * Starts {@code fixtures/wasm/wasi/NAME.wasm} on its own thread with the listener as fd 3 and stdout
   * into {@code out}; its outcome completes {@code result}.
   */
  private static Thread serve(String name, ServerSocketChannel listener, ByteArrayOutputStream out,
      Function<MemoryLimits, Memory> memory, CompletableFuture<Guests.Result> result) {
    Thread guest = new Thread(() -> {
      try {
        result.complete(Guests.run("wasi/" + name + ".wasm", WasiOptions.builder()
            .args(name, "3").preopenTcpListener(listener).stdout(Output.stream(out)).build(), memory));
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }, name + " guest");
    guest.start();
    return guest;
  }

  @Test
  void guestAcceptsEchoesAndShutsDownOnAPreopenedListener() throws Exception {
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CompletableFuture<Guests.Result> result = new CompletableFuture<>();
      Thread guest = serve("sock_echo", listener, out, WasiPreview1::memory, result);
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

  /**
   * A blocking recv returns what has arrived once it has some bytes: the client sends four bytes per
   * round and waits for the answer, so a recv that waits to fill its buffers hangs. Rounds: a buffer
   * crossing a page boundary, a peek then two iovecs, two iovecs (fixtures/src/wasi/sock_recv.c).
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void recvReturnsWhatHasArrivedInsteadOfWaitingToFillItsBuffers(boolean ourMemory) throws Exception {
    Function<MemoryLimits, Memory> memory = ourMemory ? WasiPreview1::memory : ByteArrayMemory::new;
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CompletableFuture<Guests.Result> result = new CompletableFuture<>();
      Thread guest = serve("sock_recv", listener, out, memory, result);
      try (Socket client = new Socket("127.0.0.1", port)) {
        client.setSoTimeout(5_000); // a guest stuck in recv fails the test here
        BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
            StandardCharsets.US_ASCII));
        for (String round : new String[] {"abcd", "efgh", "ijkl"}) {
          client.getOutputStream().write(round.getBytes(StandardCharsets.US_ASCII));
          client.getOutputStream().flush();
          assertEquals("4:" + round, in.readLine());
        }
        Guests.Result r = result.get(20, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), () -> r + out.toString(StandardCharsets.UTF_8));
        assertEquals("listening\nok\n", out.toString(StandardCharsets.UTF_8));
      } finally {
        guest.interrupt();
        guest.join(10_000);
      }
    }
  }
}
