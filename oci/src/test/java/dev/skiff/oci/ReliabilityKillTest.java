package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.internal.store.FileTrees;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliability suite: {@code kill -9} of a child JVM pulling from a real registry, aimed in turn at a large
 * layer's download, at its commit (the moment the last byte arrived: hashing, fsync, rename) and at the
 * extraction of an image's tar layer (when a chosen number of files is extracted). After every kill the store
 * is opened again and must hold only verified blobs, complete extracted trees and no leftovers; the next
 * pull must succeed.
 */
@Tag("reliability")
class ReliabilityKillTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();
  static final Path HELLO = Fixtures.wasm("hello.wasm");
  static final long BIG = 24L << 20;
  static final int FILES = 150;
  static final int KILLS_PER_PHASE = 7;
  static String bigRef;
  static String bigLayer;
  static String imageRef;
  static String imageManifest;
  static String imageLayer;
  static Map<String, byte[]> imageFiles = new LinkedHashMap<>();
  @TempDir Path tmp;

  enum Phase { DOWNLOAD, COMMIT, EXTRACTION }

  @BeforeAll
  static void push() throws Exception {
    bigLayer = GeneratedBlob.pushArtifact(registry.baseUrl(), "kill/big", "1", BIG, 11);
    bigRef = registry.host() + "/kill/big:1";
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < FILES; i++) {
      byte[] b = new byte[32 << 10];
      random.nextBytes(b);
      imageFiles.put("/data/f" + i + ".bin", b);
    }
    imageManifest = TestImages.pushWasiImage(registry, "kill/image:1", HELLO, "/app.wasm", imageFiles, false);
    imageRef = registry.host() + "/kill/image:1";
    Path scratch = Files.createTempDirectory("skiff-inspect-");
    try (OciClient c = OciClient.builder().store(scratch).build()) {
      imageLayer = c.inspect(imageRef).layers().get(0).digest();
    } finally {
      deleteTree(scratch);
    }
  }

  /** What one kill found after recovery. */
  record Outcome(Phase phase, String aimedAt, boolean killed, int reclaimed, long reclaimedBytes) {}

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void theStoreSurvivesKillsAimedAtDownloadCommitAndExtraction() throws Exception {
    Path store = tmp.resolve("store");
    SplittableRandom random = new SplittableRandom(2026);
    List<Outcome> outcomes = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int round = 0; round < 3 * KILLS_PER_PHASE; round++) {
      Phase phase = Phase.values()[round % 3];
      outcomes.add(recoverAndCheck(store, killOnce(store, phase, random, round)));
    }
    // After all of it the store still serves both images, verified, with nothing downloaded twice at once.
    try (OciClient c = OciClient.builder().store(store).build()) {
      assertEquals(GeneratedBlob.sha256(BIG, 11), c.pull(bigRef).moduleDigest());
      PulledModule image = c.pull(imageRef);
      assertArrayEquals(Files.readAllBytes(HELLO), image.moduleBytes());
      checkTree(image.rootfs().orElseThrow());
    }
    Map<Phase, Integer> killed = new EnumMap<>(Phase.class);
    Map<Phase, Integer> reclaimed = new EnumMap<>(Phase.class);
    long bytes = 0;
    for (Outcome o : outcomes) {
      killed.merge(o.phase(), o.killed() ? 1 : 0, Integer::sum);
      reclaimed.merge(o.phase(), o.reclaimed(), Integer::sum);
      bytes += o.reclaimedBytes();
    }
    System.out.printf("reliability kill -9: %d kills (%s), leftovers reclaimed %s (%d bytes), 0 blobs lost, %.1f s%n",
        killed.values().stream().mapToInt(Integer::intValue).sum(), killed, reclaimed, bytes,
        (System.nanoTime() - t0) / 1e9);
    assertTrue(killed.values().stream().allMatch(n -> n >= KILLS_PER_PHASE - 1), "kills landed in each phase: " + killed);
  }

  private static Process child(Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        ReliabilityChild.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(log.toFile()).start();
  }

  private Outcome killOnce(Path store, Phase phase, SplittableRandom random, int round) throws Exception {
    String ref = phase == Phase.EXTRACTION ? imageRef : bigRef;
    Path log = tmp.resolve("child-" + round + ".log");
    long started = System.nanoTime();
    Process p = child(log, "pull", store.toString(), ref);
    p.getOutputStream().close();
    long downloadKillAt = 1 + random.nextLong(BIG - (1 << 20)); // progress comes in 1 MiB steps
    int filesKillAt = 1 + random.nextInt(FILES);
    String aimedAt = switch (phase) {
      case DOWNLOAD -> "byte " + downloadKillAt;
      case COMMIT -> "last byte";
      case EXTRACTION -> "file " + filesKillAt;
    };
    boolean killed = false;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; !killed && (line = out.readLine()) != null; ) {
        String[] f = line.split(" ");
        if (f[0].equals("pulled")) {
          break; // too late: the pull finished first
        }
        if (phase != Phase.EXTRACTION && f[0].equals("progress") && f[1].equals(bigLayer)) {
          long bytes = Long.parseLong(f[2]);
          if (phase == Phase.DOWNLOAD ? bytes >= downloadKillAt && bytes < BIG : bytes == BIG) {
            p.destroyForcibly(); // SIGKILL
            killed = true;
          }
        }
        if (phase == Phase.EXTRACTION && (f[0].equals("verified") || f[0].equals("cacheHit")) && f[1].equals(imageLayer)) {
          killed = killDuringExtraction(p, store, filesKillAt);
        }
      }
    }
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child ended");
    if (!killed) {
      assertEquals(0, p.exitValue(), Files.readString(log));
    }
    System.out.printf("round %d %s aimed at %s: %s after %.2f s%n", round, phase, aimedAt,
        killed ? "killed" : "finished first", (System.nanoTime() - started) / 1e9);
    return new Outcome(phase, aimedAt, killed, 0, 0);
  }

  /** Kills the child once {@code files} files are in its extraction folder; false when extraction ended first. */
  private static boolean killDuringExtraction(Process p, Path store, int files) {
    Path tmp = store.resolve("tmp");
    while (p.isAlive()) {
      if (extractedFiles(tmp) >= files) {
        p.destroyForcibly();
        return true;
      }
      if (Files.exists(store.resolve("rootfs").resolve(imageManifest.substring(7) + ".json"))) {
        return false;
      }
      Thread.onSpinWait();
    }
    return false;
  }

  private static long extractedFiles(Path tmp) {
    try (Stream<Path> s = Files.walk(tmp)) {
      return s.filter(x -> x.toString().contains("/data/f")).count();
    } catch (IOException | UncheckedIOException e) {
      return 0; // changing under us
    }
  }

  /** Opens the store as the next process would and checks everything in it; returns what was reclaimed. */
  private Outcome recoverAndCheck(Path store, Outcome killed) throws Exception {
    Outcome o;
    try (OciClient c = OciClient.builder().store(store).build()) {
      ContentStore.Temporary reclaimed = c.store().reclaimed();
      o = new Outcome(killed.phase(), killed.aimedAt(), killed.killed(), reclaimed.entries(), reclaimed.bytes());
      try (Stream<Path> s = Files.list(store.resolve("tmp"))) {
        assertEquals(List.of(), s.toList(), "leftovers after " + o);
      }
      assertEquals(new ContentStore.Temporary(0, 0), c.store().temporary(), o.toString());
      for (ContentStore.Entry e : c.store().list()) {
        if (e.kind().equals("blob")) {
          assertEquals(e.digest(), sha256(e.path()), "blob intact after " + o);
        } else {
          checkTree(e.path());
        }
      }
      try (Stream<Path> s = Files.list(store.resolve("rootfs"))) {
        for (Path tree : s.filter(Files::isDirectory).toList()) {
          assertTrue(Files.exists(tree.resolveSibling(tree.getFileName() + ".json")), "unmarked tree after " + o);
        }
      }
      // The next kill of this phase has work to do again.
      c.store().remove(o.phase() == Phase.EXTRACTION ? imageManifest : bigLayer);
    }
    return o;
  }

  private static void checkTree(Path rootfs) throws IOException {
    assertArrayEquals(Files.readAllBytes(HELLO), Files.readAllBytes(rootfs.resolve("app.wasm")));
    for (Map.Entry<String, byte[]> f : imageFiles.entrySet()) {
      assertArrayEquals(f.getValue(), Files.readAllBytes(rootfs.resolve(f.getKey().substring(1))), f.getKey());
    }
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  private static void deleteTree(Path dir) throws IOException {
    FileTrees.deleteTree(dir);
  }
}
