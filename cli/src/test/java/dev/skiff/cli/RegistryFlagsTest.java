package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.OciLayout;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestCerts;
import dev.skiff.testsupport.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The registry flags of the commands that pull: --ca, --mirror, timeouts and retries, against real registries. */
class RegistryFlagsTest {
  @RegisterExtension static final RegistryExtension tls = RegistryExtension.tls();
  @RegisterExtension static final RegistryExtension origin = RegistryExtension.anonymous();
  @RegisterExtension static final RegistryExtension mirror = RegistryExtension.anonymous();
  static final Path HELLO = Fixtures.wasm("hello.wasm");
  static Path ca;
  static Path otherCa;
  @TempDir static Path certs;
  @TempDir Path store;

  record Outcome(int code, String stdout, String err) {}

  @BeforeAll
  static void images() throws Exception {
    ca = tls.caCertificate().orElseThrow();
    otherCa = Files.writeString(certs.resolve("other-ca.pem"),
        TestCerts.certificatePem(TestCerts.selfSigned(certs, "other", "Some Other CA").certificate()));
    // only the mirror has this image: a pull of origin's name succeeds only through the mirror
    TestImages.pushCncfArtifact(mirror, "cli/mirrored:1", HELLO, OciLayout::writeWasmArtifact);
  }

  /** Runs {@code skiff COMMAND --store=STORE ARGS...} in-process, the guest's stdout captured. */
  private Outcome skiff(String command, String... args) {
    List<String> full = new ArrayList<>(List.of(command, "--store=" + store));
    full.addAll(List.of(args));
    PrintStream savedOut = System.out;
    ByteArrayOutputStream guestOut = new ByteArrayOutputStream();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try {
      System.setOut(new PrintStream(guestOut, true, StandardCharsets.UTF_8));
      code = Main.execute(full.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    } finally {
      System.setOut(savedOut);
    }
    return new Outcome(code, guestOut.toString(StandardCharsets.UTF_8) + out, err.toString());
  }

  @Test
  void caTrustsAPrivateCaForPushPullAndRun() {
    String ref = tls.host() + "/cli/tls:1";
    Outcome push = skiff("push", "--ca", ca.toString(), HELLO.toString(), ref);
    assertEquals(0, push.code(), push.err());

    Outcome untrusted = skiff("pull", "--ca", otherCa.toString(), ref);
    assertEquals(125, untrusted.code(), untrusted.err());
    assertTrue(untrusted.err().contains("the TLS certificate of " + tls.host() + " is not trusted"), untrusted.err());
    assertTrue(untrusted.err().contains("trust its CA with --ca FILE"), untrusted.err());

    Outcome run = skiff("run", "--ca", ca.toString(), ref, "x");
    assertEquals(0, run.code(), run.err());
    assertTrue(run.stdout().startsWith("Hello from Wasm, world!\n"), run.stdout());

    // HOST=FILE names the registry
    Outcome named = skiff("inspect", "--pull=always", "--ca", tls.host() + "=" + ca, ref);
    assertEquals(0, named.code(), named.err());
  }

  @Test
  void mirrorServesTheOriginsImages() {
    String ref = origin.host() + "/cli/mirrored:1";
    Outcome direct = skiff("pull", ref);
    assertEquals(125, direct.code(), direct.err());
    assertTrue(direct.err().contains("was not found (HTTP 404"), direct.err());

    Outcome mirrored = skiff("run", "--mirror", origin.host() + "=" + mirror.host(), ref);
    assertEquals(0, mirrored.code(), mirrored.err());
    assertTrue(mirrored.stdout().startsWith("Hello from Wasm, world!\n"), mirrored.stdout());

    Outcome bad = skiff("pull", "--mirror", mirror.host(), ref);
    assertEquals(2, bad.code(), bad.err());
    assertTrue(bad.err().contains("--mirror " + mirror.host() + ": expected HOST=MIRROR"), bad.err());
  }

  @Test
  void readTimeoutAndRetriesBoundAPullFromARegistryThatNeverAnswers() throws Exception {
    // the kernel accepts connections into the backlog; nobody ever reads or answers
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String ref = "127.0.0.1:" + silent.getLocalPort() + "/cli/silent:1";
      long t0 = System.nanoTime();
      Outcome o = skiff("pull", "--read-timeout", "300ms", "--retries", "1", ref);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertEquals(125, o.code(), o.err());
      assertTrue(o.err().contains("cannot reach registry 127.0.0.1:" + silent.getLocalPort()), o.err());
      // the defaults (30 s read timeout, 5 attempts) would take minutes
      assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "took " + took);
    }
  }

  @Test
  void aTimeoutThatIsNotPositiveIsAUsageError() {
    Outcome o = skiff("pull", "--connect-timeout", "0s", origin.host() + "/cli/x:1");
    assertEquals(2, o.code(), o.err());
    assertTrue(o.err().contains("connectTimeout must be positive"), o.err());
  }
}
