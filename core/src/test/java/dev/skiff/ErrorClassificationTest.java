package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.InvalidReferenceException;
import dev.skiff.oci.OciLayout;
import dev.skiff.oci.PullPolicy;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The error model as a table: each kind of failure a caller must tell apart, what provokes it for real,
 * and the type and typed accessors it arrives as through {@link Skiff}.
 */
class ErrorClassificationTest {
  @RegisterExtension static final RegistryExtension open = RegistryExtension.anonymous();
  @RegisterExtension static final RegistryExtension locked = RegistryExtension.basicAuth("alice", "s3cret-pw");
  /** A pull-through cache of {@link #open}: distribution refuses every push to it with 405. */
  static RegistryExtension cache;

  @TempDir static Path tmp;
  static Skiff skiff;
  static String hello;
  static int closedPort;

  @BeforeAll
  static void setUp() throws IOException, InterruptedException {
    // started here, not as an extension: distribution checks its upstream at start, whose port is known now
    cache = RegistryExtension.withConfig("proxy:\n  remoteurl: " + open.baseUrl() + "\n");
    cache.start();
    skiff = Skiff.builder().store(tmp.resolve("store")).build();
    TestImages.pushCncfArtifact(open, "errors/hello:1", Fixtures.wasm("hello.wasm"), OciLayout::writeWasmArtifact);
    TestImages.pushCncfArtifact(locked, "errors/hello:1", Fixtures.wasm("hello.wasm"), OciLayout::writeWasmArtifact);
    hello = open.host() + "/errors/hello:1";
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
  }

  @AfterAll
  static void tearDown() {
    skiff.close();
    cache.stop();
  }

  /** One row: a failure kind, how to provoke it, the type it must arrive as, what its accessors say. */
  record Row<T extends Exception>(String kind, Function<Skiff, Object> provoke, Class<T> type, Consumer<T> accessors) {}

  static <T extends Exception> Row<T> row(String kind, Function<Skiff, Object> provoke, Class<T> type,
      Consumer<T> accessors) {
    return new Row<>(kind, provoke, type, accessors);
  }

