package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import dev.skiff.wasi.Access;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CGI handler API with real C guests (fixtures/src/serving): the convention, limits and faults. */
@Timeout(60)
class WasmHandlerTest {
  @TempDir static Path store;
  static Skiff skiff;
  static WasmHandler echo;
  static WasmHandler misbehave;

  @BeforeAll
  static void open() {
    skiff = Skiff.builder().store(store).engine(Engine.COMPILER).build();
    echo = WasmHandler.builder(fixture("serving/echo.wasm")).route("/api/echo").build();
    misbehave = WasmHandler.builder(fixture("serving/misbehave.wasm"))
        .configure(r -> r.limits(l -> l.timeout(Duration.ofMillis(500)).maxMemory(8L << 20)))
        .maxResponseBytes(1 << 20)
        .build();
  }

  @AfterAll
  static void close() {
    skiff.close();
  }

  private static WasmArtifact fixture(String name) {
    return skiff.pull(Fixtures.wasm(name).toString());
  }

  private static HandlerResponse misbehave(String action) {
    return misbehave.handle(HandlerRequest.builder("GET", "/").query(action).build());
  }

  @Test
  void echoSeesTheRequestAsCgiMetaVariablesAndStdin() {
    byte[] body = "hello body".getBytes(StandardCharsets.UTF_8);
    HandlerResponse r = echo.handle(HandlerRequest.builder("POST", "/api/echo/a%20b")
        .query("x=1&y=2").header("Content-Type", "text/plain").header("X-Test", "one")
        .header("x-test", "two").body(new ByteArrayInputStream(body), body.length).build());
    assertEquals(200, r.status());
    assertEquals(List.of(Map.entry("Content-Type", "text/plain; charset=utf-8"), Map.entry("X-Handler", "echo")),
        r.headers());
    assertEquals("method=POST\npath=/a b\nquery=x=1&y=2\ncontent-type=text/plain\ncontent-length=10\n"
        + "x-test=one, two\nbody=hello body", r.bodyText());
    assertTrue(r.failure().isEmpty());
  }

  @Test
  void statusAndLocationFollowRfc3875() {
    HandlerResponse created = misbehave("status");
    assertEquals(201, created.status());
    assertEquals("/items/7", created.header("Location").orElseThrow());
    assertEquals("created", created.bodyText());
    HandlerResponse redirect = misbehave("redirect");
    assertEquals(302, redirect.status());
    assertEquals("https://example.com/", redirect.header("location").orElseThrow());
  }

  @Test
  void noByteOfOneRequestsMemoryIsVisibleToTheNext() {
    // Each request fills a static buffer and a 64 KiB heap block with its secret (starting with 'S');
    // the next one reports what it finds there before it writes. Allocator bookkeeping makes a few
    // heap bytes non-zero even in a fresh instance, so the answer is compared with the first one's.
    String first = null;
    for (int i = 0; i < 3; i++) {
      HandlerResponse r = misbehave.handle(HandlerRequest.builder("GET", "/").query("isolation")
          .header("X-Secret", "S3cr3t-" + i).build());
      String answer = r.bodyText();
      assertTrue(answer.startsWith("static-dirty=0 heap-dirty=") && answer.endsWith(" secret-seen=0"), answer);
      first = first == null ? answer : first;
      assertEquals(first, answer, "request " + i);
    }
  }

  @Test
  void loopingGuestGets504AtItsTimeoutAndTheThreadIsNotLeftInterrupted() throws Exception {
    long start = System.nanoTime();
    HandlerResponse r = misbehave("loop");
    assertEquals(504, r.status());
    assertEquals("handler ran longer than PT0.5S", r.failure().orElseThrow());
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
    assertFalse(Thread.currentThread().isInterrupted());
    dev.skiff.internal.GuestInterruptsTest.awaitReleased(); // no stop is left pending
    assertEquals(201, misbehave("status").status(), "the same thread serves the next request");
  }

  @Test
  void trapGets500() {
    HandlerResponse r = misbehave("trap");
    assertEquals(500, r.status());
    assertEquals("handler trapped", r.failure().orElseThrow());
    assertEquals("handler trapped\n", r.bodyText());
  }

  @Test
  void guestOverItsMemoryCapGets500() {
    WasmHandler h = WasmHandler.builder(fixture("serving/misbehave.wasm"))
        .configure(c -> c.limits(l -> l.timeout(Duration.ofSeconds(20)).maxMemory(8L << 20))).build();
    HandlerResponse r = h.handle(HandlerRequest.builder("GET", "/").query("hog").build());
    assertEquals(500, r.status());
    assertEquals("handler trapped", r.failure().orElseThrow());
  }

