package dev.skiff.oci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small TCP proxy in front of the real registry that injects faults: it can answer the first requests
 * with an error status, cut a connection after some response bytes, stop sending mid-body while keeping
 * the connection open, or accept and never answer. It records every request line with the status line
 * the registry answered.
 */
final class FaultProxy implements AutoCloseable {
  private final ServerSocket server;
  private final String upstreamHost;
  private final int upstreamPort;
  final List<String> requestHeads = new CopyOnWriteArrayList<>();
  /** "request line -> status line", e.g. {@code POST /v2/a/blobs/uploads/ HTTP/1.1 -> HTTP/1.1 202 Accepted}. */
  final List<String> exchanges = new CopyOnWriteArrayList<>();
  final AtomicInteger errorsToSend = new AtomicInteger();
  volatile String errorStatus = "503 Service Unavailable";
  volatile String errorExtraHeaders = "Retry-After: 0\r\n";
  /** Cut a blob response after this many bytes (once); negative for no cut. */
  final AtomicLong cutBlobAfter = new AtomicLong(-1);
  /** Stop sending a blob response after this many bytes (once) and hold the connection open; negative for no stall. */
  final AtomicLong stallBlobAfter = new AtomicLong(-1);
  /** Which blob GET (0-based, in order of arrival) to cut or stall. */
  volatile int cutBlobIndex;
  private final AtomicInteger blobGets = new AtomicInteger();
  volatile boolean hang;
  /** Flip one byte at this offset of the response (headers included) of the chosen blob GETs; negative for none. */
  volatile long flipBlobByteAt = -1;
  /** How many blob GETs, from {@link #cutBlobIndex} on, get a flipped byte. */
  final AtomicInteger flipsToSend = new AtomicInteger(1);
  /**
   * Answer the chosen blob GET as a hostile registry would: 200 with this Content-Length (negative:
   * chunked) and a body of pseudo-random bytes that never ends, until the client goes away.
   */
  volatile long endlessBlobContentLength = Long.MIN_VALUE;
  /** Body bytes the proxy managed to hand to the kernel for endless blobs (socket buffers included). */
  final AtomicLong endlessBytesSent = new AtomicLong();

  FaultProxy(String upstream) throws IOException {
    this.upstreamHost = upstream.substring(0, upstream.lastIndexOf(':'));
    this.upstreamPort = Integer.parseInt(upstream.substring(upstream.lastIndexOf(':') + 1));
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "fault-proxy");
    t.setDaemon(true);
    t.start();
  }

  String host() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> handle(s), "fault-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int state = 0;
    for (int c; (c = in.read()) >= 0; ) {
      b.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) ? state + 1 : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
      if (state == 4) {
        return b.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  /** One request per connection: the head is rewritten with Connection: close so requests can be told apart. */
  private void handle(Socket client) {
    try (client) {
      InputStream cin = client.getInputStream();
      OutputStream cout = client.getOutputStream();
      String head = readHead(cin);
      if (head == null) {
        return;
      }
      requestHeads.add(head);
      if (hang) {
        Thread.sleep(60_000);
        return;
      }
      if (errorsToSend.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        cout.write(("HTTP/1.1 " + errorStatus + "\r\n" + errorExtraHeaders + "Content-Length: 0\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        return;
      }
      String rewritten = head.replaceAll("(?im)^Connection:.*\r\n", "").replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
      boolean blobGet = head.contains("/blobs/sha256:") && head.startsWith("GET");
      int blobIndex = blobGet ? blobGets.getAndIncrement() : -1;
      boolean chosen = blobGet && blobIndex == cutBlobIndex;
      long cut = chosen ? cutBlobAfter.getAndSet(-1) : -1;
      long stall = chosen ? stallBlobAfter.getAndSet(-1) : -1;
      if (chosen && endlessBlobContentLength != Long.MIN_VALUE) {
        exchanges.add(head.substring(0, head.indexOf("\r\n")) + " -> HTTP/1.1 200 OK (endless)");
        sendEndless(cout, endlessBlobContentLength);
        return;
      }
      long flip = blobGet && flipBlobByteAt >= 0 && blobIndex >= cutBlobIndex
          && flipsToSend.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? flipBlobByteAt : -1;
      try (Socket up = new Socket(upstreamHost, upstreamPort)) {
        OutputStream uout = up.getOutputStream();
        uout.write(rewritten.getBytes(StandardCharsets.ISO_8859_1));
        uout.flush();
        Thread pump = new Thread(() -> {
          try {
            cin.transferTo(uout);
          } catch (IOException ignored) {
            // connection closed
          }
        });
        pump.setDaemon(true);
        pump.start();
        InputStream uin = up.getInputStream();
        byte[] buf = new byte[8192];
        long sent = 0;
        for (int n; (n = uin.read(buf)) > 0; ) {
          if (sent == 0) {
            String status = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
            exchanges.add(head.substring(0, head.indexOf("\r\n")) + " -> "
                + status.substring(0, Math.max(0, status.indexOf("\r\n"))));
          }
          long stop = cut >= 0 ? cut : stall;
          if (stop >= 0 && sent + n > stop) {
            cout.write(buf, 0, (int) (stop - sent));
            cout.flush();
            if (stall >= 0) {
              Thread.sleep(60_000); // silent but open: only the client's read timeout ends this
            }
            return; // cut mid-body
          }
          if (flip >= sent && flip < sent + n) {
            buf[(int) (flip - sent)] ^= 0x5a; // corrupted in flight: the length stays right, the digest does not
          }
          cout.write(buf, 0, n);
          sent += n;
        }
      }
    } catch (IOException | InterruptedException ignored) {
      // the client went away
    }
  }

  private void sendEndless(OutputStream out, long contentLength) throws IOException {
    boolean chunked = contentLength < 0;
    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + contentLength + "\r\n")
        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    byte[] block = new byte[1 << 16];
    new java.util.Random(7).nextBytes(block);
    byte[] chunkHead = (Integer.toHexString(block.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    while (!server.isClosed()) { // ends when the client closes the connection (a write fails)
      if (chunked) {
        out.write(chunkHead);
      }
      out.write(block);
      if (chunked) {
        out.write('\r');
        out.write('\n');
      }
      endlessBytesSent.addAndGet(block.length);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
