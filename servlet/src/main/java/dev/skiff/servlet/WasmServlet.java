package dev.skiff.servlet;

import dev.skiff.HandlerRequest;
import dev.skiff.HandlerResponse;
import dev.skiff.WasmHandler;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;

/**
 * A servlet that serves every request it is mapped to with a {@link WasmHandler}, a fresh Wasm instance
 * each. Map it at the handler's route with {@code /*}:
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(new WasmServlet(handler)), "/api/hello/*");
 * }</pre>
 *
 * <p>The guest's {@code SCRIPT_NAME} is the handler's route and {@code PATH_INFO} the rest of the
 * request URI after the context path. Concurrency limits and slow-client timeouts are the container's
 * (thread pool, idle timeout, Jetty's {@code QoSHandler}, Tomcat's {@code maxThreads}/{@code acceptCount}).
 */
public class WasmServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final transient WasmHandler handler;

  /**
   * A servlet for this handler.
   *
   * @param handler the handler every request goes to
   */
  public WasmServlet(WasmHandler handler) {
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String uri = req.getRequestURI();
    String path = uri.substring(Math.min(uri.length(), req.getContextPath().length()));
    HandlerRequest.Builder b = HandlerRequest.builder(req.getMethod(), path.isEmpty() ? "/" : path)
        .query(req.getQueryString())
        .protocol(req.getProtocol())
        .scheme(req.getScheme())
        .server(req.getServerName(), req.getServerPort())
        .remoteAddress(req.getRemoteAddr())
        .body(req.getInputStream(), req.getContentLengthLong() < 0 && req.getHeader("Transfer-Encoding") == null
            ? 0 : req.getContentLengthLong());
    for (String name : Collections.list(req.getHeaderNames())) {
      for (String value : Collections.list(req.getHeaders(name))) {
        b.header(name, value);
      }
    }
    HandlerResponse response = handler.handle(b.build());
    resp.setStatus(response.status());
    for (Map.Entry<String, String> h : response.headers()) {
      resp.addHeader(h.getKey(), h.getValue());
    }
    if (response.failure().isPresent() && response.status() == 413) {
      resp.setHeader("Connection", "close"); // the rest of the body was not read
    }
    resp.setContentLength(response.bodyLength());
    if (!req.getMethod().equals("HEAD")) {
      response.writeBody(resp.getOutputStream());
    }
  }
}
