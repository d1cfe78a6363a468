package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.internal.store.FileTrees;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.TestCerts;
import dev.skiff.testsupport.Tools;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real distribution registry serving TLS ({@code http.tls}) with a certificate from a private CA made by
 * keytool: trusted per registry with {@code trustedCertificates}, refused (without retries) otherwise.
 */
class TlsRegistryTest {
  static final Path HELLO = Fixtures.wasm("hello.wasm");
  static Path work;
  static Process registry;
  static String host;
  static Path caPem;
  static Path otherCaPem;
  @TempDir Path tmp;

  @BeforeAll
  static void startTlsRegistry() throws Exception {
    Path binary = Tools.require("docker-registry");
    work = Files.createTempDirectory("skiff-tls-registry-");
    TestCerts.KeyAndChain server = TestCerts.serverSignedByCa(Files.createDirectories(work.resolve("ca")),
        "Skiff Test CA");
    assertEquals(2, server.chain().size(), "server certificate, then the CA");
    caPem = work.resolve("ca.pem");
    Files.writeString(caPem, TestCerts.certificatePem(server.chain().get(1)));
    Path cert = work.resolve("server.crt");
    Path key = work.resolve("server.key");
    Files.writeString(cert, TestCerts.certificatePem(server.chain().get(0), server.chain().get(1)));
    Files.writeString(key, TestCerts.privateKeyPem(server.key()));
    otherCaPem = work.resolve("other-ca.pem");
    Files.writeString(otherCaPem, TestCerts.certificatePem(TestCerts.selfSigned(
        Files.createDirectories(work.resolve("other")), "other", "Some Other CA").certificate()));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    host = "127.0.0.1:" + port;
    Path config = work.resolve("config.yml");
    Files.writeString(config, "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
        + "storage:\n  filesystem:\n    rootdirectory: " + Files.createDirectories(work.resolve("storage")) + "\n"
        + "http:\n  addr: " + host + "\n  tls:\n    certificate: " + cert + "\n    key: " + key + "\n");
    registry = new ProcessBuilder(binary.toString(), "serve", config.toString()).redirectErrorStream(true)
        .redirectOutput(work.resolve("registry.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        break;
      } catch (IOException notYet) {
        if (!registry.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("the TLS registry did not start: " + Files.readString(work.resolve("registry.log")));
        }
        Thread.sleep(20);
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (registry != null) {
      registry.destroy();
      registry.waitFor(10, TimeUnit.SECONDS);
    }
    FileTrees.deleteTree(work);
  }

  @Test
  void aRegistryWithItsOwnCaIsSpokenToOverTlsEvenOnLoopback() throws Exception {
    try (OciClient c = OciClient.builder().store(tmp.resolve("s")).trustedCertificates(host, caPem).build()) {
      String digest = c.push(HELLO, host + "/tls/hello:1");
      PulledModule m = c.pull(host + "/tls/hello:1");
      assertEquals(digest, m.manifestDigest().orElseThrow());
      assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
    }
  }

  @Test
  void anotherCaIsNotTrustedAndTheFailureIsNotRetried() throws Exception {
    ManualTime time = new ManualTime();
    try (OciClient c = time.on(OciClient.builder()).store(tmp.resolve("s")).trustedCertificates(host, otherCaPem)
        .retries(5, Duration.ofSeconds(2), Duration.ofSeconds(30)).build()) {
      RegistryException e = assertThrows(RegistryException.class, () -> c.pull(host + "/tls/hello:1"));
      assertTrue(e.getMessage().startsWith(host + "/tls/hello:1: the TLS certificate of " + host + " is not trusted ("),
          e.getMessage());
      assertTrue(e.getMessage().endsWith("; trust its CA with trustedCertificates(\"" + host + "\", caFile)"),
          e.getMessage());
      assertEquals(List.of(), time.sleeps, "no backoff: a certificate problem is not transient");
    }
  }
}
