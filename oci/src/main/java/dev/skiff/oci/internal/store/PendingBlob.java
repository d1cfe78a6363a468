package dev.skiff.oci.internal.store;

import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.OciException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.internal.Listeners;
import dev.skiff.oci.internal.format.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A blob being written into the store: a locked temp file plus the running digest, checked against the
 * size its descriptor declares as it grows. {@link #commit()} verifies, fsyncs and renames it into place.
 */
public final class PendingBlob implements AutoCloseable {
  private static final int BUFFER = 1 << 16;
  /** Buffers of the download pipeline: large enough to amortise syscalls, few enough to bound memory (4 MiB). */
  static final int PIPE_BUFFER = 1 << 20;
  static final int PIPE_BUFFERS = 4;
  /** Below this a blob is hashed on the calling thread: a hand-off costs more than it saves. */
  static final long PIPE_THRESHOLD = 4L << 20;
  /**
   * While a large blob downloads, another thread forces its file to disk whenever this many bytes are
   * unflushed, so writeback overlaps the download and the commit's fsync has little left to do (forcing
   * on the writer thread itself stalls the pipeline and gains nothing).
   */
  static final long EARLY_FLUSH = 16L << 20;
  private static final ExecutorService PIPELINE = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "skiff-blob-pipeline");
    t.setDaemon(true);
    return t;
  });

  private final String digest;
  private final long size;
  private final PullListener listener;
  private final Scratch scratch;
  private final Path tmp;
  private final Path target;
  private final boolean fsync;
  private final FileChannel ch;
  private MessageDigest md;
  private long written;
  /** The digest of what was written, once {@link #verify()} computed it. */
  private String actual;

  PendingBlob(String digest, long size, PullListener listener, Scratch scratch, Path target, boolean fsync) {
    this.digest = digest;
    this.size = size;
    this.listener = listener;
    this.target = target;
    this.fsync = fsync;
    this.scratch = scratch;
    this.tmp = scratch.path();
    this.ch = scratch.channel();
    this.md = Digests.newDigest(Digests.algorithm(digest));
  }

  /** How many bytes to read next at most: up to the first byte beyond the declared size, no further. */
  private int readLimit(int room, long received) {
    return size < 0 ? room : (int) Math.min(room, size + 1 - received);
  }

  private DigestMismatchException tooLarge() {
    return new DigestMismatchException(digest, "size>" + size, "blob " + digest + " is larger than the "
        + size + " bytes its descriptor declares; discarded");
  }

  public String digest() {
    return digest;
  }

  /** Expected size, or -1 when unknown. */
  public long size() {
    return size;
  }

  /** Bytes written so far; a resumed download continues from here. */
  public long written() {
    return written;
  }

  public void write(byte[] b, int off, int len) throws IOException {
    if (size >= 0 && written + len > size) {
      throw tooLarge();
    }
    actual = null;
    md.update(b, off, len);
    ByteBuffer bb = ByteBuffer.wrap(b, off, len);
    while (bb.hasRemaining()) {
      ch.write(bb);
    }
    written += len;
    Listeners.progress(listener, digest, written, size);
  }

  /** Copies a whole stream in. */
  public void writeAll(InputStream in) throws IOException {
    byte[] buf = new byte[BUFFER];
    for (int n; (n = in.read(buf, 0, readLimit(buf.length, written))) > 0; ) {
      write(buf, 0, n);
    }
  }

  /**
   * Copies a stream in until its end. Large blobs go through a three-stage pipeline: this thread reads
   * from the network while one thread hashes and another writes the file, handing over a bounded
   * set of reused 1 MiB buffers (4 MiB in all); with fsync on, the file is also forced to disk in
   * the background every {@link #EARLY_FLUSH} bytes. When reading fails, the bytes read so far are
   * still hashed and written, so {@link #written()} is where a resumed download continues.
   */
  public void transferFrom(InputStream in) throws IOException {
    long remaining = size < 0 ? -1 : size - written;
    if (remaining >= 0 && remaining < PIPE_THRESHOLD) {
      writeAll(in);
      return;
    }
    ArrayBlockingQueue<byte[]> free = new ArrayBlockingQueue<>(PIPE_BUFFERS);
    for (int i = 0; i < PIPE_BUFFERS; i++) {
      free.add(new byte[PIPE_BUFFER]);
    }
    // Room for every buffer plus the end marker, so adding never blocks or fails.
    ArrayBlockingQueue<Chunk> toHash = new ArrayBlockingQueue<>(PIPE_BUFFERS + 1);
    ArrayBlockingQueue<Chunk> toWrite = new ArrayBlockingQueue<>(PIPE_BUFFERS + 1);
    actual = null;
    MessageDigest hash = md;
    Future<?> hasher = PIPELINE.submit(() -> {
      while (true) {
        Chunk c = toHash.take();
        if (c.length >= 0) {
          hash.update(c.buffer, 0, c.length);
        }
        toWrite.add(c);
        if (c.length < 0) {
          return null;
        }
      }
    });
    Future<Long> writer = PIPELINE.submit(() -> {
      long done = 0;
      long unflushed = 0;
      Future<?> flush = CompletableFuture.completedFuture(null);
      IOException failure = null;
      while (true) {
        Chunk c = toWrite.take();
        if (c.length < 0) {
          try {
            awaitFlush(flush);
          } catch (IOException e) {
            failure = failure != null ? failure : e;
          }
          if (failure != null) {
            throw failure;
          }
          return done;
        }
        if (failure == null) {
          try {
            ByteBuffer bb = ByteBuffer.wrap(c.buffer, 0, c.length);
            while (bb.hasRemaining()) {
              ch.write(bb);
            }
            done += c.length;
            unflushed += c.length;
            if (fsync && unflushed >= EARLY_FLUSH && flush.isDone()) {
              awaitFlush(flush);
              flush = PIPELINE.submit(() -> {
                ch.force(false);
                return null;
              });
              unflushed = 0;
            }
          } catch (IOException e) {
            failure = e; // keep recycling buffers so the reader never waits forever
          }
        }
        free.add(c.buffer);
      }
    });
    Exception failure = null;
    long received = written;
    try {
      while (true) {
        byte[] buf = free.take();
        int n = 0;
        try {
          for (int r, want; n < buf.length && (want = readLimit(buf.length - n, received + n)) > 0
              && (r = in.read(buf, n, want)) > 0; ) {
            n += r;
          }
        } catch (IOException e) {
          failure = e; // keep what arrived: it is hashed and written, then the caller resumes
        }
        if (size >= 0 && received + n > size) {
          free.add(buf);
          throw tooLarge();
        }
        if (n > 0) {
          received += n;
          toHash.add(new Chunk(buf, n));
          Listeners.progress(listener, digest, received, size);
        } else {
          free.add(buf);
        }
        if (failure != null || n < buf.length) {
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = new InterruptedIOException("interrupted while downloading " + digest);
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      toHash.add(Chunk.END);
    }
    // Always let the other stages drain, so the digest covers exactly the file for a resume.
    try {
      hasher.get();
      written += writer.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      hasher.cancel(true);
      writer.cancel(true);
      throw new InterruptedIOException("interrupted while storing " + digest);
    } catch (ExecutionException e) {
      // A failed disk write leaves the digest ahead of the file: not resumable, and not the network's fault.
      throw new OciException("cannot write " + digest + " to the content store " + target.getParent() + ": "
          + e.getCause().getMessage(), e.getCause());
    }
    if (failure instanceof IOException e) {
      throw e;
    }
    if (failure instanceof RuntimeException e) {
      throw e;
    }
  }

  /** Discards what was written (e.g. a server that ignored a Range request, or a corrupted transfer). */
  public void restart() throws IOException {
    ch.truncate(0);
    ch.position(0);
    md = Digests.newDigest(Digests.algorithm(digest));
    written = 0;
    actual = null;
  }

  /**
   * Checks that what was written is the blob: its declared size, then its digest.
   *
   * @throws DigestMismatchException when it is not
   */
  public void verify() {
    if (size >= 0 && written != size) {
      throw new DigestMismatchException(digest, "size=" + written, "blob " + digest + " has " + written
          + " bytes but its descriptor declares " + size + "; discarded");
    }
    if (actual == null) {
      actual = Digests.format(Digests.algorithm(digest), md); // resets md: kept until more is written
    }
    if (!actual.equals(digest)) {
      throw new DigestMismatchException(digest, actual, "blob content hashes to " + actual + ", not " + digest
          + "; discarded");
    }
  }

  void commit() throws IOException {
    verify();
    if (fsync) {
      ch.force(true);
    }
    // Moved while still open and locked, so no reclaimer takes it between the close and the move.
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    scratch.keep();
    if (fsync) {
      FileTrees.fsyncDir(target.getParent());
    }
  }

  @Override
  public void close() throws IOException {
    scratch.close();
  }

  /** Waits for a background flush; a failed fsync may have dropped dirty pages, so it fails the blob. */
  private static void awaitFlush(Future<?> flush) throws IOException, InterruptedException {
    try {
      flush.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  /** A filled pipeline buffer; {@link #END} (length -1) stops the hasher. */
  private record Chunk(byte[] buffer, int length) {
    static final Chunk END = new Chunk(null, -1);
  }
}
