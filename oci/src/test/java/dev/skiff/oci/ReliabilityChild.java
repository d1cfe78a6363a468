package dev.skiff.oci;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Not a test: the child process of the reliability suite. {@code pull STORE REF...} pulls each reference
 * and reports every listener event on stdout ({@code progress DIGEST BYTES TOTAL}, {@code verified DIGEST},
 * {@code cacheHit DIGEST}, {@code pulled REF MODULE_DIGEST}), so the parent can kill it at a chosen moment.
 * {@code shared STORE THREADS REF...} prints {@code ready}, waits for a line on stdin, then pulls every
 * reference on each of THREADS threads and prints {@code ok N} or the first failure.
 */
public final class ReliabilityChild {
  private ReliabilityChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Path store = Path.of(args[1]);
    if (args[0].equals("pull")) {
      PullListener report = new PullListener() {
        @Override
        public void progress(String digest, long bytes, long total) {
          out.println("progress " + digest + " " + bytes + " " + total);
        }

        @Override
        public void verified(String digest) {
          out.println("verified " + digest);
        }

        @Override
        public void cacheHit(String digest) {
          out.println("cacheHit " + digest);
        }
      };
      try (OciClient c = OciClient.builder().store(store).listener(report).build()) {
        for (String ref : Arrays.asList(args).subList(2, args.length)) {
          out.println("pulled " + ref + " " + c.pull(ref).moduleDigest());
        }
      }
      return;
    }
    int threads = Integer.parseInt(args[2]);
    List<String> refs = Arrays.asList(args).subList(3, args.length);
    try (OciClient c = OciClient.builder().store(store).build()) {
      out.println("ready");
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> pulls = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        for (String ref : refs) {
          pulls.add(pool.submit(() -> c.pull(ref).moduleBytes()));
        }
      }
      for (Future<?> f : pulls) {
        f.get();
      }
      pool.shutdown();
      out.println("ok " + pulls.size());
    }
  }
}
