package dev.skiff.wasi;

import dev.skiff.wasi.internal.OutboundPolicy;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * The capabilities a guest gets, immutable. Nothing is granted unless asked: no arguments, no
 * environment, empty stdin, discarded stdout/stderr, no directories, no sockets.
 *
 * <pre>{@code
 * WasiOptions options = WasiOptions.builder()
 *     .args("app", "--verbose")
 *     .env("LANG", "C.UTF-8")
 *     .stdout(Output.capture(1 << 20))
 *     .preopen("/data", Path.of("/srv/data"), Access.READ_ONLY)
 *     .build();
 * }</pre>
 */
public final class WasiOptions {
  /** The default limit on open file descriptors, stdio and preopens included. */
  public static final int DEFAULT_MAX_OPEN_FILES = 1024;

  private final List<String> args;
  private final Map<String, String> env;
  private final boolean inheritEnv;
  private final Map<String, String> explicitEnv;
  private final Stdin stdin;
  private final Output stdout;
  private final Output stderr;
  private final List<Preopen> preopens;
  private final List<ServerSocketChannel> tcpListeners;
  private final List<InetSocketAddress> tcpListen;
  private final List<String> allowedOutbound;
  private final WasiClock realtimeClock;
  private final WasiClock monotonicClock;
  private final Random random;

  /** The default random source, made at first use (seeding a SecureRandom per world cost each one). */
  private static final class DefaultRandom {
    static final SecureRandom INSTANCE = new SecureRandom();
  }
  private final int maxOpenFiles;

  private WasiOptions(Builder b) {
    this.args = List.copyOf(b.args);
    this.inheritEnv = b.inheritEnv;
    this.explicitEnv = Collections.unmodifiableMap(new LinkedHashMap<>(b.env));
    if (b.inheritEnv) {
      Map<String, String> merged = new LinkedHashMap<>(System.getenv());
      merged.putAll(b.env);
      this.env = Collections.unmodifiableMap(merged);
    } else {
      this.env = explicitEnv; // one copy: a world per request makes many of these
    }
    this.stdin = b.stdin;
    this.stdout = b.stdout;
    this.stderr = b.stderr;
    this.preopens = List.copyOf(b.preopens);
    this.tcpListeners = List.copyOf(b.tcpListeners);
    this.tcpListen = List.copyOf(b.tcpListen);
    this.allowedOutbound = List.copyOf(b.allowedOutbound);
    this.realtimeClock = b.realtimeClock;
    this.monotonicClock = b.monotonicClock;
    this.random = b.random;
    this.maxOpenFiles = b.maxOpenFiles;
  }

  /**
   * Returns a builder with nothing granted.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder starting from these options.
   *
   * @return a new builder holding a copy of these options
   */
  public Builder newBuilder() {
    Builder b = new Builder();
    b.args.addAll(args);
    b.inheritEnv = inheritEnv;
    b.env.putAll(explicitEnv);
    b.stdin = stdin;
    b.stdout = stdout;
    b.stderr = stderr;
    b.preopens.addAll(preopens);
    b.tcpListeners.addAll(tcpListeners);
    b.tcpListen.addAll(tcpListen);
    b.allowedOutbound.addAll(allowedOutbound);
    b.realtimeClock = realtimeClock;
    b.monotonicClock = monotonicClock;
    b.random = random;
    b.maxOpenFiles = maxOpenFiles;
    return b;
  }

  /**
   * Returns the arguments, {@code argv[0]} first.
   *
   * @return an unmodifiable list
   */
  public List<String> args() {
    return args;
  }

  /**
   * Returns the environment the guest sees: the host's if {@link Builder#inheritEnv()} was asked
   * (snapshot taken at {@code build()}), overridden by explicit entries.
   *
   * @return an unmodifiable map in guest order
   */
  public Map<String, String> env() {
    return env;
  }

  /**
   * Returns whether the host environment is inherited.
   *
   * @return true if {@link Builder#inheritEnv()} was called
   */
  public boolean inheritsEnv() {
    return inheritEnv;
  }

  /**
   * Returns the standard input.
   *
   * @return the stdin source
   */
  public Stdin stdin() {
    return stdin;
  }

  /**
   * Returns the standard output.
   *
   * @return the stdout sink
   */
  public Output stdout() {
    return stdout;
  }

  /**
   * Returns the standard error.
   *
   * @return the stderr sink
   */
  public Output stderr() {
    return stderr;
  }

  /**
   * Returns the preopened directories in fd order (the first is fd 3).
   *
   * @return an unmodifiable list
   */
  public List<Preopen> preopens() {
    return preopens;
  }

  /**
   * Returns the preopened TCP listeners, numbered after the directories. Skiff never closes them.
   *
   * @return an unmodifiable list
   */
  public List<ServerSocketChannel> tcpListeners() {
    return tcpListeners;
  }

  /**
   * Returns the addresses Skiff binds a listener on for the guest, numbered after
   * {@link #tcpListeners()}.
   *
   * @return an unmodifiable list
   */
  public List<InetSocketAddress> tcpListen() {
    return tcpListen;
  }

