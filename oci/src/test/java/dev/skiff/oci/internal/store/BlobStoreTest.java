package dev.skiff.oci.internal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.internal.format.Digests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {
  @TempDir Path dir;

  @Test
  void putIsContentAddressedAndAtomic() throws Exception {
    BlobStore s = new BlobStore(dir);
    byte[] b = "hello".getBytes(StandardCharsets.UTF_8);
    String d = s.put(b);
    assertEquals(Digests.sha256(b), d);
    assertArrayEquals(b, Files.readAllBytes(dir.resolve("blobs/sha256").resolve(Digests.hex(d))));
    try (var tmp = Files.list(dir.resolve("tmp"))) {
      assertEquals(0, tmp.count(), "no temp files left");
    }
  }

  @Test
  void rejectsWrongContentAndLeavesNothing() throws Exception {
    BlobStore s = new BlobStore(dir);
    String d = Digests.sha256("right".getBytes());
    DigestMismatchException e = assertThrows(DigestMismatchException.class, () ->
        s.ensure(d, 5, null, p -> p.write("wrong".getBytes(), 0, 5)));
    assertEquals(d, e.expected());
    assertEquals(Digests.sha256("wrong".getBytes()), e.actual());
    assertFalse(Files.exists(s.blobPath(d)));
    DigestMismatchException big = assertThrows(DigestMismatchException.class, () ->
        s.ensure(d, 3, null, p -> p.write("right".getBytes(), 0, 5)));
    assertEquals("blob " + d + " is larger than the 3 bytes its descriptor declares; discarded", big.getMessage());
    try (var tmp = Files.list(dir.resolve("tmp"))) {
      assertEquals(0, tmp.count());
    }
  }

  @Test
  void corruptedBlobIsDeletedAndRefetched() throws Exception {
    BlobStore s = new BlobStore(dir);
    byte[] b = "payload".getBytes();
    String d = s.put(b);
    Files.write(s.blobPath(d), "payloaX".getBytes());
    assertNull(s.readVerified(d, 100));
    assertFalse(Files.exists(s.blobPath(d)));
    s.put(b);
    Files.write(s.blobPath(d), "payloaX".getBytes());
    AtomicInteger fetches = new AtomicInteger();
    Path p = s.ensure(d, b.length, null, pending -> {
      fetches.incrementAndGet();
      pending.write(b, 0, b.length);
    });
    assertEquals(1, fetches.get());
    assertArrayEquals(b, Files.readAllBytes(p));
  }

  @Test
  void concurrentEnsureDownloadsOnce() throws Exception {
    BlobStore s = new BlobStore(dir);
    byte[] b = new byte[1 << 20];
    new java.util.Random(1).nextBytes(b);
    String d = Digests.sha256(b);
    AtomicInteger fetches = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService ex = Executors.newFixedThreadPool(8);
    List<Future<Path>> fs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      fs.add(ex.submit(() -> {
        start.await();
        return s.ensure(d, b.length, null, p -> {
          fetches.incrementAndGet();
          for (int off = 0; off < b.length; off += 4096) {
            p.write(b, off, 4096);
          }
        });
      }));
    }
    start.countDown();
    for (Future<Path> f : fs) {
      assertArrayEquals(b, Files.readAllBytes(f.get()));
    }
    ex.shutdown();
    assertEquals(1, fetches.get());
  }

  @Test
  void tagResolutionsAreRecordedWithTime() {
    BlobStore s = new BlobStore(dir);
    String d = Digests.sha256(new byte[0]);
    assertTrue(s.resolutions().lookup("r/x:1").isEmpty());
    s.resolutions().record("r/x:1", d);
    TagResolutions.Resolution r = s.resolutions().lookup("r/x:1").orElseThrow();
    assertEquals(d, r.digest());
    assertTrue(r.resolvedAt().isAfter(java.time.Instant.now().minusSeconds(60)));
  }

  @Test
  void prunesLeastRecentlyUsedFirstAndRemoves() throws Exception {
    BlobStore s = new BlobStore(dir);
    String a = s.put(new byte[1000]);
    String b = s.put(new byte[2000]);
    String c = s.put(new byte[3000]);
    Files.setLastModifiedTime(s.blobPath(a), FileTime.fromMillis(1000));
    Files.setLastModifiedTime(s.blobPath(b), FileTime.fromMillis(3000));
    Files.setLastModifiedTime(s.blobPath(c), FileTime.fromMillis(2000));
    assertEquals(List.of(a, c, b), s.list().stream().map(BlobStore.Entry::digest).toList());
    long freed = s.prune(2500);
    assertEquals(4000, freed);
    assertEquals(List.of(b), s.list().stream().map(BlobStore.Entry::digest).toList());
    assertTrue(s.remove(b));
    assertFalse(s.remove(b));
    assertTrue(s.list().isEmpty());
  }

  @Test
  void anotherProcessSharingTheStoreWaitsForTheLock() throws Exception {
    BlobStore s = new BlobStore(dir);
    String key = "abc";
    // A real second JVM holds the file lock for a moment; we must not get in while it does.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path src = dir.resolve("Holder.java");
    Files.writeString(src, "import java.nio.channels.*;import java.nio.file.*;public class Holder{public static void main(String[] a)"
        + " throws Exception{try(FileChannel c=FileChannel.open(Path.of(a[0]),StandardOpenOption.CREATE,StandardOpenOption.WRITE);"
        + "FileLock l=c.lock()){System.out.println(\"locked\");System.out.flush();Thread.sleep(1500);}}}");
    Process p = new ProcessBuilder(java, src.toString(), dir.resolve("locks/" + key + ".lock").toString())
        .redirectErrorStream(true).start();
    String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
    assertEquals("locked", line);
    long t0 = System.nanoTime();
    try (AutoCloseable l = s.lock(key)) {
      long waitedMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(waitedMs > 500, "waited only " + waitedMs + " ms");
    }
    p.waitFor();
  }

  /** Serves {@code content} then endless bytes, failing the test when read more than one byte past {@code limit}. */
  private static java.io.InputStream endless(byte[] content, long limit) {
    return new java.io.InputStream() {
      long pos;

      @Override
      public int read() {
        throw new AssertionError("single-byte reads are not expected");
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos + len > limit + 1) {
          throw new AssertionError("asked for bytes up to " + (pos + len) + ", past the first extra byte at " + limit);
        }
        for (int i = 0; i < len; i++, pos++) {
          b[off + i] = pos < content.length ? content[(int) pos] : 7;
        }
        return len;
      }
    };
  }

  @Test
  void readingStopsAtTheFirstByteBeyondTheDeclaredSize() throws Exception {
    BlobStore s = new BlobStore(dir);
    for (int size : new int[] {1000, 6 << 20}) { // the small path and the pipelined one
      byte[] b = new byte[size];
      new java.util.Random(size).nextBytes(b);
      String d = Digests.sha256(b);
      DigestMismatchException e = assertThrows(DigestMismatchException.class,
          () -> s.ensure(d, size, null, p -> p.transferFrom(endless(b, size))));
      assertEquals("blob " + d + " is larger than the " + size + " bytes its descriptor declares; discarded",
          e.getMessage());
      DigestMismatchException w = assertThrows(DigestMismatchException.class,
          () -> s.ensure(d, size, null, p -> p.writeAll(endless(b, size))));
      assertEquals(e.getMessage(), w.getMessage());
    }
    try (var tmp = Files.list(dir.resolve("tmp"))) {
      assertEquals(0, tmp.count());
    }
  }

  @Test
  void twoStoresOnOneFolderInOneJvmShareTheirLocks() throws Exception {
    // File locks belong to the process: two instances must not both take one (OverlappingFileLockException).
    BlobStore a = new BlobStore(dir);
    BlobStore b = new BlobStore(dir.resolve("..").resolve(dir.getFileName()));
    byte[] data = new byte[1 << 16];
    new java.util.Random(3).nextBytes(data);
    String d = Digests.sha256(data);
    AtomicInteger fetches = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService ex = Executors.newFixedThreadPool(16);
    List<Future<Path>> fs = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      BlobStore s = i % 2 == 0 ? a : b;
      fs.add(ex.submit(() -> {
        start.await();
        return s.ensure(d, data.length, null, p -> {
          fetches.incrementAndGet();
          p.write(data, 0, data.length);
        });
      }));
    }
    start.countDown();
    for (Future<Path> f : fs) {
      assertArrayEquals(data, Files.readAllBytes(f.get()));
    }
    ex.shutdown();
    assertEquals(1, fetches.get());
  }

  @Test
  void leftoversOfADeadProcessAreReclaimedOnOpenButWhatALiveOneHoldsIsKept() throws Exception {
    BlobStore first = new BlobStore(dir);
    // What a killed process leaves: a partial download, an extraction folder, a half-written record.
    Files.write(dir.resolve("tmp/0123456789ab-1.part"), new byte[5000]);
    Path tree = Files.createDirectories(dir.resolve("tmp/rootfs-42/tree/app"));
    Files.write(tree.resolve("big.bin"), new byte[7000]);
    Files.createFile(dir.resolve("tmp/rootfs-42/owner.lock"));
    Files.createDirectories(dir.resolve("tmp/archive-7/tree"));
    Files.write(dir.resolve("tmp/w-9.part"), new byte[10]);
    // An extracted tree moved into place whose marker was never written.
    Files.write(Files.createDirectories(dir.resolve("rootfs").resolve("ab".repeat(32))).resolve("x"), new byte[300]);
    // A download in progress in this JVM, through another instance, must survive.
    byte[] data = "in progress".getBytes(StandardCharsets.UTF_8);
    String d = Digests.sha256(data);
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch reclaimed = new CountDownLatch(1);
    ExecutorService ex = Executors.newSingleThreadExecutor();
    Future<Path> live = ex.submit(() -> first.ensure(d, data.length, null, p -> {
      p.write(data, 0, 4);
      writing.countDown();
      try {
        reclaimed.await();
      } catch (InterruptedException e) {
        throw new java.io.InterruptedIOException();
      }
      p.write(data, 4, data.length - 4);
    }));
    writing.await();
    assertEquals(6, first.temporary().entries());

    BlobStore reopened = new BlobStore(dir);
    assertEquals(new Usage(5, 5000 + 7000 + 10 + 300), reopened.reclaimed());
    assertEquals(new Usage(1, 4), reopened.temporary());
    reclaimed.countDown();
    assertArrayEquals(data, Files.readAllBytes(live.get()));
    ex.shutdown();
    try (var left = Files.list(dir.resolve("tmp"))) {
      assertEquals(List.of(), left.toList());
    }
    assertEquals(List.of(), Files.list(dir.resolve("rootfs")).toList());
    assertEquals(new Usage(0, 0), reopened.temporary());
    assertEquals(new Usage(0, 0), new BlobStore(dir).reclaimed());
  }

  @Test
  void pruneAlsoReclaimsLeftovers() throws Exception {
    BlobStore s = new BlobStore(dir);
    s.put(new byte[100]);
    Files.write(dir.resolve("tmp/0123456789ab-1.part"), new byte[5000]);
    assertEquals(new Usage(1, 5000), s.temporary());
    assertEquals(5000, s.prune(Long.MAX_VALUE));
    assertEquals(new Usage(0, 0), s.temporary());
    assertEquals(1, s.list().size());
  }

  @Test
  void anEntryOfTmpThatCannotBeOpenedNeitherStopsTheReclaimNorIsFollowed(@TempDir Path outside) throws Exception {
    new BlobStore(dir);
    Files.write(outside.resolve("keep.bin"), new byte[3]);
    Files.write(outside.resolve("keep.part"), new byte[4]);
    // Not made by a store: links into a folder and to a file elsewhere, listed before the leftover.
    Files.createSymbolicLink(dir.resolve("tmp/000-link-dir"), outside);
    Files.createSymbolicLink(dir.resolve("tmp/001-link.part"), outside.resolve("keep.part"));
    Files.write(dir.resolve("tmp/0123456789ab-1.part"), new byte[5000]);

    assertEquals(new Usage(1, 5000), new BlobStore(dir).reclaimed());
    assertFalse(Files.exists(dir.resolve("tmp/0123456789ab-1.part")));
    assertEquals(3, Files.size(outside.resolve("keep.bin")));
    assertEquals(4, Files.size(outside.resolve("keep.part")));
    assertTrue(Files.isSymbolicLink(dir.resolve("tmp/000-link-dir")));
  }
}
