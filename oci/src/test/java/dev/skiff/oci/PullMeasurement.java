package dev.skiff.oci;

import dev.skiff.oci.internal.format.Digests;
import dev.skiff.oci.internal.store.FileTrees;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Not a test: measures (1) a cached pull by digest with no network, in microseconds, and (2) download
 * throughput from the loopback registry against two native baselines on the same blob: plain
 * {@code curl -o FILE}, and a verifying download like ours ({@code curl | tee FILE | openssl dgst -sha256},
 * then {@code sync FILE}). Run with the test class path:
 * {@code java -cp ... dev.skiff.oci.PullMeasurement [MiB [rounds]]}.
 */
public final class PullMeasurement {
  private PullMeasurement() {}

  /** Seconds for one pull into a fresh store (manifest, config and blob; download, SHA-256, rename). */
  private static double pullOnce(Path store, String ref, boolean fsync) throws java.io.IOException {
    try (OciClient c = OciClient.builder().store(store).fsync(fsync).build()) {
      long t0 = System.nanoTime();
      c.pull(ref);
      double seconds = (System.nanoTime() - t0) / 1e9;
      FileTrees.deleteTree(store);
      return seconds;
    }
  }

  /** MiB/s of a shell pipeline that writes {@code out}; fails unless it prints {@code expect} (when given). */
  private static double nativeOnce(int mib, Path out, String expect, String... command) throws Exception {
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String printed = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (p.waitFor() != 0 || expect != null && !printed.contains(expect)) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + printed);
    }
    double mibPerSecond = mib / ((System.nanoTime() - t0) / 1e9);
    Files.delete(out);
    return mibPerSecond;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  public static void main(String[] args) throws Exception {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    RegistryExtension registry = RegistryExtension.anonymous();
    registry.start();
    Path work = Files.createTempDirectory("skiff-measure-");
    try {
      // 1. Cached pull by digest, offline.
      Path hello = Fixtures.wasm("hello.wasm");
      String ref;
      try (OciClient c = OciClient.builder().store(work.resolve("store")).build()) {
        String digest = c.push(hello, registry.host() + "/m/hello:1");
        ref = registry.host() + "/m/hello@" + digest;
        c.pull(ref);
      }
      try (OciClient offline = OciClient.builder().store(work.resolve("store")).pullPolicy(PullPolicy.NEVER).build()) {
        for (int i = 0; i < 20_000; i++) {
          offline.pull(ref);
        }
        long[] ns = new long[5_000];
        for (int i = 0; i < ns.length; i++) {
          long t0 = System.nanoTime();
          offline.pull(ref);
          ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        System.out.printf("cached pull by digest (%d B module, NEVER policy): median %.1f us, p90 %.1f us, min %.1f us%n",
            Files.size(hello), ns[ns.length / 2] / 1e3, ns[ns.length * 9 / 10] / 1e3, ns[0] / 1e3);
      }

      // 2. Throughput of one big blob.
      Path big = work.resolve("big.wasm");
      byte[] chunk = new byte[1 << 20];
      new Random(7).nextBytes(chunk);
      try (var out = Files.newOutputStream(big)) {
        for (int i = 0; i < mib; i++) {
          if (i == 0) {
            System.arraycopy(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0}, 0, chunk, 0, 8);
          }
          out.write(chunk);
        }
      }
      String digest;
      try (OciClient c = OciClient.builder().store(work.resolve("push")).build()) {
        c.push(big, registry.host() + "/m/big:1");
        digest = "sha256:" + Digests.hex(c.pull(big.toString()).moduleDigest());
      }
      String url = registry.baseUrl() + "/v2/m/big/blobs/" + digest;
      String bigRef = registry.host() + "/m/big:1";
      for (int i = 0; i < 4; i++) {
        pullOnce(work.resolve("warm"), bigRef, i % 2 == 0); // JIT warm-up, not counted: C2 is busy for a few pulls
      }
      int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
      double[] synced = new double[rounds];
      double[] unsynced = new double[rounds];
      double[] curl = new double[rounds];
      double[] verifying = new double[rounds];
      Path out = work.resolve("curl.out");
      String hex = Digests.hex(digest);
      for (int round = 0; round < rounds; round++) {
        synced[round] = mib / pullOnce(work.resolve("s" + round), bigRef, true);
        unsynced[round] = mib / pullOnce(work.resolve("u" + round), bigRef, false);
        curl[round] = nativeOnce(mib, out, null, "curl", "-sS", "-o", out.toString(), url);
        // The fair baseline does what a pull must: hash while streaming to a file, then make it durable.
        verifying[round] = nativeOnce(mib, out, hex, "sh", "-c", "curl -sS \"$1\" | tee \"$2\" | openssl dgst -sha256"
            + " && sync \"$2\"", "sh", url, out.toString());
        System.out.printf("round %d: skiff %.0f MiB/s with fsync, %.0f MiB/s without; curl -o file %.0f MiB/s;"
            + " curl|tee|openssl+sync %.0f MiB/s%n", round, synced[round], unsynced[round], curl[round], verifying[round]);
      }
      double c = median(curl);
      double v = median(verifying);
      System.out.printf("median of %d (%d MiB blob, java %s): skiff with fsync %.0f MiB/s (%.2fx curl, %.2fx verifying),"
              + " without fsync %.0f MiB/s (%.2fx curl, %.2fx verifying), curl %.0f MiB/s,"
              + " curl|tee|openssl+sync %.0f MiB/s%n", rounds, mib, System.getProperty("java.version"),
          median(synced), median(synced) / c, median(synced) / v, median(unsynced), median(unsynced) / c,
          median(unsynced) / v, c, v);
    } finally {
      registry.stop();
      FileTrees.deleteTree(work);
    }
  }
}