  /**
   * Returns the outbound allow-list: the host:port patterns the guest may resolve and connect to.
   *
   * @return an unmodifiable list; empty means no outbound connection at all
   */
  public List<String> allowedOutbound() {
    return allowedOutbound;
  }

  /**
   * Returns the realtime clock.
   *
   * @return the clock behind {@code CLOCKID_REALTIME}
   */
  public WasiClock realtimeClock() {
    return realtimeClock;
  }

  /**
   * Returns the monotonic clock.
   *
   * @return the clock behind {@code CLOCKID_MONOTONIC}
   */
  public WasiClock monotonicClock() {
    return monotonicClock;
  }

  /**
   * Returns the source of {@code random_get}.
   *
   * @return the random source
   */
  public Random random() {
    return random;
  }

  /**
   * Returns the limit on open file descriptors.
   *
   * @return the limit, stdio and preopens included
   */
  public int maxOpenFiles() {
    return maxOpenFiles;
  }

  @Override
  public String toString() {
    // Environment values may be secrets: print only the names.
    return "WasiOptions{args=" + args.size() + " entries, env=" + env.keySet() + ", stdin=" + stdin
        + ", stdout=" + stdout + ", stderr=" + stderr + ", preopens=" + preopens
        + ", tcpListeners=" + tcpListeners.size() + ", tcpListen=" + tcpListen
        + ", allowedOutbound=" + allowedOutbound + ", maxOpenFiles=" + maxOpenFiles + "}";
  }

  /** Collects options; not thread-safe. Setters validate at once. */
  public static final class Builder {
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private boolean inheritEnv;
    private Stdin stdin = Stdin.none();
    private Output stdout = Output.discard();
    private Output stderr = Output.discard();
    private final List<Preopen> preopens = new ArrayList<>();
    private final List<ServerSocketChannel> tcpListeners = new ArrayList<>();
    private final List<InetSocketAddress> tcpListen = new ArrayList<>();
    private final List<String> allowedOutbound = new ArrayList<>();
    private WasiClock realtimeClock = WasiClock.systemRealtime();
    private WasiClock monotonicClock = WasiClock.systemMonotonic();
    private Random random;
    private int maxOpenFiles = DEFAULT_MAX_OPEN_FILES;

    private Builder() {}

    /**
     * Replaces the arguments.
     *
     * @param args the arguments, {@code argv[0]} first; none may contain NUL
     * @return this builder
     */
    public Builder args(String... args) {
      return args(Arrays.asList(Objects.requireNonNull(args, "args")));
    }

    /**
     * Replaces the arguments.
     *
     * @param args the arguments, {@code argv[0]} first; none may contain NUL
     * @return this builder
     */
    public Builder args(List<String> args) {
      Objects.requireNonNull(args, "args");
      List<String> copy = new ArrayList<>(args.size());
      for (String a : args) {
        Objects.requireNonNull(a, "args contains null");
        if (a.indexOf('\0') >= 0) {
          throw new IllegalArgumentException("an argument contains NUL, which C strings cannot carry");
        }
        copy.add(a);
      }
      this.args.clear();
      this.args.addAll(copy);
      return this;
    }

    /**
     * Sets one environment variable, replacing an earlier value.
     *
     * @param name non-empty, without {@code '='} or NUL
     * @param value without NUL
     * @return this builder
     */
    public Builder env(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("environment name must be non-empty without '=' or NUL, got \"" + name + "\"");
      }
      if (value.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("value of environment variable " + name + " contains NUL");
      }
      env.put(name, value);
      return this;
    }

    /**
     * Sets several environment variables.
     *
     * @param vars name to value; see {@link #env(String, String)}
     * @return this builder
     */
    public Builder env(Map<String, String> vars) {
      Objects.requireNonNull(vars, "vars").forEach(this::env);
      return this;
    }

    /**
     * Passes the host's environment to the guest (explicit entries win).
     *
     * @return this builder
     */
    public Builder inheritEnv() {
      this.inheritEnv = true;
      return this;
    }

    /**
     * Sets the standard input.
     *
     * @param stdin the source
     * @return this builder
     */
    public Builder stdin(Stdin stdin) {
      this.stdin = Objects.requireNonNull(stdin, "stdin");
      return this;
    }

    /**
     * Sets the standard output.
     *
     * @param stdout the sink
     * @return this builder
     */
    public Builder stdout(Output stdout) {
      this.stdout = Objects.requireNonNull(stdout, "stdout");
      return this;
    }

    /**
     * Sets the standard error.
     *
     * @param stderr the sink
     * @return this builder
     */
    public Builder stderr(Output stderr) {
      this.stderr = Objects.requireNonNull(stderr, "stderr");
      return this;
    }

    /**
     * Grants a host directory, visible to the guest as {@code guestPath}. The guest's paths are
     * resolved on open directory handles ({@link java.nio.file.SecureDirectoryStream}), so the file
     * system must offer them: the default one on Linux and Jimfs do, Windows' does not, and there
     * creating the WASI instance fails with {@link IllegalArgumentException}.
     *
     * @param guestPath the name the guest sees, such as {@code "/"}, {@code "/data"} or {@code "."}
     * @param hostPath an existing directory on a file system with secure directory streams
     * @param access what the guest may do inside
     * @return this builder
     */
    public Builder preopen(String guestPath, Path hostPath, Access access) {
      preopens.add(new Preopen(guestPath, hostPath, access));
      return this;
    }

