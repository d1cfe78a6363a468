package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Guests sharing one preopen on the host file system race to leave it (issue 13, item 1): victims
 * open, read and create files under d/ and h/ while an attacking guest keeps replacing d with a
 * relative link to a directory outside, and a host thread keeps replacing h with an absolute one.
 * Over 100,000 opens, none may read or create anything outside.
 */
@Timeout(120)
class SharedPreopenRaceTest {
  private static final int VICTIMS = 3;
  private static final int ROUNDS = 12_000; // 3 opens a round: 108,000 attempts
  private static final Pattern RESULT = Pattern.compile("attempts (\\d+) outside (\\d+)\n");

  private Path root;

  @AfterEach
  void cleanUp() {
    if (root != null) {
      Sandboxes.deleteTree(root);
    }
  }

  @Test
  void noGuestReadsOrWritesOutsideASharedPreopenUnderRacingSwaps() throws Exception {
    root = Sandboxes.DEFAULT_FS.newRoot();
    Path outside = Files.createDirectories(root.resolve("outside"));
    Files.writeString(outside.resolve("secret.txt"), "OUTSIDE");
    Path sandbox = Files.createDirectories(root.resolve("sandbox"));
    for (String d : new String[] {"d", "h"}) {
      Files.writeString(Files.createDirectories(sandbox.resolve(d)).resolve("secret.txt"), "INSIDE");
    }
    WasiOptions.Builder base = WasiOptions.builder().preopen("/sandbox", sandbox, Access.READ_WRITE);

    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong swaps = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(VICTIMS + 2);
    try {
      Future<?> host = pool.submit(() -> {
        Path h = sandbox.resolve("h");
        Path away = sandbox.resolve("h.away");
        while (!stop.get()) {
          Files.move(h, away, StandardCopyOption.ATOMIC_MOVE);
          Files.createSymbolicLink(h, outside.toAbsolutePath());
          Files.delete(h);
          Files.move(away, h, StandardCopyOption.ATOMIC_MOVE);
          swaps.incrementAndGet();
        }
        return null;
      });
      Future<Guests.Result> attacker = pool.submit(() -> Guests.run("wasi/race.wasm",
          base.args("race", "attack").build()));
      List<Future<Guests.Result>> victims = new ArrayList<>();
      for (int i = 0; i < VICTIMS; i++) {
        String id = "v" + i;
        victims.add(pool.submit(() -> Guests.run("wasi/race.wasm",
            base.args("race", "victim", Integer.toString(ROUNDS), id).build())));
      }
      long attempts = 0;
      long outsideReads = 0;
      for (Future<Guests.Result> v : victims) {
        Guests.Result r = v.get(100, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), r::toString);
        Matcher m = RESULT.matcher(r.stdout());
        assertTrue(m.matches(), r::toString);
        attempts += Long.parseLong(m.group(1));
        outsideReads += Long.parseLong(m.group(2));
      }
      Files.writeString(sandbox.resolve("stop"), "");
      stop.set(true);
      Guests.Result a = attacker.get(30, TimeUnit.SECONDS);
      host.get(30, TimeUnit.SECONDS);
      List<String> outsideNow = listing(root);
      System.out.printf("shared-preopen race: %d attempts, %d outside reads, outside now %s, attacker %s,"
          + " %d host swaps%n", attempts, outsideReads, outsideNow, a.stdout().trim(), swaps.get());

      assertEquals(0, a.exitCode(), a::toString);
      assertTrue(attempts >= 100_000, "attempts: " + attempts);
      assertTrue(swaps.get() > 0 && !a.stdout().equals("rounds 0\n"), "both attackers ran");
      assertEquals(0, outsideReads, "opens that read the file outside the preopen");
      assertEquals(List.of("outside", "outside/secret.txt", "sandbox"), outsideNow,
          "nothing was created outside the preopen");
      assertEquals("OUTSIDE", Files.readString(outside.resolve("secret.txt")));
    } finally {
      stop.set(true);
      Files.writeString(sandbox.resolve("stop"), ""); // ends the attacking guest whatever failed
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  /** Everything under {@code root} but the preopen's contents. */
  private static List<String> listing(Path root) throws IOException {
    Path sandbox = root.resolve("sandbox");
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !p.equals(root) && (p.equals(sandbox) || !p.startsWith(sandbox)))
          .map(p -> root.relativize(p).toString()).sorted().collect(Collectors.toList());
    }
  }
}
