package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Faults injected by a TCP proxy in front of the real registry. */
class FaultsAndAuthTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();
  static final Path HELLO = Fixtures.wasm("hello.wasm");
  @TempDir Path tmp;

  private OciClient client(int attempts) {
    return OciClient.builder().store(tmp.resolve("store")).readTimeout(Duration.ofMillis(700))
        .retries(attempts, Duration.ofMillis(20), Duration.ofSeconds(20)).build();
  }

  @Test
  void resumesACutBlobDownloadWithRange() throws Exception {
    TestImages.pushCncfArtifact(registry, "fault/cut:1", HELLO, OciLayout::writeWasmArtifact);
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = client(3)) {
      proxy.cutBlobIndex = 1; // the config blob comes first, then the module layer
      proxy.cutBlobAfter.set(12_000); // headers plus part of the module
      PulledModule m = c.pull(proxy.host() + "/fault/cut:1");
      assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
      assertTrue(proxy.requestHeads.stream().anyMatch(h -> h.contains("Range: bytes=")), proxy.requestHeads.toString());
    }
  }

  @Test
  void aBlobBodyThatStallsTimesOutAndResumes() throws Exception {
    // Blob bodies are read with the socket's SO_TIMEOUT rather than okio's timeout: it must still fire.
    TestImages.pushCncfArtifact(registry, "fault/stall:1", HELLO, OciLayout::writeWasmArtifact);
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = client(3)) {
      proxy.cutBlobIndex = 1;
      proxy.stallBlobAfter.set(12_000); // silent for 60 s, past the 20 s retry budget: only a read timeout saves it
      PulledModule m = c.pull(proxy.host() + "/fault/stall:1");
      assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
      assertTrue(proxy.requestHeads.stream().anyMatch(h -> h.contains("Range: bytes=")), proxy.requestHeads.toString());
    }
  }

  @Test
  void retries5xxAnd429ThenSucceeds() throws Exception {
    TestImages.pushCncfArtifact(registry, "fault/busy:1", HELLO, OciLayout::writeWasmArtifact);
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = client(4)) {
      proxy.errorsToSend.set(2);
      assertArrayEquals(Files.readAllBytes(HELLO), c.pull(proxy.host() + "/fault/busy:1").moduleBytes());
      assertEquals(0, proxy.errorsToSend.get());
    }
    ManualTime time = new ManualTime();
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = time.on(OciClient.builder())
        .store(tmp.resolve("s2")).retries(4, Duration.ofMillis(20), Duration.ofSeconds(20)).build()) {
      proxy.errorStatus = "429 Too Many Requests";
      proxy.errorExtraHeaders = "Retry-After: 3\r\n";
      proxy.errorsToSend.set(1);
      c.pull(proxy.host() + "/fault/busy:1");
      assertEquals(List.of(Duration.ofSeconds(3)), time.sleeps, "Retry-After honoured, instead of the 20 ms backoff");
    }
  }

  @Test
  void givesUpAfterBoundedRetriesAndNeverRetries4xx() throws Exception {
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = client(3)) {
      proxy.errorExtraHeaders = ""; // OkHttp itself repeats a 503 that says Retry-After: 0
      proxy.errorsToSend.set(100);
      RegistryException e = assertThrows(RegistryException.class, () -> c.pull(proxy.host() + "/fault/down:1"));
      assertEquals(503, e.status());
      assertEquals(proxy.host() + "/fault/down:latest: HTTP 503 after 3 attempt(s)".replace(":latest", ":1"), e.getMessage());
      assertEquals(97, proxy.errorsToSend.get());
    }
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = client(3)) {
      proxy.errorStatus = "400 Bad Request";
      proxy.errorExtraHeaders = "";
      proxy.errorsToSend.set(100);
      RegistryException e = assertThrows(RegistryException.class, () -> c.pull(proxy.host() + "/fault/bad:1"));
      assertEquals(400, e.status());
      assertEquals(99, proxy.errorsToSend.get(), "a 400 is not retried");
    }
  }

  @Test
  void doesNotRetryWhatCannotSucceed() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    ManualTime time = new ManualTime();
    try (OciClient c = time.on(OciClient.builder()).store(tmp.resolve("store"))
        .retries(5, Duration.ofMillis(20), Duration.ofSeconds(20)).build()) {
      RegistryException refused = assertThrows(RegistryException.class, () -> c.pull("127.0.0.1:" + closed + "/x/y:1"));
      assertTrue(refused.getMessage().contains(" after 1 attempt(s): ConnectException"), refused.getMessage());
      RegistryException typo = assertThrows(RegistryException.class, () -> c.pull("registry.invalid/x/y:1"));
      assertTrue(typo.getMessage().contains(" after 1 attempt(s): UnknownHostException"), typo.getMessage());
      assertEquals(List.of(), time.sleeps, "no backoff before giving up");
    }
  }

  @Test
  void aRegistryThatHangsTimesOut() throws Exception {
    try (FaultProxy proxy = new FaultProxy(registry.host()); OciClient c = client(2)) {
      proxy.hang = true;
      long t0 = System.nanoTime();
      RegistryException e = assertThrows(RegistryException.class, () -> c.pull(proxy.host() + "/fault/hang:1"));
      assertEquals(0, e.status());
      assertTrue(e.getMessage().startsWith("cannot reach registry " + proxy.host() + " while " + proxy.host()
          + "/fault/hang:1 after 2 attempt(s): SocketTimeoutException"), e.getMessage());
      assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
    }
  }

  @Test
  void mirrorsAreTriedFirstAndTheOriginIsTheFallback() throws Exception {
    TestImages.pushCncfArtifact(registry, "mirror/x:1", HELLO, OciLayout::writeWasmArtifact);
    try (FaultProxy broken = new FaultProxy(registry.host());
         OciClient c = OciClient.builder().store(tmp.resolve("m")).mirror(registry.host(), broken.host())
             .retries(1, Duration.ofMillis(10), Duration.ofSeconds(5)).build()) {
      broken.errorsToSend.set(100);
      PulledModule m = c.pull(registry.host() + "/mirror/x:1");
      assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
      assertFalse(broken.requestHeads.isEmpty(), "the mirror was asked first");
    }
  }

  @Test
  void basicAuthWithCredentialsAndATypedErrorWithout() throws Exception {
    RegistryExtension secured = RegistryExtension.basicAuth("alice", "wonder-land-9");
    secured.start();
    try {
      TestImages.pushCncfArtifact(secured, "private/hello:1", HELLO, OciLayout::writeWasmArtifact);
      try (OciClient anon = OciClient.builder().store(tmp.resolve("a")).build()) {
        AuthenticationException e = assertThrows(AuthenticationException.class,
            () -> anon.pull(secured.host() + "/private/hello:1"));
        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains("requires authentication and no credentials were found for " + secured.host()),
            e.getMessage());
      }
      try (OciClient wrong = OciClient.builder().store(tmp.resolve("w")).credentials(secured.host(), "alice", "bad-pass-123")
          .build()) {
        AuthenticationException e = assertThrows(AuthenticationException.class,
            () -> wrong.pull(secured.host() + "/private/hello:1"));
        assertFalse(e.getMessage().contains("bad-pass-123"), e.getMessage());
        // A wrong password says which source it came from, so the user knows what to fix.
        assertTrue(e.getMessage().contains(": access denied (HTTP 401) with the credentials of user alice from "
            + "OciClient.Builder.credentials"), e.getMessage());
      }
      try (OciClient ok = OciClient.builder().store(tmp.resolve("o")).credentials(secured.host(), "alice", "wonder-land-9")
          .build()) {
        assertArrayEquals(Files.readAllBytes(HELLO), ok.pull(secured.host() + "/private/hello:1").moduleBytes());
        String pushed = ok.push(HELLO, secured.host() + "/private/pushed:1");
        assertEquals(pushed, ok.pull(secured.host() + "/private/pushed:1").manifestDigest().orElseThrow());
        assertFalse(ok.toString().contains("wonder-land-9"));
      }
    } finally {
      secured.stop();
    }
  }
}
