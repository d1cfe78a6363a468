package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.wasi.Output;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles as separate processes do them: two at once, one killed, and the detached one that
 * {@code skiff run} leaves behind. The compiles race on the 2,048-function bench/large.wasm, which
 * takes seconds to compile.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CompileProcessIT {
  private static final Path LARGE = Fixtures.wasm("bench/large.wasm");

  @TempDir Path store;

  private Process skiff(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Fixtures.repoRoot().resolve("cli/target/skiff.jar").toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  private static String finish(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the process did not finish");
    return out;
  }

  private List<Path> files(String suffix) throws Exception {
    Path compiled = store.resolve("compiled");
    if (!Files.isDirectory(compiled)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(compiled)) {
      return s.filter(p -> p.getFileName().toString().contains(suffix)).collect(Collectors.toList());
    }
  }

  /** Whether a fresh Skiff runs the module from the disk cache (no compile of its own). */
  private boolean runsCompiledFromTheCache() {
    return runsCompiledFromTheCache(LARGE, "2048 functions");
  }

  private boolean runsCompiledFromTheCache(Path module, String expected) {
    try (Skiff skiff = Skiff.builder().store(store).backgroundCompile(false).build()) {
      WasmArtifact artifact = skiff.pull(module.toString());
      String out = artifact.runner().stdout(Output.capture(1 << 16)).run().stdoutText();
      assertTrue(out.contains(expected), out);
      return artifact.isCompiled();
    }
  }

  @Test
  void twoCompilesAtOnceEndWithOneValidEntry() throws Exception {
    Process a = skiff("compile", "--store", store.toString(), LARGE.toString());
    Process b = skiff("compile", "--store", store.toString(), LARGE.toString());
    String outA = finish(a);
    String outB = finish(b);
    assertEquals(0, a.exitValue(), outA);
    assertEquals(0, b.exitValue(), outB);
    assertEquals(1, files(".jar").size(), files(".jar")::toString);
    assertEquals(List.of(), files(".tmp-"), "no temporary file is left");
    assertTrue(runsCompiledFromTheCache());
  }

  @Test
  void aKilledCompileLeavesNothingThatIsUsedAndTheNextCompileCleansUp() throws Exception {
    Process p = skiff("compile", "--store", store.toString(), LARGE.toString());
    while (files(".lock").isEmpty() && p.isAlive()) { // the compile has begun once it holds the lock
      Thread.sleep(5);
    }
    p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
    assertTrue(p.waitFor(1, TimeUnit.MINUTES));
    List<Path> jars = files(".jar");
    jars.removeAll(files(".tmp-"));
    if (jars.isEmpty()) {
      assertFalse(runsCompiledFromTheCache(), "killed before its entry was committed: nothing is loaded");
    }
    String out = finish(skiff("compile", "--store", store.toString(), LARGE.toString()));
    assertTrue(out.contains("compiled in"), out);
    assertEquals(List.of(), files(".tmp-"), "the next lock holder deleted any half-written file");
    assertTrue(runsCompiledFromTheCache());
  }

  @Test
  void aRunThatInterpretedLeavesCompiledCodeBehindAfterItExits() throws Exception {
    Path hello = Fixtures.wasm("hello.wasm");
    Process run = skiff("run", "--store", store.toString(), hello.toString());
    String out = finish(run);
    assertEquals(0, run.exitValue(), out);
    assertTrue(out.contains("Hello"), out);
    // the detached compile outlives the command: wait for its entry (bounded by the test's timeout)
    while (files(".jar").stream().noneMatch(p -> !p.toString().contains(".tmp-"))) {
      Thread.sleep(50);
    }
    assertTrue(runsCompiledFromTheCache(hello, "Hello"));
  }
}
