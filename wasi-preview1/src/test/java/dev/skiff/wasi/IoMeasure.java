package dev.skiff.wasi;

import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * Manual measurement (not a test): guest I/O through our WASI against a plain Java loop moving the
 * same bytes. Run: java -cp (test classpath) dev.skiff.wasi.IoMeasure. The JMH versions live in
 * jmh-benchmarks.
 */
public final class IoMeasure {
  private static final int CHUNK = 64 * 1024;
  private static final int CHUNKS = 4096; // 256 MiB

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("skiff-io");
    Path src = dir.resolve("src.bin");
    byte[] data = new byte[CHUNK * 512]; // 32 MiB
    new Random(1).nextBytes(data);
    Files.write(src, data);
    for (int round = 0; round < 4; round++) {
      long w = time(() -> guest(dir, "write", String.valueOf(CHUNKS)));
      long wj = time(() -> javaWrite());
      long r = time(() -> guest(dir, "read", "/d/src.bin"));
      long rj = time(() -> javaRead(src));
      long c = time(() -> guest(dir, "copy", "/d/src.bin", "/d/dst.bin"));
      long cj = time(() -> javaCopy(src, dir.resolve("dst2.bin")));
      System.out.printf("round %d: write 256MiB wasm %d ms java %d ms (x%.2f) | read 32MiB wasm %d ms java %d ms"
          + " (x%.2f) | copy 32MiB wasm %d ms java %d ms (x%.2f)%n", round, w, wj, (double) w / wj, r, rj,
          (double) r / rj, c, cj, (double) c / cj);
    }
  }

  interface Run {
    void run() throws Exception;
  }

  private static long time(Run r) throws Exception {
    long t = System.nanoTime();
    r.run();
    return (System.nanoTime() - t) / 1_000_000;
  }

  private static void guest(Path dir, String... args) {
    String[] argv = new String[args.length + 1];
    argv[0] = "io_bench";
    System.arraycopy(args, 0, argv, 1, args.length);
    try (WasiPreview1 wasi = WasiPreview1.create(WasiOptions.builder().args(argv)
        .stdout(Output.discard()).preopen("/d", dir, Access.READ_WRITE).build())) {
      Instance inst = Instance.builder(Guests.module("wasi/io_bench.wasm"))
          .withImportValues(ImportValues.builder().addFunction(wasi.toHostFunctions()).build())
          .withStart(false).build();
      try {
        inst.export("_start").apply();
      } catch (WasiExitException e) {
        if (e.exitCode() != 0) {
          throw new IllegalStateException("guest failed " + e.exitCode());
        }
      }
    }
  }

  // The baselines copy between a byte[] standing for guest memory and the sink/file, through a
  // reused buffer, as our host does.
  private static final byte[] MEMORY = new byte[CHUNK];
  private static final byte[] BUF = new byte[CHUNK];

  private static void javaWrite() throws IOException {
    OutputStream sink = OutputStream.nullOutputStream();
    for (int i = 0; i < CHUNKS; i++) {
      System.arraycopy(MEMORY, 0, BUF, 0, CHUNK);
      sink.write(BUF, 0, CHUNK);
    }
  }

  private static void javaRead(Path src) throws IOException {
    try (FileChannel ch = FileChannel.open(src)) {
      ByteBuffer bb = ByteBuffer.wrap(BUF);
      long pos = 0;
      int r;
      while ((r = ch.read(bb.clear(), pos)) > 0) {
        System.arraycopy(BUF, 0, MEMORY, 0, r);
        pos += r;
      }
    }
  }

  private static void javaCopy(Path src, Path dst) throws IOException {
    try (FileChannel in = FileChannel.open(src);
        FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer bb = ByteBuffer.wrap(BUF);
      long pos = 0;
      int r;
      while ((r = in.read(bb.clear(), pos)) > 0) {
        System.arraycopy(BUF, 0, MEMORY, 0, r);
        System.arraycopy(MEMORY, 0, BUF, 0, r);
        out.write(bb.clear().limit(r), pos);
        pos += r;
      }
    }
  }
}
