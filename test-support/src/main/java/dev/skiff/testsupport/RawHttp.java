package dev.skiff.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** HTTP requests written byte for byte, for what clients would normalise away (dot segments in a path). */
public final class RawHttp {
  private RawHttp() {}

  /**
   * Sends {@code GET target} to a loopback server and returns the response's status line, e.g.
   * {@code HTTP/1.1 404 Not Found}.
   */
  public static String statusLine(int port, String target) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return response.substring(0, response.indexOf("\r\n"));
    }
  }
}
