package dev.skiff.cli;

import dev.skiff.Limits;
import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.WasmHandler;
import dev.skiff.http.jdk.SkiffHttpServer;
import dev.skiff.wasi.Access;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff serve [--listen HOST:PORT] [--routes FILE] ROUTE=REF...}: CGI handlers (and folders of
 * files) over HTTP, one instance per request.
 */
@Command(name = "serve", description = "Serve WASI command modules over HTTP by route, a fresh instance per "
    + "request (CGI: request in the environment and on stdin, response on stdout). GET /healthz answers ok; "
    + "SIGTERM lets requests in flight finish.")
final class ServeCommand implements Callable<Integer> {
  @Mixin Main.CommonOptions common = new Main.CommonOptions();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "ROUTE=REF", arity = "0..*",
      description = "A path prefix and the module that serves it, e.g. /api/hello=registry/web/hello:1.0; "
          + "a trailing /... is allowed (/static/...=REF); / serves everything no other route takes.")
  List<String> routes = new ArrayList<>();

  @Option(names = "--routes", paramLabel = "FILE",
      description = "A TOML file of [[route]] tables: path, and module (with env, dirs, timeout, max-memory, "
          + "max-body, max-response of its own) or static (a folder served as files); paths in it are relative "
          + "to its folder. The options below apply to its module routes where it says nothing.")
  Path routesFile;

  @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
      description = "Address to listen on (port 0: any free one). Default: ${DEFAULT-VALUE}.")
  String listen;

  @Option(names = "--env", paramLabel = "K=V", description = "Environment variable for every handler (repeatable).")
  List<String> env = new ArrayList<>();

  @Option(names = "--dir", paramLabel = "HOST:GUEST", description = "Preopen a host folder read-only for every handler (repeatable).")
  List<String> dirs = new ArrayList<>();

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
      description = "Per-request limit (504 past it). Default: ${DEFAULT-VALUE}.")
  String timeout;

  @Option(names = "--max-memory", paramLabel = "SIZE", defaultValue = "64m",
      description = "Per-request linear memory cap. Default: ${DEFAULT-VALUE}.")
  String maxMemory;

  @Option(names = "--max-body", paramLabel = "SIZE", defaultValue = "1m",
      description = "Largest request body (413 past it). Default: ${DEFAULT-VALUE}.")
  String maxBody;

  @Option(names = "--max-response", paramLabel = "SIZE", defaultValue = "8m",
      description = "Largest response a handler may write (502 past it). Default: ${DEFAULT-VALUE}.")
  String maxResponse;

  @Option(names = "--workers", paramLabel = "N", description = "Requests at once (default: 2 x processors).")
  Integer workers;

  @Option(names = "--queue", paramLabel = "N", defaultValue = "64",
      description = "Requests waiting for a worker before 503. Default: ${DEFAULT-VALUE}.")
  int queue;

  @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "10s",
      description = "How long a stop waits for requests in flight. Default: ${DEFAULT-VALUE}.")
  String grace;

  @Option(names = "--no-access-log", description = "Do not print a line per request on stdout.")
  boolean noAccessLog;

  /** The command line's limits, for routes that set none of their own. */
  private RoutesFile.Route defaults;

  /** Set once serving; counted down to stop (by SIGTERM's shutdown hook, or a test's interrupt). */
  private final CountDownLatch stopped = new CountDownLatch(1);

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // The JDK server has no deadline for reading request headers unless this is set (seconds).
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", "30");
    }
    // Without TCP_NODELAY, JDK 17's server waits on delayed ACKs: about 40 ms a keep-alive request.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    Duration graceful = Units.parseDuration(grace);
    // the command line's limits, read before anything else so that a slip in them is caught at once
    defaults = new RoutesFile.Route("", null, null, Map.of(), List.of(), Units.parseDuration(timeout),
        Units.parseSize(maxMemory), Units.parseSize(maxBody), Units.parseSize(maxResponse));
    List<RoutesFile.Route> all = new ArrayList<>();
    for (String route : routes) {
      all.add(commandLineRoute(route));
    }
    if (routesFile != null) {
      try {
        all.addAll(RoutesFile.read(routesFile));
      } catch (RoutesFile.Invalid e) {
        err.println("skiff serve: " + e.getMessage());
        err.flush();
        return Main.ExitCodes.USAGE;
      }
    }
    if (all.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "Nothing to serve: give ROUTE=REF or --routes FILE");
    }
    Set<String> prefixes = new HashSet<>();
    for (RoutesFile.Route route : all) {
      String prefix = prefix(route.path());
      if (!prefixes.add(prefix) || prefix.equals("/healthz")) {
        err.println("skiff serve: route " + (prefix.isEmpty() ? "/" : prefix) + " is given twice or reserved"
            + " (/healthz)");
        err.flush();
        return Main.ExitCodes.USAGE;
      }
    }
    List<String> sources = all.stream().map(RoutesFile.Route::module).filter(Objects::nonNull).toList();
    try (Skiff skiff = common.builder(sources).build()) {
      SkiffHttpServer.Builder server = SkiffHttpServer.builder().listen(address()).queue(queue);
      if (workers != null) {
        server.workers(workers);
      }
      if (!noAccessLog) {
        server.accessLog(line -> {
          synchronized (out) {
            out.println(line);
            out.flush();
          }
        });
      }
      for (RoutesFile.Route route : all) {
        if (route.folder() != null) {
          server.staticFolder(prefix(route.path()), route.folder());
        } else {
          server.handler(handler(skiff, route, err));
        }
      }
      SkiffHttpServer running = server.build().start();
      Thread hook = new Thread(() -> {
        running.stop(graceful);
        stopped.countDown();
      }, "skiff-serve-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      out.println("skiff serve: listening on http://" + running.address().getHostString() + ":"
          + running.address().getPort() + " (" + all.size() + " route" + (all.size() == 1 ? "" : "s") + ")");
      out.flush();
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Runtime.getRuntime().removeShutdownHook(hook);
        running.stop(graceful);
      }
      return 0;
    }
  }

  /** A ROUTE=REF parameter as a route with the command line's options. */
  private RoutesFile.Route commandLineRoute(String route) {
    int eq = route.indexOf('=');
    if (eq <= 0 || eq == route.length() - 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "A route is ROUTE=REF, got '" + route + "'");
    }
    return new RoutesFile.Route(route.substring(0, eq), route.substring(eq + 1), null, Map.of(),
        List.of(), null, null, null, null);
  }

  /** /static/... and /static/ are the prefix /static; / is the empty prefix (everything else). */
  private static String prefix(String path) {
    String prefix = path;
    if (prefix.endsWith("/...")) {
      prefix = prefix.substring(0, prefix.length() - 4);
    }
    if (prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return prefix;
  }

  /**
   * Pulls, links and compiles a route's module now, so that a bad route fails at start-up. The command
   * line's --env and --dir come first, the route's own after (so its env wins); its limits replace the
   * command line's.
   */
  private WasmHandler handler(Skiff skiff, RoutesFile.Route route, PrintWriter err) {
    String prefix = prefix(route.path());
    String ref = route.module();
    Limits limits = Limits.builder()
        .timeout(route.timeout() != null ? route.timeout() : defaults.timeout())
        .maxMemory(route.maxMemory() != null ? route.maxMemory() : defaults.maxMemory()).build();
    long maxRequest = route.maxBody() != null ? route.maxBody() : defaults.maxBody();
    long maxOut = route.maxResponse() != null ? route.maxResponse() : defaults.maxResponse();
    try {
      WasmArtifact artifact = skiff.pull(ref);
      artifact.compile();
      return WasmHandler.builder(artifact).route(prefix)
          .maxRequestBytes(maxRequest)
          .maxResponseBytes((int) Math.min(Integer.MAX_VALUE - 8, maxOut))
          .configure(r -> {
            r.limits(limits);
            for (String kv : env) {
              int i = kv.indexOf('=');
              if (i <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--env needs K=V, got '" + kv + "'");
              }
              r.env(kv.substring(0, i), kv.substring(i + 1));
            }
            for (String d : dirs) {
              int i = d.lastIndexOf(':');
              if (i <= 0 || i == d.length() - 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--dir needs HOST:GUEST, got '" + d + "'");
              }
              r.preopen(d.substring(i + 1), Path.of(d.substring(0, i)), Access.READ_ONLY);
            }
            route.env().forEach(r::env);
            for (RoutesFile.Dir d : route.dirs()) {
              r.preopen(d.guest(), d.host(), Access.READ_ONLY);
            }
          })
          .build();
    } catch (RuntimeException e) {
      err.println("skiff serve: route " + (prefix.isEmpty() ? "/" : prefix) + " cannot be served from " + ref);
      err.flush();
      throw e;
    }
  }

  private InetSocketAddress address() {
    int colon = listen.lastIndexOf(':');
    try {
      String host = colon > 0 ? listen.substring(0, colon) : "127.0.0.1";
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      return new InetSocketAddress(host, Integer.parseInt(listen.substring(colon + 1)));
    } catch (RuntimeException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--listen needs HOST:PORT, got '" + listen + "'");
    }
  }
}
