package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.HostFunction;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WasmEdge's socket ABI under the network capabilities: the probe guest ({@code fixtures/src/net/probe.c})
 * against real loopback peers, one bad input per test.
 */
@Timeout(60)
class NetworkTest {
  private final List<String> warnings = new ArrayList<>();
  private final Logger network = Logger.getLogger("dev.skiff.wasi.network");
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      synchronized (warnings) {
        warnings.add(r.getMessage());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void captureLog() {
    network.addHandler(capture);
  }

  @AfterEach
  void releaseLog() {
    network.removeHandler(capture);
  }

  private static Guests.Result probe(WasiOptions.Builder options, String... args) {
    List<String> argv = new ArrayList<>(List.of("probe"));
    argv.addAll(List.of(args));
    return Guests.run("net/probe.wasm", options.args(argv).build());
  }

  /** A loopback peer that runs {@code conversation} on its first connection, on its own thread. */
  private static final class Peer implements AutoCloseable {
    final ServerSocket server;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    Peer(Conversation conversation) throws IOException {
      server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      Thread t = new Thread(() -> {
        try (Socket s = server.accept()) {
          s.setSoTimeout(20_000);
          conversation.run(s);
          done.complete(null);
        } catch (Throwable e) {
          done.completeExceptionally(e);
        }
      }, "test peer");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  @FunctionalInterface
  interface Conversation {
    void run(Socket s) throws Exception;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) != -1 && c != '\n'; ) {
      b.append((char) c);
    }
    return b.toString();
  }

  private List<String> warnings() {
    synchronized (warnings) {
      return List.copyOf(warnings);
    }
  }

  @Test
  void connectingToAHostNotOnTheListIsEaccesAndALogLine() throws Exception {
    try (Peer peer = new Peer(s -> { })) {
      int port = peer.port();
      // Another port of the same host, and "any host" (which never implies loopback).
      Guests.Result r = probe(WasiOptions.builder().allowOutbound("127.0.0.1:" + (port == 65535 ? 1 : port + 1))
          .allowOutbound("*:*"), "connect", "127.0.0.1", String.valueOf(port));
      assertEquals("connect: errno 2\n", r.stdout(), r::toString);
      assertTrue(warnings().stream().anyMatch(w -> w.contains("connecting to 127.0.0.1:" + port)
          && w.contains("allow-list")), warnings()::toString);
      assertFalse(peer.done.isDone(), "no connection reached the peer");

      Guests.Result allowed = probe(WasiOptions.builder().allowOutbound("127.0.0.1:" + port),
          "connect", "127.0.0.1", String.valueOf(port));
      assertEquals("connected\n", allowed.stdout(), allowed::toString);
    }
  }

  @Test
  void resolvingANameNotOnTheListIsEaccesWithoutALookup() {
    Guests.Result r = probe(WasiOptions.builder().allowOutbound("localhost:6379"),
        "resolve", "db.example.invalid", "6379");
    assertEquals("resolve: errno 2, 0 results\n", r.stdout(), r::toString);
    assertTrue(warnings().stream().anyMatch(w -> w.contains("resolving 'db.example.invalid'")), warnings()::toString);

    Guests.Result listed = probe(WasiOptions.builder().allowOutbound("localhost:6379"),
        "resolve", "localhost", "6379");
    assertEquals("resolved localhost to 127.0.0.1 port 6379\n", listed.stdout(), listed::toString);
  }

  @Test
  void aPeerClosingMidReadIsTheEndOfTheStream() throws Exception {
    try (Peer peer = new Peer(s -> {
      assertEquals("hi", readLine(s.getInputStream()));
      s.getOutputStream().write("part".getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput(); // mid-conversation: the guest keeps reading
    })) {
      Guests.Result r = probe(WasiOptions.builder().allowOutbound("127.0.0.1:" + peer.port()),
          "read", "127.0.0.1", String.valueOf(peer.port()));
      assertEquals("connected\nread 4 bytes, then end of stream 0\n", r.stdout(), r::toString);
      peer.done.get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPeerResettingMidReadIsEconnreset() throws Exception {
    try (Peer peer = new Peer(s -> {
      assertEquals("hi", readLine(s.getInputStream()));
      s.setSoLinger(true, 0); // close with RST
    })) {
      Guests.Result r = probe(WasiOptions.builder().allowOutbound("127.0.0.1:" + peer.port()),
          "read", "127.0.0.1", String.valueOf(peer.port()));
      assertEquals("connected\nread 0 bytes, then errno 15\n", r.stdout(), r::toString);
    }
  }

  @Test
  void socketsWithoutEndStopAtTheDescriptorLimit() {
    Guests.Result r = probe(WasiOptions.builder().maxOpenFiles(40), "exhaust");
    assertEquals("opened 37 sockets, then errno 33\n", r.stdout(), r::toString);
  }

  @Test
  void nonBlockingSocketsWaitInPollOneoff() throws Exception {
    try (Peer peer = new Peer(s -> {
      assertEquals("go", readLine(s.getInputStream()));
      s.getOutputStream().write("data\n".getBytes(StandardCharsets.US_ASCII));
      s.getInputStream().read(); // until the guest ends
    })) {
      Guests.Result r = probe(WasiOptions.builder().allowOutbound("127.0.0.1:" + peer.port()),
          "nonblock", "127.0.0.1", String.valueOf(peer.port()));
      assertEquals("connected\nset nonblock: errno 0; recv with nothing sent: errno 6\n"
          + "poll: errno 0, 1 event(s), first for the socket\nthen read: data\n", r.stdout(), r::toString);
    }
  }

  @Test
  void bindingWhereNoListenerWasGrantedIsEacces() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Guests.Result denied = probe(WasiOptions.builder(), "bind", "127.0.0.1", String.valueOf(port));
    assertEquals("bind: errno 2\n", denied.stdout(), denied::toString);
    assertTrue(warnings().stream().anyMatch(w -> w.contains("binding 127.0.0.1:" + port)), warnings()::toString);

    Guests.Result granted = probe(WasiOptions.builder().tcpListen("127.0.0.1:" + port),
        "bind", "0.0.0.0", String.valueOf(port));
    assertEquals("bind: errno 0\n", granted.stdout(), granted::toString);
    try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertTrue(again.isBound(), "the listener Skiff bound was closed with the instance");
    }
  }

  @Test
  void aListenerPortInUseIsAClearStartUpError() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      WasiOptions options = WasiOptions.builder().tcpListen("127.0.0.1:" + port).build();
      UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> WasiPreview1.create(options));
      assertTrue(e.getMessage().startsWith("Cannot listen on 127.0.0.1:" + port + " for the guest: "), e.getMessage());
      assertTrue(e.getMessage().contains("pick a free port"), e.getMessage());
    }
  }

  @Test
  void listenersAreNumberedAfterThePreopenedDirectories(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    // sock_echo accepts on the fd given in argv[1]: the directory is fd 3, so the listener is fd 4.
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    CompletableFuture<Guests.Result> result = CompletableFuture.supplyAsync(() -> Guests.run("wasi/sock_echo.wasm",
        WasiOptions.builder().args("sock_echo", "4").preopen("/data", dir, Access.READ_ONLY)
            .tcpListen("127.0.0.1:" + port).stdout(Output.stream(out)).build()));
    // Connect once the guest has checked that accept with nobody waiting is EAGAIN.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!out.toString(StandardCharsets.UTF_8).contains("listening") && !result.isDone()
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    String reply;
    try (Socket c = new Socket(InetAddress.getLoopbackAddress(), port)) {
      c.setSoTimeout(20_000);
      c.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
      reply = new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }
    Guests.Result r = result.get(20, TimeUnit.SECONDS);
    assertEquals("echo:ping\n", reply, r::toString);
    assertEquals(0, r.exitCode(), r::toString);
  }

  @Test
  void theFlavourOfEachWasmEdgeImportIsPickedByItsType() {
    try (WasiPreview1 wasi = WasiPreview1.create(WasiOptions.builder().build())) {
      HostFunction[] http = wasi.toHostFunctions(Guests.module("net/http_server.wasm"));
      assertEquals(2, find(http, "sock_accept").functionType().params().size(), "V1 sock_accept(fd, fd_out)");
      assertEquals(3, find(http, "sock_getlocaladdr").functionType().params().size(), "V2 getlocaladdr");
      HostFunction[] plain = wasi.toHostFunctions(Guests.module("wasi/sock_echo.wasm"));
      assertEquals(3, find(plain, "sock_accept").functionType().params().size(), "preview1 sock_accept");
      assertEquals(46, plain.length, "a preview1 module gets the 46 functions");
    }
  }

  @Test
  void everyWasmEdgeNameAndFlavourLinksAndAnUnknownTypeIsReported() {
    Guests.Result r = Guests.run("net/wasmedge_imports.wasm", WasiOptions.builder().build());
    assertEquals(0, r.exitCode(), r::toString);
    com.dylibso.chicory.wasm.UnlinkableException e = assertThrows(
        com.dylibso.chicory.wasm.UnlinkableException.class,
        () -> Guests.run("net/wasmedge_bad_type.wasm", WasiOptions.builder().build()));
    assertTrue(e.getMessage().contains("sock_accept"), e.getMessage());
  }

  private static HostFunction find(HostFunction[] functions, String name) {
    for (HostFunction f : functions) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new AssertionError(name + " missing");
  }

  @Test
  void allowListPatternsAreCheckedWhenGiven() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WasiOptions.builder().allowOutbound("redis.internal"));
    assertTrue(e.getMessage().contains("'redis.internal': it needs HOST:PORT"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> WasiOptions.builder().allowOutbound("host:99999"));
    assertThrows(IllegalArgumentException.class, () -> WasiOptions.builder().tcpListen("localhost:80"));
    WasiOptions options = WasiOptions.builder().allowOutbound("*.example.com:443").tcpListen("[::1]:8080").build();
    assertEquals(List.of("*.example.com:443"), options.newBuilder().build().allowedOutbound());
    assertEquals(List.of(new InetSocketAddress("::1", 8080)), options.newBuilder().build().tcpListen());
  }
}