  @Test
  void gigabyteBodyIsCappedAndTheGuestStoppedAtOnce() throws Exception {
    long start = System.nanoTime();
    HandlerResponse r = misbehave("big");
    assertEquals(502, r.status());
    assertEquals("response larger than 1048576 bytes", r.failure().orElseThrow());
    assertTrue(System.nanoTime() - start < Duration.ofMillis(450).toNanos(), "stopped before its timeout");
    assertFalse(Thread.currentThread().isInterrupted());
    dev.skiff.internal.GuestInterruptsTest.awaitReleased(); // no stop is left pending
  }

  @Test
  void crOrLfInjectedIntoAHeaderIsRefused() {
    HandlerResponse r = misbehave("inject");
    assertEquals(502, r.status());
    assertEquals("header injection refused: control character in header X-Note", r.failure().orElseThrow());
    assertTrue(r.header("Set-Cookie").isEmpty());
  }

  @Test
  void malformedHeaderBlocksGet502() {
    assertEquals("malformed response: header line without a name and colon",
        misbehave("malformed").failure().orElseThrow());
    assertEquals("malformed response: no blank line ends the header block",
        misbehave("noheaders").failure().orElseThrow());
    assertEquals("handler exited with code 3 before it wrote a response", misbehave("exit").failure().orElseThrow());
  }

  @Test
  void bodyOverTheLimitIs413WithoutReadingIt() {
    WasmHandler small = WasmHandler.builder(fixture("serving/echo.wasm")).maxRequestBytes(1000).build();
    CountingStream declared = new CountingStream(10_000_000);
    HandlerResponse r = small.handle(HandlerRequest.builder("POST", "/").body(declared, 10_000_000).build());
    assertEquals(413, r.status());
    assertEquals(0, declared.read, "nothing of a body declared too large is read");
    CountingStream chunked = new CountingStream(10_000_000);
    HandlerResponse c = small.handle(HandlerRequest.builder("POST", "/").body(chunked, -1).build());
    assertEquals(413, c.status());
    assertTrue(chunked.read <= 8192, "an undeclared body is read one buffer past the limit at most: " + chunked.read);
  }

  @Test
  void guestThatNeverReadsItsBodyStillAnswers() {
    byte[] body = new byte[500_000];
    HandlerResponse r = misbehave.handle(HandlerRequest.builder("POST", "/").query("nostdin")
        .body(new ByteArrayInputStream(body), body.length).build());
    assertEquals(200, r.status());
    assertEquals("ignored the body", r.bodyText());
  }

  @Test
  void filesGuestReadsOnlyItsReadOnlyPreopen(@TempDir Path data) throws IOException {
    Files.writeString(data.resolve("index.txt"), "welcome\n");
    Files.writeString(data.resolve("a.txt"), "A\n");
    WasmHandler files = WasmHandler.builder(fixture("serving/files.wasm")).route("/static")
        .configure(r -> r.preopen("/data", data, Access.READ_ONLY)).build();
    assertEquals("welcome\n", files.handle(HandlerRequest.builder("GET", "/static/").build()).bodyText());
    assertEquals("A\n", files.handle(HandlerRequest.builder("GET", "/static/a.txt").build()).bodyText());
    HandlerResponse escape = files.handle(HandlerRequest.builder("GET", "/static/../../etc/passwd").build());
    assertEquals(404, escape.status());
  }

  @Test
  void concurrentRequestsEachGetTheirOwnInstance() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<String>> answers = new java.util.ArrayList<>();
      for (int i = 0; i < 64; i++) {
        String q = "n=" + i;
        answers.add(pool.submit(() -> echo.handle(HandlerRequest.builder("GET", "/api/echo").query(q).build())
            .bodyText()));
      }
      for (int i = 0; i < 64; i++) {
        assertTrue(answers.get(i).get().contains("query=n=" + i + "\n"));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aModuleThatCannotRunFailsAtBuildNotAtTheFirstRequest() {
    assertThrows(LimitExceededException.class, () -> WasmHandler.builder(fixture("serving/echo.wasm"))
        .configure(r -> r.limits(l -> l.maxMemory(65536))).build());
    assertThrows(IllegalArgumentException.class, () -> WasmHandler.builder(fixture("serving/echo.wasm"))
        .configure(r -> r.limits(Limits.DEFAULT)).build());
  }

  /** A body of {@code size} zero bytes that counts what was read of it. */
  static final class CountingStream extends InputStream {
    private final long size;
    long read;

    CountingStream(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      return read < size ? (int) (read++ & 0) : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (read >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - read);
      read += n;
      return n;
    }
  }
}
