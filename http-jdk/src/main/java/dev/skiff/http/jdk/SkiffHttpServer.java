package dev.skiff.http.jdk;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.HandlerResponse;
import dev.skiff.WasmHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An HTTP server for {@link WasmHandler}s on the JDK's {@code com.sun.net.httpserver}: routes by path
 * prefix (to handlers, or to {@linkplain Builder#staticFolder folders served as files}), {@code GET /healthz},
 * an access log, a bounded number of requests at once with a bounded queue
 * (503 beyond it, answered by a thread of its own so that a full server still says so at once), and a
 * graceful stop that lets requests in flight finish.
 *
 * <pre>{@code
 * try (SkiffHttpServer server = SkiffHttpServer.builder()
 *     .listen(new InetSocketAddress("127.0.0.1", 8080))
 *     .handler(WasmHandler.builder(skiff.pull(ref)).route("/api/hello").build())
 *     .accessLog(System.out::println)
 *     .build()) {
 *   server.start();
 *   ...
 * }
 * }</pre>
 */
public final class SkiffHttpServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(SkiffHttpServer.class.getName());
  /** Compiled Wasm recursion runs on the Java stack: workers get a deep one. */
  private static final long WORKER_STACK_BYTES = 16L << 20;
  private static final DateTimeFormatter CLF =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
  private static final ThreadLocal<Boolean> OVERFLOW = ThreadLocal.withInitial(() -> false);

  private final HttpServer server;
  private final ThreadPoolExecutor workers;
  private final ExecutorService overflow;
  private final Consumer<String> accessLog;
  private volatile boolean stopping;

  private SkiffHttpServer(Builder b) {
    AtomicInteger n = new AtomicInteger();
    this.workers = new ThreadPoolExecutor(b.workers, b.workers, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(b.queue), r -> thread(r, "skiff-http-" + n.incrementAndGet(), WORKER_STACK_BYTES),
        (r, pool) -> reject(r));
    this.overflow = Executors.newSingleThreadExecutor(r -> thread(r, "skiff-http-busy", 0));
    this.accessLog = b.accessLog;
    try {
      this.server = HttpServer.create(b.address, b.backlog);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot listen on " + b.address + ": " + e.getMessage(), e);
    }
    server.setExecutor(workers);
    server.createContext("/healthz", ex -> respond(ex, stopping ? 503 : 200, stopping ? "stopping\n" : "ok\n"));
    for (WasmHandler h : b.handlers) {
      WasmHttpHandler adapter = new WasmHttpHandler(h);
      server.createContext(h.route().isEmpty() ? "/" : h.route(), ex -> serve(ex, adapter, h));
    }
    for (StaticFolder folder : b.folders) {
      server.createContext(folder.route.isEmpty() ? "/" : folder.route, ex -> serveFile(ex, folder));
    }
    if (b.handlers.stream().noneMatch(h -> h.route().isEmpty()) && b.folders.stream().noneMatch(f -> f.route.isEmpty())) {
      server.createContext("/", ex -> respond(ex, 404, "no route for this path\n"));
    }
  }

  /**
   * A builder: 127.0.0.1:8080, workers = 2 x processors, a queue of 64.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  private static Thread thread(Runnable r, String name, long stack) {
    Thread t = new Thread(null, r, name, stack);
    t.setDaemon(true);
    return t;
  }

  /** A request beyond the workers and the queue: answered 503 on the overflow thread. */
  private void reject(Runnable exchange) {
    try {
      overflow.execute(() -> {
        OVERFLOW.set(true);
        try {
          exchange.run();
        } finally {
          OVERFLOW.set(false);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.log(Level.DEBUG, "dropped a connection while stopping");
    }
  }

  /** Answers 503 when the server is full or stopping; true if it did. */
  private boolean shed(HttpExchange ex, long start) throws IOException {
    if (!OVERFLOW.get() && !stopping) {
      return false;
    }
    ex.getResponseHeaders().set("Retry-After", "1");
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    byte[] body = (stopping ? "server is stopping\n" : "server busy: request queue full\n")
        .getBytes(StandardCharsets.UTF_8);
    WasmHttpHandler.sendAndClose(ex, 503, body);
    log(ex, 503, body.length, start);
    return true;
  }

  /** The raw path below a route, or null (answered 404) when the JDK matched /api/echox to /api/echo. */
  private String below(HttpExchange ex, String route) throws IOException {
    String rest = ex.getRequestURI().getRawPath().substring(route.length());
    if (!rest.isEmpty() && !rest.startsWith("/")) {
      respond(ex, 404, "no route for this path\n");
      return null;
    }
    return rest;
  }

  private void serve(HttpExchange ex, WasmHttpHandler adapter, WasmHandler handler) throws IOException {
    long start = System.nanoTime();
    if (shed(ex, start) || below(ex, handler.route()) == null) {
      return;
    }
    try (ex) {
      HandlerResponse response = handler.handle(WasmHttpHandler.request(ex));
      try {
        WasmHttpHandler.send(ex, response);
      } finally {
        log(ex, response.status(), response.bodyLength(), start);
      }
    }
  }

  private void serveFile(HttpExchange ex, StaticFolder folder) throws IOException {
    long start = System.nanoTime();
    if (shed(ex, start)) {
      return;
    }
    String rest = below(ex, folder.route);
    if (rest == null) {
      return;
    }
    String method = ex.getRequestMethod();
    boolean head = method.equals("HEAD");
    if (!head && !method.equals("GET")) {
      ex.getResponseHeaders().set("Allow", "GET, HEAD");
      respond(ex, 405, "method not allowed: a folder of files answers GET and HEAD\n");
      return;
    }
    Path file = folder.resolve(rest);
    if (file == null) {
      respond(ex, 404, "no such file\n");
      return;
    }
    try (ex; InputStream in = Files.newInputStream(file)) {
      long size = Files.size(file);
      ex.getResponseHeaders().set("Content-Type", StaticFolder.contentType(file));
      if (head) {
        // the JDK's server neither sends a body nor sets a length for HEAD: the header says what GET would send
        ex.getResponseHeaders().set("Content-Length", Long.toString(size));
        ex.sendResponseHeaders(200, -1);
      } else {
        ex.sendResponseHeaders(200, size == 0 ? -1 : size);
        try (OutputStream out = ex.getResponseBody()) {
          in.transferTo(out);
        }
      }
      log(ex, 200, head ? 0 : size, start);
    }
  }

  private void respond(HttpExchange ex, int status, String text) throws IOException {
    long start = System.nanoTime();
    try (ex) {
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      if (ex.getRequestMethod().equals("HEAD")) {
        // a length passed for HEAD makes the JDK's server log a warning per request and send no header
        ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
        ex.sendResponseHeaders(status, -1);
        log(ex, status, 0, start);
        return;
      }
      ex.sendResponseHeaders(status, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
      log(ex, status, body.length, start);
    }
  }

  private void log(HttpExchange ex, int status, long bytes, long start) {
    if (accessLog == null) {
      return;
    }
    InetSocketAddress remote = ex.getRemoteAddress();
    String path = ex.getRequestURI().getRawPath();
    String query = ex.getRequestURI().getRawQuery();
    // Common Log Format plus the time taken; the request line is the client's, made printable
    accessLog.accept((remote == null ? "-" : remote.getAddress().getHostAddress()) + " - - ["
        + CLF.format(ZonedDateTime.now()) + "] \"" + printable(ex.getRequestMethod() + " " + path
        + (query == null ? "" : "?" + query) + " " + ex.getProtocol()) + "\" " + status + " " + bytes + " "
        + (System.nanoTime() - start) / 1000 + "us");
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c < ' ' || c == 0x7f || c == '"' ? '?' : c);
    }
    return b.toString();
  }

  /**
   * Starts listening.
   *
   * @return this server
   */
  public SkiffHttpServer start() {
    server.start();
    return this;
  }

  /**
   * The address the server listens on (its port, when 0 was asked for).
   *
   * @return the bound address
   */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /**
   * Stops accepting connections, lets requests in flight finish for at most {@code grace}, then stops.
   * {@code /healthz} answers 503 from the start of the stop, for load balancers.
   *
   * @param grace the longest wait for requests in flight
   */
  public void stop(Duration grace) {
    stopping = true;
    server.stop((int) Math.max(0, Math.min(Integer.MAX_VALUE, grace.toSeconds())));
    workers.shutdown();
    overflow.shutdown();
    try {
      if (!workers.awaitTermination(grace.toMillis() + 100, TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    overflow.shutdownNow();
  }

  /** Stops with a grace period of 5 seconds. */
  @Override
  public void close() {
    stop(Duration.ofSeconds(5));
  }

  /** Builds a {@link SkiffHttpServer}. */
  public static final class Builder {
    private InetSocketAddress address = new InetSocketAddress("127.0.0.1", 8080);
    private final List<WasmHandler> handlers = new ArrayList<>();
    private final List<StaticFolder> folders = new ArrayList<>();
    private int workers = 2 * Runtime.getRuntime().availableProcessors();
    private int queue = 64;
    private int backlog = 256;
    private Consumer<String> accessLog;

    private Builder() {}

    /**
     * The address to listen on (port 0: any free port).
     *
     * @param address the address
     * @return this builder
     */
    public Builder listen(InetSocketAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * Adds a handler at its {@link WasmHandler#route()}; the longest matching prefix wins.
     *
     * @param handler the handler
     * @return this builder
     */
    public Builder handler(WasmHandler handler) {
      handlers.add(Objects.requireNonNull(handler, "handler"));
      return this;
    }

    /**
     * Serves the files of a folder under a route, e.g. {@code staticFolder("/static", Path.of("site"))}
     * answers {@code GET /static/css/app.css} with {@code site/css/app.css}. GET and HEAD only (405
     * otherwise); a folder answers with its {@code index.html}, or 404. Only regular files whose real path
     * (symlinks followed) is inside the folder are served: {@code ..} segments, encoded or not, and
     * symlinks that lead out get 404. Content-Type comes from the extension (html, css, js, json, txt,
     * svg, png, jpeg, gif, ico, wasm; application/octet-stream otherwise). The longest matching prefix
     * wins among handlers and folders alike.
     *
     * @param route the path prefix, e.g. {@code /static} ({@code ""} or {@code /}: every path no other
     *     route takes); a trailing {@code /} is dropped
     * @param folder an existing folder, resolved to its real path now
     * @return this builder
     * @throws UncheckedIOException if the folder cannot be read
     * @throws IllegalArgumentException if it is not a folder or the route does not start with {@code /}
     */
    public Builder staticFolder(String route, Path folder) {
      Objects.requireNonNull(route, "route");
      Objects.requireNonNull(folder, "folder");
      if (!route.isEmpty() && !route.startsWith("/")) {
        throw new IllegalArgumentException("A route starts with '/': '" + route + "'");
      }
      String r = route.endsWith("/") ? route.substring(0, route.length() - 1) : route;
      folders.add(new StaticFolder(r, folder));
      return this;
    }

    /**
     * How many requests run at once (each on its own thread).
     *
     * @param workers at least 1
     * @return this builder
     */
    public Builder workers(int workers) {
      if (workers < 1) {
        throw new IllegalArgumentException("workers must be at least 1: " + workers);
      }
      this.workers = workers;
      return this;
    }

    /**
     * How many requests wait for a worker before more get 503.
     *
     * @param queue at least 1
     * @return this builder
     */
    public Builder queue(int queue) {
      if (queue < 1) {
        throw new IllegalArgumentException("queue must be at least 1: " + queue);
      }
      this.queue = queue;
      return this;
    }

    /**
     * Where each request's access-log line (Common Log Format and the time taken) goes; default none.
     *
     * @param log receives one line per request
     * @return this builder
     */
    public Builder accessLog(Consumer<String> log) {
      this.accessLog = Objects.requireNonNull(log, "log");
      return this;
    }

    /**
     * Binds the port; call {@link SkiffHttpServer#start()} to serve.
     *
     * @return the server, not yet started
     * @throws IllegalArgumentException if two handlers or folders have the same route
     * @throws UncheckedIOException if the address cannot be bound
     */
    public SkiffHttpServer build() {
      Set<String> routes = new LinkedHashSet<>();
      List<String> all = new ArrayList<>();
      handlers.forEach(h -> all.add(h.route()));
      folders.forEach(f -> all.add(f.route));
      for (String route : all) {
        if (!routes.add(route) || route.equals("/healthz")) {
          throw new IllegalArgumentException("Route given twice or reserved: '" + route + "'");
        }
      }
      return new SkiffHttpServer(this);
    }
  }
}
