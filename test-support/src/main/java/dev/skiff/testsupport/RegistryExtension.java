package dev.skiff.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a real CNCF distribution registry (Debian's {@code docker-registry}) as a child process on a free
 * loopback port with a temporary storage folder, for the tests of one class.
 *
 * <pre>{@code
 * @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();
 * }</pre>
 *
 * <p>The registry starts before the first test, answers on {@link #host()}, and its process is stopped
 * (and its storage deleted) after the last one.
 *
 * <p>Modules built after skiff-testing use its published {@code TestRegistry} for anonymous registries;
 * this one remains for the modules the reactor builds before it (oci, wasi-preview1, core's tests), and
 * for Basic and token authentication.
 */
public final class RegistryExtension implements BeforeAllCallback, AfterAllCallback {
  private final String username;
  private final String password;
  private final String extraConfig;
  private final boolean tls;
  private Path workDir;
  private Path caCertificate;
  private Process process;
  private int port;

  private RegistryExtension(String username, String password, String extraConfig, boolean tls) {
    this.username = username;
    this.password = password;
    this.extraConfig = extraConfig;
    this.tls = tls;
  }

  /** A registry that needs no authentication. */
  public static RegistryExtension anonymous() {
    return new RegistryExtension(null, null, "", false);
  }

  /** A registry that demands htpasswd Basic authentication with these credentials (bcrypt hashed). */
  public static RegistryExtension basicAuth(String username, String password) {
    return new RegistryExtension(username, password, "", false);
  }

  /**
   * An anonymous registry serving HTTPS with a certificate for {@code 127.0.0.1} signed by a private CA
   * made for it by keytool; clients trust {@link #caCertificate()} or fail the TLS handshake.
   */
  public static RegistryExtension tls() {
    return new RegistryExtension(null, null, "", true);
  }

  /**
   * A registry with extra top-level YAML appended to its configuration, for example distribution's
   * {@code auth: token:} section pointing at a token server the test runs. The text must not contain
   * another {@code auth:} section when combined with Basic auth.
   */
  public static RegistryExtension withConfig(String extraYaml) {
    return new RegistryExtension(null, null, extraYaml, false);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  /** Starts the registry and waits until {@code /v2/} answers; usable outside JUnit too. */
  public synchronized void start() throws IOException, InterruptedException {
    if (process != null) {
      return;
    }
    Path binary = Tools.require("docker-registry");
    workDir = Files.createTempDirectory("skiff-registry-");
    Path storage = Files.createDirectories(workDir.resolve("storage"));
    StringBuilder config = new StringBuilder();
    String auth = "";
    if (username != null) {
      Path htpasswd = workDir.resolve("htpasswd");
      String line = Tools.run(null, "htpasswd", "-Bbn", username, password).trim();
      Files.writeString(htpasswd, line + "\n");
      auth = "auth:\n  htpasswd:\n    realm: skiff-test\n    path: " + htpasswd + "\n";
    }
    String tlsConfig = "";
    if (tls) {
      tlsConfig = tlsFiles(Files.createDirectories(workDir.resolve("tls")));
    }
    for (int attempt = 0; ; attempt++) {
      port = freePort();
      config.setLength(0);
      config.append("version: 0.1\n")
          .append("log:\n  level: error\n  accesslog:\n    disabled: true\n")
          .append("storage:\n  filesystem:\n    rootdirectory: ").append(storage).append('\n')
          .append("  delete:\n    enabled: true\n")
          .append("http:\n  addr: 127.0.0.1:").append(port).append('\n').append(tlsConfig)
          .append(auth)
          .append(extraConfig);
      Path configFile = workDir.resolve("config.yml");
      Files.writeString(configFile, config.toString());
      process = new ProcessBuilder(binary.toString(), "serve", configFile.toString())
          .redirectErrorStream(true)
          .redirectOutput(workDir.resolve("registry.log").toFile())
          .start();
      if (waitUntilReady()) {
        return;
      }
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      process = null;
      if (attempt == 2) {
        throw new IllegalStateException("docker-registry did not start; its log:\n"
            + Files.readString(workDir.resolve("registry.log")));
      }
    }
  }

  /** Writes the CA, the server's chain and key; returns distribution's {@code http.tls} section. */
  private String tlsFiles(Path dir) throws IOException {
    try {
      TestCerts.KeyAndChain server = TestCerts.serverSignedByCa(dir, "Skiff Test CA");
      caCertificate = Files.writeString(dir.resolve("ca.pem"), TestCerts.certificatePem(server.chain().get(1)));
      Path cert = Files.writeString(dir.resolve("server.crt"),
          TestCerts.certificatePem(server.chain().get(0), server.chain().get(1)));
      Path key = Files.writeString(dir.resolve("server.key"), TestCerts.privateKeyPem(server.key()));
      return "  tls:\n    certificate: " + cert + "\n    key: " + key + "\n";
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot make the test registry's certificates: " + e.getMessage(), e);
    }
  }

  private boolean waitUntilReady() throws InterruptedException {
    if (tls) {
      return waitUntilListening();
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        int status = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v2/")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200 || status == 401) {
          return true;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(20);
    }
    return false;
  }

  /** A TLS registry is ready when it accepts connections (the JDK client would not trust its CA). */
  private boolean waitUntilListening() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && process.isAlive()) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return true;
      } catch (IOException notYet) {
        Thread.sleep(20);
      }
    }
    return false;
  }

  /** Stops the registry process (by its own PID) and deletes its storage. */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
    if (workDir != null) {
      deleteTree(workDir);
      workDir = null;
    }
  }

  /** {@code 127.0.0.1:PORT}, the registry host as it appears in image references. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /** {@code http://127.0.0.1:PORT}, or {@code https://} for a {@link #tls()} registry. */
  public String baseUrl() {
    return (tls ? "https://" : "http://") + host();
  }

  /** The PEM certificate of the private CA that signed a {@link #tls()} registry's certificate. */
  public Optional<Path> caCertificate() {
    return Optional.ofNullable(caCertificate);
  }

  /** The port the registry listens on. */
  public int port() {
    return port;
  }

  /** The Basic auth user name, when the registry requires one. */
  public Optional<String> username() {
    return Optional.ofNullable(username);
  }

  /** The Basic auth password, when the registry requires one. */
  public Optional<String> password() {
    return Optional.ofNullable(password);
  }

  /** The folder holding the registry's configuration, log and storage. */
  public Path workDir() {
    return workDir;
  }

  /**
   * The digest the registry reports for {@code repo:tagOrDigest} (a HEAD on the manifest), using the
   * registry's Basic credentials when it has some.
   */
  public String manifestDigest(String repository, String tagOrDigest) {
    HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create(baseUrl() + "/v2/" + repository + "/manifests/" + tagOrDigest))
        .method("HEAD", HttpRequest.BodyPublishers.noBody())
        .header("Accept", String.join(",",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json"));
    if (username != null) {
      request.header("Authorization", "Basic " + Base64.getEncoder()
          .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }
    try {
      HttpResponse<Void> response = HttpClient.newHttpClient()
          .send(request.build(), HttpResponse.BodyHandlers.discarding());
      return response.headers().firstValue("Docker-Content-Digest").orElseThrow(() ->
          new AssertionError("No Docker-Content-Digest for " + repository + ":" + tagOrDigest
              + " (status " + response.statusCode() + ")"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort clean-up of a temporary folder
        }
      });
    } catch (IOException ignored) {
      // already gone
    }
  }
}
