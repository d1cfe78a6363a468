package dev.skiff;

import com.dylibso.chicory.runtime.Instance;
import dev.skiff.internal.Guest;
import dev.skiff.internal.cgi.CappedOutput;
import dev.skiff.internal.cgi.CgiEnvironment;
import dev.skiff.internal.cgi.CgiResponse;
import dev.skiff.internal.cgi.Deadline;
import dev.skiff.wasi.Output;
import dev.skiff.wasi.Stdin;
import dev.skiff.wasi.WasiExitException;
import dev.skiff.wasi.WasiPreview1;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Serves HTTP requests with a WASI command module, a fresh instance for each request, by the CGI
 * convention (RFC 3875) that WAGI and Spin's {@code wagi} executor use: request meta-variables
 * ({@code REQUEST_METHOD}, {@code PATH_INFO}, {@code QUERY_STRING}, {@code CONTENT_LENGTH},
 * {@code HTTP_*}, ...) in the environment, the body on stdin, and on stdout CGI header lines
 * ({@code Status:}, {@code Content-Type:}, ...), a blank line, then the body. Independent of any HTTP
 * server: adapters (skiff-http-jdk, skiff-servlet) turn their requests into {@link HandlerRequest}s.
 *
 * <pre>{@code
 * WasmHandler hello = WasmHandler.builder(skiff.pull("registry.example.com/web/hello:1.0"))
 *     .route("/api/hello")
 *     .configure(r -> r.preopen("/data", dataDir, Access.READ_ONLY)
 *         .limits(l -> l.timeout(Duration.ofSeconds(2)).maxMemory(32L << 20)))
 *     .build();
 * HandlerResponse res = hello.handle(HandlerRequest.builder("GET", "/api/hello/x").build());
 * }</pre>
 *
 * <p>Everything that can be shared between requests is made once, in {@link Builder#build()}: the
 * parsed module and compiled code (shared by the artifact), argv, environment, preopens, memory limits,
 * the WASI host functions and import linking, and the module's initial memory image. Each request then
 * gets its own instance (its own globals and tables, and a memory that starts as the initial image: a
 * recycled array that was overwritten with the image as soon as the request before had finished, so
 * nothing of one request is visible to the next), its own WASI world and its own limits. A request never throws
 * for the guest's faults: a request body over the limit gives 413, a body that does not arrive in time
 * 408, a trap or a memory cap hit 500, a malformed header block or one with a control character in a
 * value, or output over the cap, 502, a guest that runs out of time 504; each with a short reason in the
 * body, and a log line on {@code System.Logger} {@code dev.skiff.WasmHandler}.
 *
 * <p>The guest runs on the calling thread (no hand-off), which is interrupted if the timeout passes and
 * never after {@link #handle} returns. Thread-safe: one handler serves any number of threads at once.
 */
public final class WasmHandler {
  private static final System.Logger LOG = System.getLogger(WasmHandler.class.getName());
  /** Default per-request limits: 10 s and 64 MiB of linear memory. */
  public static final Limits DEFAULT_LIMITS =
      Limits.builder().timeout(Duration.ofSeconds(10)).maxMemory(64L << 20).build();
  private static final int STDERR_BYTES = 4096;

  private final RunSpec spec;
  private final String route;
  private final long maxRequestBytes;
  private final int maxResponseBytes;
  private final Duration timeout;

  private WasmHandler(Builder b, RunSpec spec) {
    this.spec = spec;
    this.route = b.route;
    this.maxRequestBytes = b.maxRequestBytes;
    this.maxResponseBytes = b.maxResponseBytes;
    this.timeout = spec.limits.timeout().orElseThrow();
  }

  /**
   * A builder for a handler of this artifact, with {@link #DEFAULT_LIMITS}, a 1 MiB request body limit
   * and an 8 MiB response limit.
   *
   * @param artifact a WASI command module
   * @return a new builder
   */
  public static Builder builder(WasmArtifact artifact) {
    return new Builder(artifact);
  }

  /**
   * The route this handler serves ({@code SCRIPT_NAME}), empty for the root.
   *
   * @return the route
   */
  public String route() {
    return route;
  }

  /**
   * The artifact's source, as it was pulled.
   *
   * @return the source
   */
  public String source() {
    return spec.artifact.source();
  }

  /**
   * Handles one request in a fresh instance. Reads at most the request body limit from the body stream.
   *
   * @param request the request
   * @return the guest's response, or Skiff's 4xx/5xx with a reason when the request or the guest failed
   */
  public HandlerResponse handle(HandlerRequest request) {
    Objects.requireNonNull(request, "request");
    long start = System.nanoTime();
    if (request.contentLength() > maxRequestBytes) {
      return fail(request, start, 413, "request body of " + request.contentLength()
          + " bytes is over the limit of " + maxRequestBytes, null);
    }
    try (Deadline deadline = Deadline.start(timeout)) {
      byte[] body;
      int bodyLength;
      try {
        body = readBody(request);
        bodyLength = body.length;
        if (bodyLength > maxRequestBytes) {
          return fail(request, start, 413, "request body is over the limit of " + maxRequestBytes + " bytes", null);
        }
      } catch (IOException e) {
        if (deadline.expired()) {
          return fail(request, start, 408, "request body did not arrive within " + timeout, null);
        }
        return fail(request, start, 400, "request body could not be read: " + e.getClass().getSimpleName(), null);
      }
      CappedOutput out = new CappedOutput(maxResponseBytes, true);
      CappedOutput err = new CappedOutput(STDERR_BYTES, false);
      Map<String, String> env = CgiEnvironment.of(request.method(), route, request.path(), request.query(),
          request.headers(), request.contentLength() < 0 && bodyLength == 0 ? -1 : bodyLength,
          request.scheme(), request.protocol(), request.serverName(), request.serverPort(),
          request.remoteAddress());
      int exitCode = 0;
      WasiPreview1 wasi = null;
      Instance instance = null;
      try {
        wasi = spec.createWasi(env, Stdin.stream(new ByteArrayInputStream(body, 0, bodyLength)),
            Output.stream(out), Output.stream(err));
        instance = spec.newTaskInstance(wasi);
        try {
          instance.export("_start").apply();
        } catch (RuntimeException | StackOverflowError e) {
          WasiExitException exit = Guest.exitOf(e);
          if (exit == null) {
            throw Guest.translate(e, "the handler " + source(), instance.module());
          }
          exitCode = exit.exitCode();
        }
      } catch (RuntimeException e) {
        if (out.overflowed()) {
          return fail(request, start, 502, "response larger than " + maxResponseBytes + " bytes", err);
        }
        if (deadline.expired()) {
          return fail(request, start, 504, "handler ran longer than " + timeout, err);
        }
        if (e instanceof GuestTrapException) {
          return fail(request, start, 500, "handler trapped", err, e.getMessage());
        }
        return fail(request, start, 500, "handler failed", err, e.toString());
      } finally {
        try {
          spec.finished(instance); // the guest has returned: its memory is wiped before anyone reuses it
        } finally {
          out.stopped(); // and no longer needs the interrupt that stopped it
          if (wasi != null) {
            wasi.close();
          }
        }
      }
      if (out.overflowed()) {
        return fail(request, start, 502, "response larger than " + maxResponseBytes + " bytes", err);
      }
      try {
        CgiResponse parsed = CgiResponse.parse(out.buffer(), out.size());
        return new HandlerResponse(parsed.status, parsed.headers, out.buffer(), parsed.bodyOffset,
            out.size() - parsed.bodyOffset, null, Duration.ofNanos(System.nanoTime() - start));
      } catch (CgiResponse.MalformedException e) {
        if (exitCode != 0 && out.size() == 0) {
          return fail(request, start, 502, "handler exited with code " + exitCode + " before it wrote a response", err);
        }
        return fail(request, start, 502, e.getMessage(), err);
      }
    }
  }

  private byte[] readBody(HandlerRequest request) throws IOException {
    long declared = request.contentLength();
    InputStream in = request.body();
    if (declared == 0) {
      return new byte[0];
    }
    if (declared > 0) {
      byte[] b = in.readNBytes((int) declared);
      if (b.length < declared) {
        throw new IOException("body ended after " + b.length + " of " + declared + " bytes");
      }
      return b;
    }
    // Unknown length (chunked): read one byte past the limit to know it was exceeded, never more.
    byte[] buf = new byte[8192];
    int n = 0;
    while (true) {
      if (n == buf.length) {
        if (n > maxRequestBytes) {
          return buf;
        }
        buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, maxRequestBytes + 1));
      }
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        return Arrays.copyOf(buf, n);
      }
      n += r;
    }
  }

  private HandlerResponse fail(HandlerRequest request, long start, int status, String reason, CappedOutput err) {
    return fail(request, start, status, reason, err, null);
  }

  private HandlerResponse fail(HandlerRequest request, long start, int status, String reason, CappedOutput err,
      String detail) {
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    LOG.log(status >= 500 ? Level.WARNING : Level.INFO, () -> "Handler " + source() + " answered "
        + status + " to " + request.method() + " " + oneLine(request.path()) + ": " + reason
        + (detail == null ? "" : " (" + oneLine(detail) + ")")
        + (err == null || err.size() == 0 ? ""
            : "; guest stderr: " + oneLine(new String(err.buffer(), 0, err.size(), StandardCharsets.UTF_8))));
    return HandlerResponse.error(status, reason, took);
  }

  private static String oneLine(String s) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), 512));
    for (int i = 0; i < s.length() && b.length() < 512; i++) {
      char c = s.charAt(i);
      b.append(c < ' ' || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return "WasmHandler{" + (route.isEmpty() ? "/" : route) + " -> " + source() + "}";
  }

  /** Builds a {@link WasmHandler}. */
  public static final class Builder {
    private final WasmArtifact artifact;
    private final Runner runner;
    private String route = "";
    private long maxRequestBytes = 1L << 20;
    private int maxResponseBytes = 8 << 20;

    private Builder(WasmArtifact artifact) {
      this.artifact = Objects.requireNonNull(artifact, "artifact");
      this.runner = artifact.runner().limits(DEFAULT_LIMITS);
    }

    /**
     * Grants capabilities as for a run (environment, preopens, host functions, engine, limits, WASI
     * settings) on a runner that starts with {@link #DEFAULT_LIMITS}. Its stdin and stdout are the
     * request's and response's; a stdin or stdout set here is ignored.
     *
     * @param configuration edits the runner every request's instance is made from
     * @return this builder
     */
    public Builder configure(Consumer<Runner> configuration) {
      configuration.accept(runner);
      return this;
    }

    /**
     * The route prefix this handler serves, such as {@code /api/hello}: it is the guest's
     * {@code SCRIPT_NAME}, and the rest of the path its {@code PATH_INFO}. Default: the root.
     *
     * @param prefix a path starting with {@code /}, without a trailing {@code /}; "" or "/" for the root
     * @return this builder
     */
    public Builder route(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      if (prefix.equals("/")) {
        prefix = "";
      }
      if (!prefix.isEmpty() && (!prefix.startsWith("/") || prefix.endsWith("/"))) {
        throw new IllegalArgumentException("A route starts with '/' and does not end with one: '" + prefix + "'");
      }
      this.route = prefix;
      return this;
    }

    /**
     * The largest request body accepted (413 beyond it, before anything more is read). Default 1 MiB.
     *
     * @param bytes the limit
     * @return this builder
     */
    public Builder maxRequestBytes(long bytes) {
      if (bytes < 0 || bytes > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("maxRequestBytes must be from 0 to 2 GiB: " + bytes);
      }
      this.maxRequestBytes = bytes;
      return this;
    }

    /**
     * The largest response (header block and body) a guest may write; beyond it the guest is stopped and
     * the client gets 502. Default 8 MiB.
     *
     * @param bytes the cap
     * @return this builder
     */
    public Builder maxResponseBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxResponseBytes must be positive: " + bytes);
      }
      this.maxResponseBytes = bytes;
      return this;
    }

    /**
     * Freezes the configuration and links one instance, so that a module that cannot be linked or does
     * not fit its memory cap fails here, at start-up, not at the first request.
     *
     * @return the handler
     * @throws IllegalStateException if the module is not a WASI command (no {@code _start})
     * @throws IllegalArgumentException if the limits have no timeout
     * @throws SkiffException if the module cannot be linked or instantiated within its limits
     */
    public WasmHandler build() {
      if (!artifact.isCommand()) {
        throw new IllegalStateException("The module " + artifact.source()
            + " exports no _start: a CGI handler is a WASI command module");
      }
      RunSpec spec = runner.spec();
      if (spec.limits.timeout().isEmpty()) {
        throw new IllegalArgumentException("A handler needs a timeout: set Limits.timeout");
      }
      WasiPreview1 wasi = spec.createWasi(Map.of(), Stdin.none(), Output.discard(), Output.discard());
      try {
        spec.finished(spec.newTaskInstance(wasi));
      } finally {
        if (wasi != null) {
          wasi.close();
        }
      }
      return new WasmHandler(this, spec);
    }
  }
}
