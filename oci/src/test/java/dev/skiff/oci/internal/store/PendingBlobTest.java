package dev.skiff.oci.internal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.internal.format.Digests;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's download pipeline: large blobs, cut streams resumed, wrong and oversized content. */
class PendingBlobTest {
  @TempDir Path dir;

  /** Delivers its bytes in small pieces, like a socket, and fails after {@code failAfter} bytes. */
  static final class Choppy extends InputStream {
    private final byte[] data;
    private final int failAfter;
    private int pos;

    Choppy(byte[] data, int from, int failAfter) {
      this.data = data;
      this.pos = from;
      this.failAfter = failAfter;
    }

    @Override
    public int read() {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pos >= failAfter) {
        throw new IOException("connection reset (test)");
      }
      if (pos >= data.length) {
        return -1;
      }
      int n = Math.min(Math.min(len, 8192 - 17), Math.min(data.length, failAfter) - pos);
      System.arraycopy(data, pos, b, off, n);
      pos += n;
      return n;
    }
  }

  private static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(3).nextBytes(b);
    return b;
  }

  @Test
  void aLargeBlobStreamsThroughThePipelineAndResumesWhereTheCutStreamStopped() throws Exception {
    byte[] data = random(11 * (1 << 20) + 12345); // several 1 MiB buffers and a partial one
    for (String alg : new String[] {"sha256", "sha512"}) {
      BlobStore s = new BlobStore(dir.resolve(alg));
      String digest = Digests.of(alg, data);
      AtomicLong progressed = new AtomicLong();
      Path p = s.ensure(digest, data.length, new dev.skiff.oci.PullListener() {
        @Override
        public void progress(String d, long bytes, long total) {
          progressed.set(bytes);
        }
      }, pending -> {
        int cut = 5 * (1 << 20) + 777; // mid-buffer: the partial buffer must still be written and hashed
        IOException e = assertThrows(IOException.class, () -> pending.transferFrom(new Choppy(data, 0, cut)));
        assertEquals("connection reset (test)", e.getMessage());
        assertEquals(cut, pending.written(), "everything read before the cut is in the file");
        pending.transferFrom(new Choppy(data, (int) pending.written(), Integer.MAX_VALUE));
      });
      assertEquals(s.blobPath(digest), p);
      assertTrue(p.toString().contains("blobs/" + alg + "/"), p.toString());
      assertArrayEquals(data, Files.readAllBytes(p));
      assertEquals(data.length, progressed.get());
    }
  }

  @Test
  void thePipelineRejectsWrongAndOversizedContent() throws Exception {
    byte[] data = random(6 << 20);
    BlobStore s = new BlobStore(dir);
    String digest = Digests.sha256(data);
    byte[] wrong = data.clone();
    wrong[(5 << 20) + 3] ^= 1;
    DigestMismatchException e = assertThrows(DigestMismatchException.class, () -> s.ensure(digest, data.length, null,
        pending -> pending.transferFrom(new ByteArrayInputStream(wrong))));
    assertEquals(Digests.sha256(wrong), e.actual());
    DigestMismatchException big = assertThrows(DigestMismatchException.class, () -> s.ensure(digest,
        data.length - 10, null, pending -> pending.transferFrom(new ByteArrayInputStream(data))));
    assertEquals("blob " + digest + " is larger than the " + (data.length - 10) + " bytes its descriptor declares;"
        + " discarded", big.getMessage());
    assertFalse(Files.exists(s.blobPath(digest)));
    try (var tmp = Files.list(dir.resolve("tmp"))) {
      assertEquals(0, tmp.count(), "no partial files left");
    }
  }
}
