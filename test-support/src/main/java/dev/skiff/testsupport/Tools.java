package dev.skiff.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the external tools that tests rely on, failing with the set-up step to run when one is missing. */
public final class Tools {
  /** The command that installs every tool the tests use. */
  public static final String SETUP_COMMAND = "scripts/setup-test-deps.sh";

  private Tools() {}

  /**
   * Returns the absolute path of {@code tool} on the PATH.
   *
   * @throws AssertionError naming the set-up command when the tool is missing
   */
  public static Path require(String tool) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, tool);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError(
        "The test tool '" + tool + "' is not installed. Run " + SETUP_COMMAND
            + " (or the README's test command) to install the test prerequisites.");
  }

  /**
   * Runs a command to completion and returns its standard output.
   *
   * @throws AssertionError with the command's output when it exits non-zero or takes over 2 minutes
   */
  public static String run(Path workDir, String... command) {
    require(command[0]);
    List<String> cmd = new ArrayList<>(List.of(command));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Thread reader = new Thread(() -> copy(p.getInputStream(), out));
      reader.start();
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("Timed out: " + String.join(" ", cmd));
      }
      reader.join();
      String text = out.toString(StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new AssertionError(
            "Command failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + text);
      }
      return text;
    } catch (IOException e) {
      throw new AssertionError("Cannot run " + String.join(" ", cmd), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("Interrupted: " + String.join(" ", cmd), e);
    }
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    try (in) {
      in.transferTo(out);
    } catch (IOException ignored) {
      // The process ended; whatever was read is reported.
    }
  }
}
