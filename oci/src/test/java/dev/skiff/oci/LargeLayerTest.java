package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.RegistryExtension;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer far larger than the heap streams to the store and back: a child JVM with {@code -Xmx64m} pulls
 * and pushes again a
 * generated 500 MiB module ({@code -Dskiff.test.largeLayerMiB=N} to change it) from
 * the real registry.
 */
class LargeLayerTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();
  @TempDir Path tmp;

  @Test
  void aLayerLargerThanTheHeapPullsWithXmx64m() throws Exception {
    long size = Long.getLong("skiff.test.largeLayerMiB", 500) << 20;
    long t0 = System.nanoTime();
    String layer = GeneratedBlob.pushArtifact(registry.baseUrl(), "big/module", "1", size, 42);
    long pushed = System.nanoTime();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path store = tmp.resolve("store");
    Process p = new ProcessBuilder(java, "-Xmx64m", "-cp", classPath, BigPullMain.class.getName(),
        registry.host() + "/big/module:1", store.toString(), registry.host() + "/big/copy:1")
        .redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the child pull finished");
    long pulled = System.nanoTime();
    assertEquals(0, p.exitValue(), out);
    List<String> fields = List.of(out.substring(out.lastIndexOf('\n') + 1).split(" "));
    assertEquals(layer, fields.get(0), out);
    assertEquals(size, Long.parseLong(fields.get(1)), out);
    assertTrue(Long.parseLong(fields.get(2)) <= 64L << 20, "the child really ran with a 64 MiB heap: " + out);
    // Pushing it back (hashed and stored by streaming; the layer is mounted from big/module) also fits.
    assertEquals(registry.manifestDigest("big/copy", "1"), fields.get(3), out);
    // The stored file is the generated content, checked here independently of the child.
    Path stored = store.resolve("blobs/sha256").resolve(layer.substring("sha256:".length()));
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(stored)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    assertEquals(layer, "sha256:" + HexFormat.of().formatHex(md.digest()));
    System.out.printf("large layer %d MiB: generated+pushed in %.1f s, pulled and re-pushed by a -Xmx64m JVM in %.1f s%n",
        size >> 20, (pushed - t0) / 1e9, (pulled - pushed) / 1e9);
  }
}
