package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliability suite: two clients in this JVM (as two {@code Skiff} instances would have) and a second
 * process share one store, pulling the same images at once through a counting proxy: no error, and every
 * blob is downloaded exactly once across all of them.
 */
@Tag("reliability")
class ReliabilitySharedStoreTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();
  static final int IMAGES = 4;
  static final int THREADS_PER_CLIENT = 8;
  @TempDir Path tmp;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void twoClientsAndASecondProcessOnOneStoreDownloadEachBlobOnce() throws Exception {
    List<String> layers = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      layers.add(GeneratedBlob.pushArtifact(registry.baseUrl(), "shared/m" + i, "1", (3L << 20) + i, 100 + i));
    }
    String image = TestImages.pushWasiImage(registry, "shared/image:1", Fixtures.wasm("hello.wasm"), "/app.wasm",
        Map.of("/data/x.bin", new byte[100_000]), false);
    Path store = tmp.resolve("store");
    try (FaultProxy proxy = new FaultProxy(registry.host())) {
      List<String> refs = new ArrayList<>();
      for (int i = 0; i < IMAGES; i++) {
        refs.add(proxy.host() + "/shared/m" + i + ":1");
      }
      refs.add(proxy.host() + "/shared/image:1");

      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1", "-cp",
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
          ReliabilityChild.class.getName(), "shared", store.toString(), "4"));
      cmd.addAll(refs);
      Path log = tmp.resolve("child.log");
      Process child = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
      BufferedReader childOut = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("ready", childOut.readLine(), () -> read(log));

      try (OciClient a = OciClient.builder().store(store).build();
           OciClient b = OciClient.builder().store(store).build()) {
        ExecutorService pool = Executors.newFixedThreadPool(2 * THREADS_PER_CLIENT);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<PulledModule>> pulls = new ArrayList<>();
        for (int t = 0; t < 2 * THREADS_PER_CLIENT; t++) {
          OciClient c = t % 2 == 0 ? a : b;
          for (String ref : refs) {
            pulls.add(pool.submit(() -> {
              go.await();
              PulledModule m = c.pull(ref);
              m.moduleBytes(); // verified read
              return m;
            }));
          }
        }
        try (OutputStream in = child.getOutputStream()) {
          go.countDown();
          in.write('\n');
        }
        List<String> failures = new ArrayList<>();
        for (Future<PulledModule> f : pulls) {
          try {
            f.get(45, TimeUnit.SECONDS);
          } catch (java.util.concurrent.ExecutionException e) {
            failures.add(e.getCause().toString());
          }
        }
        pool.shutdown();
        assertEquals(List.of(), failures, "in-JVM pulls");
        assertEquals("ok " + 4 * refs.size(), childOut.readLine(), () -> read(log));
        assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), () -> read(log));

        Map<String, Integer> blobGets = new TreeMap<>();
        for (String x : proxy.exchanges) {
          if (x.startsWith("GET ") && x.contains("/blobs/")) {
            blobGets.merge(x.substring(x.indexOf("/blobs/") + 7, x.indexOf(' ', x.indexOf("/blobs/"))), 1, Integer::sum);
          }
        }
        assertTrue(blobGets.keySet().containsAll(layers), blobGets.toString());
        assertTrue(blobGets.values().stream().allMatch(n -> n == 1), "each blob downloaded once: " + blobGets);
        System.out.printf("reliability shared store: %d pulls in this JVM (2 clients) + %d in a second process, "
            + "%d blobs, each downloaded once, 0 errors%n", pulls.size(), 4 * refs.size(), blobGets.size());
        assertEquals(image, a.pull(proxy.host() + "/shared/image:1").manifestDigest().orElseThrow());
        assertArrayEquals(new byte[100_000], Files.readAllBytes(
            a.pull(proxy.host() + "/shared/image:1").rootfs().orElseThrow().resolve("data/x.bin")));
        try (Stream<Path> s = Files.list(store.resolve("tmp"))) {
          assertEquals(List.of(), s.toList());
        }
      } finally {
        child.destroyForcibly();
      }
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
