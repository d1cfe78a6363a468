import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The ceiling for scripts/load-serving: the JDK server that skiff serve uses, with the same worker
 * count, answering what the echo guest (fixtures/src/serving/echo.c) answers, in plain Java.
 *
 *   java scripts/serving/PlainEcho.java PORT
 */
public class PlainEcho {
  public static void main(String[] args) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 256);
    server.setExecutor(Executors.newFixedThreadPool(2 * Runtime.getRuntime().availableProcessors()));
    server.createContext("/echo", ex -> {
      try (ex) {
        URI uri = ex.getRequestURI();
        byte[] in = ex.getRequestBody().readAllBytes();
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        String test = ex.getRequestHeaders().getFirst("X-Test");
        String body = "method=" + ex.getRequestMethod() + "\npath=" + uri.getPath().substring(5)
            + "\nquery=" + (uri.getRawQuery() == null ? "" : uri.getRawQuery())
            + "\ncontent-type=" + (type == null ? "" : type) + "\ncontent-length=" + in.length
            + "\nx-test=" + (test == null ? "" : test) + "\nbody=" + new String(in, StandardCharsets.UTF_8);
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.getResponseHeaders().set("X-Handler", "echo");
        ex.sendResponseHeaders(200, out.length);
        try (OutputStream o = ex.getResponseBody()) {
          o.write(out);
        }
      }
    });
    server.createContext("/healthz", ex -> {
      try (ex) {
        ex.sendResponseHeaders(200, -1);
      }
    });
    server.start();
  }
}
