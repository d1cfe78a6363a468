package dev.skiff.testing.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A CNCF distribution registry ({@code docker-registry} on Debian, {@code registry} upstream) run as a child
 * process on a free loopback port, anonymous, with its storage in a folder it owns.
 *
 * <p>The same launcher as the unpublished test-support module's {@code RegistryExtension}, which the
 * modules built before skiff-core (and skiff-core's own tests) keep using: the reactor cannot build them
 * after this module.
 */
public final class LoopbackRegistry implements AutoCloseable {
  /** The system property that names the registry binary. */
  public static final String BINARY_PROPERTY = "skiff.testing.registry";
  /** The environment variable that names the registry binary, when the system property is not set. */
  public static final String BINARY_VARIABLE = "SKIFF_TESTING_REGISTRY";
  private static final String DEBIAN_BINARY = "docker-registry";

  private final Path workDir;
  private final Process process;
  private final int port;

  private LoopbackRegistry(Path workDir, Process process, int port) {
    this.workDir = workDir;
    this.process = process;
    this.port = port;
  }

  /**
   * Starts a registry and waits until {@code /v2/} answers.
   *
   * @param binary the registry binary, or empty to take {@link #BINARY_PROPERTY}, then
   *     {@link #BINARY_VARIABLE}, then {@code docker-registry} on the {@code PATH}
   * @param workDir an empty folder for the registry's configuration, log and storage
   * @throws IllegalStateException when no binary is found, or the registry does not start
   */
  public static LoopbackRegistry start(Optional<Path> binary, Path workDir) {
    Path executable = binary.orElseGet(() -> locate(System.getProperty(BINARY_PROPERTY), System.getenv()));
    if (!Files.isRegularFile(executable) || !Files.isExecutable(executable)) {
      throw new IllegalStateException("The registry binary " + executable + " is not an executable file");
    }
    try {
      Path storage = Files.createDirectories(workDir.resolve("storage"));
      Path log = workDir.resolve("registry.log");
      // a port found free can be taken before the registry binds it: then it exits, and we try another
      for (int attempt = 1; ; attempt++) {
        int port = freePort();
        Path config = Files.writeString(workDir.resolve("config.yml"), "version: 0.1\n"
            + "log:\n  level: error\n  accesslog:\n    disabled: true\n"
            + "storage:\n  filesystem:\n    rootdirectory: " + storage + "\n  delete:\n    enabled: true\n"
            + "http:\n  addr: 127.0.0.1:" + port + "\n");
        Process process = new ProcessBuilder(executable.toString(), "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
        LoopbackRegistry registry = new LoopbackRegistry(workDir, process, port);
        if (registry.awaitReady()) {
          return registry;
        }
        registry.stopProcess();
        if (attempt == 3) {
          throw new IllegalStateException("The registry " + executable + " did not start on 127.0.0.1; its log:\n"
              + Files.readString(log));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the registry " + executable + " in " + workDir, e);
    }
  }

  /** Finds the binary: the property's path, else the variable's, else {@code docker-registry} on the PATH. */
  static Path locate(String property, Map<String, String> env) {
    if (property != null && !property.isBlank()) {
      return Path.of(property);
    }
    String variable = env.get(BINARY_VARIABLE);
    if (variable != null && !variable.isBlank()) {
      return Path.of(variable);
    }
    for (String dir : env.getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, DEBIAN_BINARY);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("A loopback registry needs the CNCF distribution registry, and "
        + DEBIAN_BINARY + " is not on the PATH: install it (Debian/Ubuntu: apt-get install " + DEBIAN_BINARY
        + "), or name a distribution 'registry' binary with -D" + BINARY_PROPERTY + "=/path/to/registry or "
        + BINARY_VARIABLE + "=/path/to/registry");
  }

  private boolean awaitReady() throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest probe = HttpRequest.newBuilder(URI.create("http://" + host() + "/v2/"))
        .timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    try {
      while (System.nanoTime() < deadline && process.isAlive()) {
        try {
          HttpResponse<Void> response = http.send(probe, HttpResponse.BodyHandlers.discarding());
          // the header tells a registry from whatever else took the port
          if (response.headers().firstValue("Docker-Distribution-Api-Version").isPresent()) {
            return true;
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while waiting for the registry", e);
    }
    return false;
  }

  /** {@code 127.0.0.1:PORT}. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /** The port it listens on. */
  public int port() {
    return port;
  }

  /** The folder holding its configuration, log and storage. */
  public Path workDir() {
    return workDir;
  }

  /** Stops the process (and only it, by its handle); the caller deletes {@link #workDir()}. */
  @Override
  public void close() {
    stopProcess();
  }

  private void stopProcess() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
