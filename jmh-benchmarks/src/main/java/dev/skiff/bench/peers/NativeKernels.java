package dev.skiff.bench.peers;

import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.TestFiles;
import dev.skiff.testsupport.Tools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The physical reference: {@code fixtures/src/bench/kernels.c} compiled natively with {@code gcc -O2}
 * and kept running as a child process; each call is one line over a pipe (see native_kernels.c).
 * A call therefore includes one pipe round trip, which {@link #call(String, int) call("nop", 0)}
 * measures on its own.
 */
public final class NativeKernels implements AutoCloseable {
  private final Path dir;
  private final Process process;
  private final OutputStream toHarness;
  private final BufferedReader fromHarness;

  /** Compiles the harness with gcc -O2 into a temporary folder and starts it. */
  public NativeKernels() {
    Path root = Fixtures.repoRoot();
    Path gcc = Tools.require("gcc");
    try {
      dir = Files.createTempDirectory("skiff-native-");
      Path binary = dir.resolve("native_kernels");
      Process cc = new ProcessBuilder(gcc.toString(), "-O2", "-Wno-attributes",
          "-I", root.resolve("fixtures/src/bench").toString(),
          "-I", root.resolve("fixtures/zlib").toString(),
          "-I", root.resolve("fixtures/lua").toString(), "-I", "/usr/include/lua5.4",
          "-I", root.resolve("fixtures/sqlite").toString(),
          "-I", root.resolve("fixtures/cjson").toString(), "-I", "/usr/include/cjson",
          "-o", binary.toString(),
          root.resolve("jmh-benchmarks/src/main/c/native_kernels.c").toString(), "-lz", "-llua5.4", "-lsqlite3",
          "-lcjson")
          .redirectErrorStream(true).start();
      String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
        throw new IllegalStateException("gcc failed on native_kernels.c:\n" + output);
      }
      process = new ProcessBuilder(binary.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      toHarness = process.getOutputStream();
      fromHarness = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs {@code fn(arg)} natively (fn: one of native_kernels.c's) and returns its result. */
  public long call(String fn, int arg) {
    try {
      toHarness.write((fn + ' ' + Integer.toUnsignedString(arg) + '\n').getBytes(StandardCharsets.US_ASCII));
      toHarness.flush();
      String line = fromHarness.readLine();
      if (line == null) {
        throw new IllegalStateException("the native harness exited with " + process.waitFor());
      }
      return Long.parseLong(line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** As a {@link PeerFunction} for {@code fn}. */
  public PeerFunction function(String fn) {
    return args -> call(fn, args.length == 0 ? 0 : args[0]);
  }

  @Override
  public void close() {
    try {
      toHarness.close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    } finally {
      TestFiles.deleteTree(dir);
    }
  }
}
