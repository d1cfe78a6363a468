package dev.skiff.http.jdk;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.HandlerResponse;
import dev.skiff.WasmHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
 * prefix, {@code GET /healthz}, an access log, a bounded number of requests at once with a bounded queue
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
    if (b.handlers.stream().noneMatch(h -> h.route().isEmpty())) {
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

  private void serve(HttpExchange ex, WasmHttpHandler adapter, WasmHandler handler) throws IOException {
    long start = System.nanoTime();
    if (OVERFLOW.get() || stopping) {
      ex.getResponseHeaders().set("Retry-After", "1");
      ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      byte[] body = (stopping ? "server is stopping\n" : "server busy: request queue full\n")
          .getBytes(StandardCharsets.UTF_8);
      WasmHttpHandler.sendAndClose(ex, 503, body);
      log(ex, 503, body.length, start);
      return;
    }
    String rest = ex.getRequestURI().getRawPath().substring(handler.route().length());
    if (!rest.isEmpty() && !rest.startsWith("/")) {
      respond(ex, 404, "no route for this path\n"); // the JDK matches /api/echox to the context /api/echo
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

  private void respond(HttpExchange ex, int status, String text) throws IOException {
    long start = System.nanoTime();
    try (ex) {
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
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
     * @throws IllegalArgumentException if two handlers have the same route
     * @throws UncheckedIOException if the address cannot be bound
     */
    public SkiffHttpServer build() {
      Set<String> routes = new LinkedHashSet<>();
      for (WasmHandler h : handlers) {
        if (!routes.add(h.route()) || h.route().equals("/healthz")) {
          throw new IllegalArgumentException("Route given twice or reserved: '" + h.route() + "'");
        }
      }
      return new SkiffHttpServer(this);
    }
  }
}