  static List<Row<?>> table() {
    return List.of(
        row("not found: a tag the registry lacks", s -> s.pull(open.host() + "/errors/hello:nope"),
            PullException.class, e -> {
              assertEquals(PullException.Reason.NOT_FOUND, e.reason());
              assertEquals(open.host(), e.registry().orElseThrow());
              assertEquals(404, e.status());
              assertEquals(List.of("MANIFEST_UNKNOWN"), e.errorCodes());
            }),
        row("not found: a local .wasm file that does not exist",
            s -> s.pull(tmp.resolve("missing.wasm").toString()),
            PullException.class, e -> {
              assertEquals(PullException.Reason.NOT_FOUND, e.reason());
              assertEquals(0, e.status());
              assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
            }),
        row("unauthorised: no credentials for a locked registry", s -> s.pull(locked.host() + "/errors/hello:1"),
            PullException.class, e -> {
              assertEquals(PullException.Reason.UNAUTHORIZED, e.reason());
              assertEquals(locked.host(), e.registry().orElseThrow());
              assertEquals(401, e.status());
              assertEquals(List.of("UNAUTHORIZED"), e.errorCodes());
            }),
        row("unreachable: nothing listens on the port", s -> s.pull("127.0.0.1:" + closedPort + "/errors/hello:1"),
            PullException.class, e -> {
              assertEquals(PullException.Reason.UNREACHABLE, e.reason());
              assertEquals("127.0.0.1:" + closedPort, e.registry().orElseThrow());
              assertEquals(0, e.status());
            }),
        row("registry error: a push the registry refuses (405 from a pull-through cache)",
            s -> s.push(Fixtures.wasm("hello.wasm"), cache.host() + "/errors/hello:1"),
            PullException.class, e -> {
              assertEquals(PullException.Reason.REGISTRY_ERROR, e.reason());
              assertEquals(cache.host(), e.registry().orElseThrow());
              assertEquals(405, e.status());
              assertEquals(List.of("UNSUPPORTED"), e.errorCodes());
            }),
        row("offline miss: pull policy NEVER and an empty store", s -> {
          try (Skiff offline = Skiff.builder().store(tmp.resolve("empty")).pullPolicy(PullPolicy.NEVER).build()) {
            return offline.pull(hello);
          }
        }, PullException.class, e -> assertEquals(PullException.Reason.OFFLINE_MISS, e.reason())),
        row("invalid input: a malformed reference", s -> s.pull(open.host() + "/Fmt/Hello::x"),
            InvalidReferenceException.class, e -> assertEquals(open.host() + "/Fmt/Hello::x", e.input())),
        row("unusable artifact: a layer over the extraction cap", s -> {
          Path layout = TestImages.wasiImageLayout(tmp.resolve("big-image"), Fixtures.wasm("hello.wasm"),
              "/hello.wasm", Map.of());
          try (Skiff capped = Skiff.builder().store(tmp.resolve("capped")).oci(o -> o.maxExtractedBytes(1000)).build()) {
            return capped.pull("oci:" + layout + ":t");
          }
        }, ArtifactException.class, e -> {
          assertEquals(ArtifactException.Reason.MALFORMED, e.reason());
          assertTrue(e.getMessage().contains("beyond the limit"), e.getMessage());
        }),
        row("unusable artifact: a layer whose bytes do not match its digest", s -> {
          Path layout = tmp.resolve("tampered");
          OciLayout.writeWasmArtifact(Fixtures.wasm("hello.wasm"), layout, "t");
          byte[] bytes = read(Fixtures.wasm("hello.wasm"));
          Path layer = layout.resolve("blobs/sha256").resolve(TestImages.sha256(bytes).substring("sha256:".length()));
          bytes[bytes.length - 1] ^= 1;
          write(tmp.relativize(layer).toString(), bytes);
          try (Skiff fresh = Skiff.builder().store(tmp.resolve("fresh")).build()) {
            return fresh.pull(layout); // a store of its own: the shared one already holds the true layer
          }
        }, ArtifactException.class, e -> {
          assertEquals(ArtifactException.Reason.DIGEST_MISMATCH, e.reason());
          String expected = TestImages.sha256(read(Fixtures.wasm("hello.wasm")));
          assertEquals(expected, e.expectedDigest().orElseThrow());
          assertTrue(e.actualDigest().orElseThrow().startsWith("sha256:") && !e.actualDigest().get().equals(expected));
        }),
        row("unusable artifact: a layout of two images and no tag to choose", s -> {
          Path layout = tmp.resolve("two-images");
          OciLayout.writeWasmArtifact(Fixtures.wasm("hello.wasm"), layout, "a");
          rewriteIndex(layout, entry -> entry + "," + entry.replace("\"a\"", "\"b\""));
          return s.pull(layout);
        }, ArtifactException.class, e -> {
          assertEquals(ArtifactException.Reason.AMBIGUOUS, e.reason());
          assertEquals(List.of("a", "b"), e.candidates());
        }),
        row("unusable artifact: an index without a WebAssembly platform", s -> {
          Path layout = tmp.resolve("linux-only");
          OciLayout.writeWasmArtifact(Fixtures.wasm("hello.wasm"), layout, "t");
          rewriteIndex(layout, entry -> platform(entry, "amd64") + "," + platform(entry, "arm64"));
          return s.pull(layout);
        }, ArtifactException.class, e -> {
          assertEquals(ArtifactException.Reason.NO_MATCHING_PLATFORM, e.reason());
          assertEquals(List.of("linux/amd64", "linux/arm64"), e.candidates());
        }),
        row("unusable artifact: a component, not a preview1 module",
            s -> s.pull(new byte[] {0, 'a', 's', 'm', 0x0d, 0, 1, 0}),
            ArtifactException.class, e -> {
              assertEquals(ArtifactException.Reason.UNSUPPORTED, e.reason());
              assertTrue(e.getMessage().contains("<bytes> is a WebAssembly component"), e.getMessage());
            }),
        row("invalid module: bytes that are not WebAssembly", s -> s.pull(write("bad.wasm",
            new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 99, 99}).toString()).exports(),
            InvalidModuleException.class, e -> assertTrue(e.getMessage().contains("not a valid WebAssembly module"))),
        row("unsupported module: legacy exception-handling opcodes",
            s -> s.pull(Fixtures.wasm("core/legacy_eh.wasm")).exports(),
            UnsupportedModuleException.class, e -> assertTrue(e.getMessage().contains("cannot run"), e.getMessage())),
        row("store I/O: the store folder is a file", s -> Skiff.builder().store(write("not-a-folder", new byte[1]))
            .build(), StoreException.class, e -> assertTrue(e.getMessage().contains("not-a-folder"), e.getMessage())),
        row("store I/O: the blob folder was replaced by a file", s -> {
          Path root = tmp.resolve("broken-store");
          try (Skiff broken = Skiff.builder().store(root).build()) {
            replaceWithFile(root.resolve("blobs"));
            return broken.pull(Fixtures.wasm("hello.wasm"));
          }
        }, StoreException.class, e -> assertTrue(e.getMessage().contains("broken-store"), e.getMessage())),
        row("link: imports nobody provides", s -> s.pull(Fixtures.wasm("core/needs_host.wasm").toString()).runner().run(),
            LinkException.class, e -> assertEquals(List.of(new WasmImport("host", "answer", ExternalKind.FUNCTION),
                new WasmImport("host", "log_number", ExternalKind.FUNCTION)), e.unresolvedImports())),
        row("trap: the guest executes unreachable", s -> s.pull(Fixtures.wasm("core/trap.wasm").toString()).runner()
            .limits(l -> l.timeout(Duration.ofSeconds(30))).run(),
            GuestTrapException.class, e -> assertTrue(e.getMessage().contains("trapped"), e.getMessage())),
        row("timeout: the guest loops forever", s -> s.pull(Fixtures.wasm("core/loop.wasm").toString()).runner()
            .limits(l -> l.timeout(Duration.ofMillis(200))).run(),
            GuestTimeoutException.class, e -> assertTrue(e.getMessage().contains("timeout of PT0.2S"), e.getMessage())),
        row("limit: initial memory above the cap", s -> s.pull(Fixtures.wasm("hello.wasm").toString()).runner()
            .limits(l -> l.maxMemory(65536).timeout(Duration.ofSeconds(30))).run(),
            LimitExceededException.class, e -> assertTrue(e.getMessage().contains("above the cap"), e.getMessage())),
        row("misuse: a negative prune size", s -> s.pruneStore(-1),
            IllegalArgumentException.class, e -> assertTrue(e.getMessage().contains("maxBytes"), e.getMessage())));
  }

  @TestFactory
  Stream<DynamicTest> eachFailureKindArrivesAsItsTypeWithItsAccessors() {
    return table().stream().map(r -> DynamicTest.dynamicTest(r.kind(), () -> check(r)));
  }

  private static <T extends Exception> void check(Row<T> r) {
    Exception e = assertThrows(Exception.class, () -> r.provoke().apply(skiff));
    assertEquals(r.type(), e.getClass(), () -> r.kind() + ": " + e);
    r.accessors().accept(r.type().cast(e));
    if (e instanceof SkiffException) {
      assertTrue(e.getMessage() != null && !e.getMessage().contains("s3cret-pw"), e.getMessage());
    }
  }

  /** Replaces the one entry of a layout's index.json manifests by what {@code edit} makes of it. */
  private static void rewriteIndex(Path layout, java.util.function.UnaryOperator<String> edit) {
    try {
      String index = Files.readString(layout.resolve("index.json"));
      int open = index.indexOf('[') + 1;
      int close = index.lastIndexOf(']');
      Files.writeString(layout.resolve("index.json"),
          index.substring(0, open) + edit.apply(index.substring(open, close)) + index.substring(close));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String platform(String indexEntry, String architecture) {
    return indexEntry.replace(",\"annotations\"",
        ",\"platform\":{\"os\":\"linux\",\"architecture\":\"" + architecture + "\"},\"annotations\"");
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void replaceWithFile(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
      Files.write(dir, new byte[1]);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static Path write(String name, byte[] bytes) {
    try {
      return Files.write(tmp.resolve(name), bytes);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
