package dev.skiff.bench;

import dev.skiff.Engine;
import dev.skiff.Skiff;
import dev.skiff.WasmFunction;
import dev.skiff.WasmInstance;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.TestFiles;
import dev.skiff.wasi.Access;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Path resolution cost ({@code fixtures/src/bench/paths.c}, compiled engine): 100 path_open +
 * fd_close, or 100 path_filestat_get, of a file at the top of the preopen or three directories
 * down, and through a symbolic link (so every resolver step, handle and link reading, is in it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m"})
public class PathOpsBenchmark {
  /** Calls per benchmark operation. */
  public static final int CALLS = 100;

  @Param({"f.txt", "a/b/c/f.txt", "link/f.txt"})
  public String path;

  private Path dir;
  private Skiff skiff;
  private WasmInstance instance;
  private WasmFunction openClose;
  private WasmFunction stat;
  private int pathPtr;

  /** Makes the tree and instantiates the guest with it preopened at /data. */
  @Setup
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("skiff-paths-");
    Files.writeString(dir.resolve("f.txt"), "x");
    Files.writeString(Files.createDirectories(dir.resolve("a/b/c")).resolve("f.txt"), "x");
    Files.createSymbolicLink(dir.resolve("link"), dir.getFileSystem().getPath("a/b/c"));
    skiff = Skiff.builder().store(dir.resolve("store")).engine(Engine.COMPILER).compiledCodeCache(false).build();
    instance = skiff.pull(Fixtures.wasm("bench/paths.wasm").toString()).runner()
        .preopen("/data", dir, Access.READ_WRITE)
        .instantiate();
    openClose = instance.function("open_close");
    stat = instance.function("stat_path");
    pathPtr = (int) instance.function("path_buffer").callRaw(new long[0])[0];
    instance.writeBytes(pathPtr, (path + "\0").getBytes(StandardCharsets.UTF_8));
  }

  /** Closes the guest and deletes the tree. */
  @TearDown
  public void tearDown() throws Exception {
    instance.close();
    skiff.close();
    TestFiles.deleteTree(dir);
  }

  /** 100 path_open + fd_close; returns the successes. */
  @Benchmark
  public long openClose() {
    return expect(openClose.callRaw(new long[] {pathPtr, CALLS})[0]);
  }

  /** 100 path_filestat_get; returns the successes. */
  @Benchmark
  public long filestat() {
    return expect(stat.callRaw(new long[] {pathPtr, CALLS})[0]);
  }

  private static long expect(long ok) {
    if (ok != CALLS) {
      throw new IllegalStateException("only " + ok + " of " + CALLS + " calls succeeded");
    }
    return ok;
  }
}
