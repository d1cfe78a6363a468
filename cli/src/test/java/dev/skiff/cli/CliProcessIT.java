package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged command as a user runs it: the launcher script, the runnable jar, the bundled example. */
class CliProcessIT {
  @Test
  void launcherRunsTheBundledExampleAndExitsWithTheGuestCode(@TempDir Path store) throws Exception {
    Path root = Fixtures.repoRoot();
    Process p = new ProcessBuilder(root.resolve("cli/skiff").toString(), "run", "--store=" + store,
        "--no-background-compile", "oci:examples/hello:1.0", "--", "from-process", "--exit=5")
        .directory(root.toFile())
        .redirectErrorStream(true)
        .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "skiff run did not finish");
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(5, p.exitValue(), output);
    assertTrue(output.contains("Hello from Wasm, world!"), output);
    assertTrue(output.contains("argv[1]=from-process"), output);
    assertTrue(Files.list(store).findAny().isPresent(), "the run used the given store");
  }
}
