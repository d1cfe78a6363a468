package dev.skiff.oci.internal.registry;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The blob client's reads time out through SO_TIMEOUT, also on sockets OkHttp makes itself (SOCKS). */
class BlobDownloadClientTest {
  private final List<java.io.Closeable> open = new CopyOnWriteArrayList<>();
  private int socksPort;
  private int httpProxyPort;

  private interface Handshake {
    void answer(DataInputStream in, OutputStream out) throws IOException;
  }

  /** A proxy that completes its own handshake and then relays nothing: the "server" never answers. */
  private int silentProxy(Handshake handshake) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    open.add(server);
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          open.add(s);
          s.setSoTimeout(10_000);
          handshake.answer(new DataInputStream(s.getInputStream()), s.getOutputStream());
        } catch (IOException e) {
          // closed
        }
      }
    }, "silent-proxy");
    t.setDaemon(true);
    t.start();
    return server.getLocalPort();
  }

  @BeforeEach
  void silentProxies() throws IOException {
    socksPort = silentProxy((in, out) -> { // SOCKS5: no authentication, every CONNECT granted
      in.readUnsignedByte(); // version
      in.readFully(new byte[in.readUnsignedByte()]); // methods
      out.write(new byte[] {5, 0});
      byte[] request = new byte[4];
      in.readFully(request);
      in.readFully(new byte[request[3] == 1 ? 4 : request[3] == 4 ? 16 : in.readUnsignedByte()]);
      in.readFully(new byte[2]); // port
      out.write(new byte[] {5, 0, 0, 1, 0, 0, 0, 0, 0, 0});
      out.flush();
    });
    httpProxyPort = silentProxy((in, out) -> { // HTTP CONNECT: the tunnel opens, then nothing comes through
      int state = 0;
      while (state < 4) {
        int c = in.readUnsignedByte();
        state = c == (state % 2 == 0 ? '\r' : '\n') ? state + 1 : c == '\r' ? 1 : 0;
      }
      out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      out.flush();
    });
  }

  @AfterEach
  void close() throws IOException {
    for (java.io.Closeable c : open) {
      c.close();
    }
  }

  private static OkHttpClient via(Proxy.Type type, int port) {
    return BlobDownloadClient.of(new OkHttpClient.Builder()
        .proxy(new Proxy(type, new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
        .connectTimeout(5, TimeUnit.SECONDS).readTimeout(500, TimeUnit.MILLISECONDS).build());
  }

  private static void assertTimesOut(OkHttpClient client, String url) {
    IOException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(IOException.class, () -> {
      try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
        InputStream in = r.body().byteStream();
        in.readAllBytes();
      }
    }), "the read timeout of 500 ms must end a silent exchange");
    assertTrue(e instanceof SocketTimeoutException || e.getCause() instanceof SocketTimeoutException, e::toString);
  }

  @Test
  void aSilentServerBehindSocksTimesOut() {
    assertTimesOut(via(Proxy.Type.SOCKS, socksPort), "http://registry.invalid:5000/v2/");
  }

  @Test
  void aSilentTlsHandshakeBehindSocksTimesOut() {
    assertTimesOut(via(Proxy.Type.SOCKS, socksPort), "https://registry.invalid/v2/");
  }

  @Test
  void aSilentTlsHandshakeThroughAnHttpTunnelTimesOut() {
    assertTimesOut(via(Proxy.Type.HTTP, httpProxyPort), "https://registry.invalid/v2/");
  }
}