    /**
     * Grants a bound TCP listening socket on which the guest may {@code sock_accept}, the way
     * {@code wasmtime --tcplisten} does. Skiff never closes it; connections it accepts are closed
     * with the WASI instance.
     *
     * @param listener a bound server socket channel
     * @return this builder
     */
    public Builder preopenTcpListener(ServerSocketChannel listener) {
      Objects.requireNonNull(listener, "listener");
      if (!listener.isOpen()) {
        throw new IllegalArgumentException("listener is closed");
      }
      tcpListeners.add(listener);
      return this;
    }

    /**
     * Grants a TCP listener that Skiff binds on {@code hostPort} when the WASI world is created and
     * closes with it, as {@code wasmtime --tcplisten} does: the guest accepts on it as a preopened
     * socket (fds after the directories and {@link #preopenTcpListener} listeners, in order), or
     * reaches it through WasmEdge's {@code sock_bind}/{@code sock_listen} on the same address.
     *
     * @param hostPort {@code HOST:PORT}, such as {@code 127.0.0.1:8080}, {@code 0.0.0.0:80} or
     *     {@code [::1]:8080}; HOST must be an IP address
     * @return this builder
     */
    public Builder tcpListen(String hostPort) {
      tcpListen.add(parseListenAddress(hostPort));
      return this;
    }

    /**
     * Allows outbound TCP connections (and name resolution) matching {@code pattern}; nothing is
     * allowed otherwise. A pattern is {@code [scheme://]HOST:PORT}, in the model of Spin's
     * {@code allowed_outbound_hosts}: HOST is a name, {@code *.domain}, an IP address or {@code *};
     * PORT a number, a range {@code N-M} or {@code *}. Loopback is never implied: {@code *} reaches
     * no loopback address; name {@code localhost} or a loopback IP to allow the host's own services.
     * A refused attempt is {@code EACCES} for the guest and a warning on the
     * {@code dev.skiff.wasi.network} logger.
     *
     * @param pattern for example {@code redis.internal:6379} or {@code 127.0.0.1:8000-8099}
     * @return this builder
     */
    public Builder allowOutbound(String pattern) {
      Objects.requireNonNull(pattern, "pattern");
      OutboundPolicy.validate(pattern);
      allowedOutbound.add(pattern);
      return this;
    }

    private static InetSocketAddress parseListenAddress(String hostPort) {
      Objects.requireNonNull(hostPort, "hostPort");
      int colon = hostPort.lastIndexOf(':');
      String host = colon > 0 ? hostPort.substring(0, colon) : "";
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port = -1;
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
        // reported below
      }
      java.net.InetAddress ip = host.isEmpty() ? null : OutboundPolicy.literalAddress(host);
      if (ip == null || port < 1 || port > 65535) {
        throw new IllegalArgumentException("tcpListen needs IP:PORT with a port from 1 to 65535, such as"
            + " 127.0.0.1:8080 or [::1]:8080, got '" + hostPort + "'");
      }
      return new InetSocketAddress(ip, port);
    }

    /**
     * Sets the realtime clock (default: the host's wall clock).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder realtimeClock(WasiClock clock) {
      this.realtimeClock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the monotonic clock (default: {@link System#nanoTime()}).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder monotonicClock(WasiClock clock) {
      this.monotonicClock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the source of {@code random_get} (default: a {@link SecureRandom}, one for every world,
     * as SecureRandom is thread-safe and seeds itself). Pass a seeded
     * {@link Random} for deterministic tests only.
     *
     * @param random the source
     * @return this builder
     */
    public Builder random(Random random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Limits open file descriptors, stdio and preopens included; beyond it {@code path_open} and
     * {@code sock_accept} fail with {@code EMFILE}.
     *
     * @param maxOpenFiles at least 3
     * @return this builder
     */
    public Builder maxOpenFiles(int maxOpenFiles) {
      if (maxOpenFiles < 3) {
        throw new IllegalArgumentException("maxOpenFiles must be at least 3 (stdio), got " + maxOpenFiles);
      }
      this.maxOpenFiles = maxOpenFiles;
      return this;
    }

    /**
     * Builds the immutable options.
     *
     * @return the options
     * @throws IllegalArgumentException if the preopens and listeners exceed {@code maxOpenFiles}
     */
    public WasiOptions build() {
      if (3 + preopens.size() + tcpListeners.size() + tcpListen.size() > maxOpenFiles) {
        throw new IllegalArgumentException("maxOpenFiles " + maxOpenFiles + " is below stdio + "
            + preopens.size() + " preopens + " + (tcpListeners.size() + tcpListen.size()) + " listeners");
      }
      if (random == null) {
        random = DefaultRandom.INSTANCE;
      }
      return new WasiOptions(this);
    }
  }
}
