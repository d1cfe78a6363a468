package dev.skiff.http.jdk;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.skiff.HandlerRequest;
import dev.skiff.HandlerResponse;
import dev.skiff.WasmHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@code com.sun.net.httpserver} handler that serves every request of its context with a
 * {@link WasmHandler}, for embedding in an {@code HttpServer} of your own:
 *
 * <pre>{@code
 * server.createContext("/api/hello", new WasmHttpHandler(helloHandler));
 * }</pre>
 *
 * <p>The JDK server has no request deadline of its own by default: set the system property
 * {@code sun.net.httpserver.maxReqTime} (seconds) so that a client that sends its headers slowly is cut
 * off; a slow body is cut off by the handler's timeout. {@link SkiffHttpServer} adds a bounded queue.
 */
public final class WasmHttpHandler implements HttpHandler {
  private final WasmHandler handler;

  /**
   * Wraps a handler.
   *
   * @param handler the handler every request goes to
   */
  public WasmHttpHandler(WasmHandler handler) {
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      HandlerResponse response = handler.handle(request(exchange));
      send(exchange, response);
    }
  }

  /** The exchange as a handler request (the body stream is the exchange's). */
  static HandlerRequest request(HttpExchange exchange) {
    URI uri = exchange.getRequestURI();
    Headers in = exchange.getRequestHeaders();
    HandlerRequest.Builder b = HandlerRequest.builder(exchange.getRequestMethod(),
        uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        .query(uri.getRawQuery())
        .protocol(exchange.getProtocol())
        .body(exchange.getRequestBody(), contentLength(in));
    for (Map.Entry<String, List<String>> h : in.entrySet()) {
      for (String v : h.getValue()) {
        b.header(h.getKey(), v);
      }
    }
    InetSocketAddress local = exchange.getLocalAddress();
    String host = in.getFirst("Host");
    String serverName = host == null ? local.getHostString() : stripPort(host);
    b.server(serverName, local.getPort());
    InetSocketAddress remote = exchange.getRemoteAddress();
    if (remote != null && remote.getAddress() != null) {
      b.remoteAddress(remote.getAddress().getHostAddress());
    }
    return b.build();
  }

  /** Writes the response; its headers are checked by the handler already. */
  static void send(HttpExchange exchange, HandlerResponse response) throws IOException {
    Headers out = exchange.getResponseHeaders();
    for (Map.Entry<String, String> h : response.headers()) {
      out.add(h.getKey(), h.getValue());
    }
    if (response.failure().isPresent() && response.status() == 413) {
      sendAndClose(exchange, response.status(), response.body());
      return;
    }
    boolean noBody = exchange.getRequestMethod().equals("HEAD") || response.status() == 204
        || response.status() == 304;
    exchange.sendResponseHeaders(response.status(), noBody ? -1 : response.bodyLength() == 0 ? -1
        : response.bodyLength());
    if (!noBody && response.bodyLength() > 0) {
      try (OutputStream body = exchange.getResponseBody()) {
        response.writeBody(body);
      }
    }
  }

  /**
   * Sends a response and closes the connection without reading what is left of the request body. The
   * JDK server, on close, would first read up to 64 KiB of it with no deadline, so a client that declared
   * a large body and sends nothing would hold the thread: with the thread interrupted, that read fails
   * at once and closes the channel instead (the response was flushed before).
   */
  static void sendAndClose(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Connection", "close");
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    OutputStream out = exchange.getResponseBody();
    out.write(body);
    out.flush();
    Thread.currentThread().interrupt();
    try {
      out.close();
    } catch (IOException e) {
      // the channel closed by the interrupted read of the body
    } finally {
      exchange.close();
      Thread.interrupted();
    }
  }

  private static long contentLength(Headers in) {
    String te = in.getFirst("Transfer-Encoding");
    if (te != null) {
      return -1;
    }
    String cl = in.getFirst("Content-Length");
    if (cl == null) {
      return 0;
    }
    try {
      return Long.parseLong(cl.trim());
    } catch (NumberFormatException e) {
      return 0; // the JDK server refuses such a request before it reaches a handler
    }
  }

  private static String stripPort(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end > 0 ? host.substring(0, end + 1) : host;
    }
    int colon = host.indexOf(':');
    return colon >= 0 ? host.substring(0, colon) : host;
  }
}
