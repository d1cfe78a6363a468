package dev.skiff.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * {@code skiff train-class-data} (hidden): the training run the launcher records its class-data archive
 * from (AppCDS on JDK 17, the AOT cache on 25). It runs a small module bundled in the jar through the
 * commands a user runs most (a first run that imports and interprets, a compile, a compiled run, inspect)
 * in a temporary store, so the archive holds what those commands load whatever command happened to run
 * first after a build; its output goes nowhere.
 */
@Command(name = "train-class-data", hidden = true, description = "Training run for the launcher's class-data archive.")
final class TrainCommand implements Callable<Integer> {
  @Override
  public Integer call() throws IOException {
    Path dir = Files.createTempDirectory("skiff-train");
    PrintStream out = System.out;
    PrintStream err = System.err;
    PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
    PrintWriter quiet = new PrintWriter(nowhere);
    try {
      Path wasm = dir.resolve("training.wasm");
      try (InputStream in = TrainCommand.class.getResourceAsStream("hello.wasm")) {
        if (in == null) {
          throw new IllegalStateException("the jar lacks dev/skiff/cli/hello.wasm");
        }
        Files.copy(in, wasm);
      }
      String store = "--store=" + dir.resolve("store");
      System.setOut(nowhere);
      System.setErr(nowhere);
      int failures = 0;
      for (String[] args : new String[][] {
          {"run", store, "--no-background-compile", wasm.toString(), "a"},
          {"compile", store, wasm.toString()},
          {"run", store, "--no-background-compile", wasm.toString(), "b"},
          {"inspect", store, wasm.toString()}}) {
        failures += Main.execute(args, quiet, quiet) == 0 ? 0 : 1;
      }
      return failures == 0 ? 0 : Main.ExitCodes.FAILURE;
    } finally {
      System.setOut(out);
      System.setErr(err);
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
