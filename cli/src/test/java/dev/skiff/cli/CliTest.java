package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testing.Fixtures;
import dev.skiff.testing.RegistryExtension;
import dev.skiff.testing.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The skiff command in-process: exit codes, one-line errors, guest output on the real stdout. */
class CliTest {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.anonymous();
  @TempDir Path store;

  record Outcome(int code, String stdout, String out, String err) {}

  private Outcome skiff(String... args) {
    PrintStream savedOut = System.out;
    ByteArrayOutputStream guestOut = new ByteArrayOutputStream();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    // --store goes right after the (sub)command name(s)
    int words = args[0].equals("cache") ? 2 : 1;
    java.util.List<String> full = new java.util.ArrayList<>(java.util.List.of(args));
    full.add(words, "--store=" + store);
    int code;
    try {
      System.setOut(new PrintStream(guestOut, true, StandardCharsets.UTF_8));
      code = Main.execute(full.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    } finally {
      System.setOut(savedOut);
    }
    return new Outcome(code, guestOut.toString(StandardCharsets.UTF_8), out.toString(), err.toString());
  }

  @Test
  void runsTheBundledExampleLayoutWithArguments() {
    Path layout = Fixtures.repoRoot().resolve("examples/hello");
    Outcome o = skiff("run", "oci:" + layout + ":1.0", "--", "one", "--exit=3");
    assertEquals(3, o.code(), o.err());
    assertTrue(o.stdout().startsWith("Hello from Wasm, world!\n"), o.stdout());
    assertTrue(o.stdout().contains("argv[1]=one\n"), o.stdout());
  }

  @Test
  void runsFromTheRegistryWithEnvAndPreopenedDirectory(@TempDir Path data) throws Exception {
    TestImages.pushCncfArtifact(registry, "cli/hello:1", Fixtures.wasm("hello.wasm"));
    Files.writeString(data.resolve("f.txt"), "x");
    Outcome o = skiff("run", "--env", "GREETING_NAME=cli", "--dir", data + ":/data:ro",
        registry.host() + "/cli/hello:1");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.stdout().startsWith("Hello from Wasm, cli!\n"), o.stdout());
  }

  @Test
  void pullPrintsTheModuleDigestAndOfflineRunUsesTheStore() throws Exception {
    TestImages.pushCncfArtifact(registry, "cli/offline:1", Fixtures.wasm("hello.wasm"));
    Outcome pulled = skiff("pull", registry.host() + "/cli/offline:1");
    assertEquals(0, pulled.code(), pulled.err());
    assertEquals(TestImages.sha256(Files.readAllBytes(Fixtures.wasm("hello.wasm"))), pulled.out().trim());
    Outcome offline = skiff("run", "--pull", "never", registry.host() + "/cli/offline:1");
    assertEquals(0, offline.code(), offline.err());
  }

  @Test
  void cacheListsAndPrunesTheStore() throws Exception {
    TestImages.pushCncfArtifact(registry, "cli/cache:1", Fixtures.wasm("hello.wasm"));
    assertEquals(0, skiff("pull", registry.host() + "/cli/cache:1").code());
    String moduleDigest = TestImages.sha256(Files.readAllBytes(Fixtures.wasm("hello.wasm")));
    Outcome ls = skiff("cache", "ls");
    assertEquals(0, ls.code(), ls.err());
    assertTrue(ls.out().contains(moduleDigest), ls.out());
    Outcome prune = skiff("cache", "prune", "--max-size", "0");
    assertEquals(0, prune.code(), prune.err());
    assertTrue(prune.out().startsWith("freed "), prune.out());
    assertTrue(!skiff("cache", "ls").out().contains(moduleDigest), "pruned to zero");
    // What a killed pull left is reclaimed when the store opens, and said so.
    Files.write(store.resolve("tmp/0123456789ab-1.part"), new byte[4321]);
    Outcome after = skiff("cache", "ls");
    assertTrue(after.out().contains("temporary 0 bytes in 0 entries in progress; reclaimed 4321 bytes in 1 leftovers"
        + " of interrupted pulls"), after.out());
    try (java.util.stream.Stream<Path> tmp = Files.list(store.resolve("tmp"))) {
      assertEquals(java.util.List.of(), tmp.toList());
    }
  }

  @Test
  void compileFillsTheCacheAheadOfTheFirstRun() throws Exception {
    // (the detached compile a default run leaves behind is a process: CompileProcessIT)
    Outcome o = skiff("compile", Fixtures.wasm("hello.wasm").toString());
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("compiled in"), o.out());
    try (java.util.stream.Stream<Path> files = Files.walk(store.resolve("compiled"))) {
      assertEquals(1, files.filter(p -> p.toString().endsWith(".jar")).count());
    }
    assertEquals(0, skiff("run", "--no-image-root", Fixtures.wasm("hello.wasm").toString()).code());
  }

  @Test
  void inspectShowsDigestsImportsAndExports() {
    Outcome o = skiff("inspect", Fixtures.wasm("core/calc.wasm").toString());
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("export:      add (function)"), o.out());
    assertTrue(o.out().contains("kind:        reactor or library"), o.out());
  }

  @Test
  void invokeCallsAReactorExport() {
    Outcome o = skiff("run", "--invoke", "add", Fixtures.wasm("core/calc.wasm").toString(), "--", "40", "2");
    assertEquals(0, o.code(), o.err());
    assertEquals("42", o.out().trim());
  }

  @Test
  void failuresGetOneLineAndDistinctCodes() {
    Outcome timeout = skiff("run", "--timeout", "200ms", Fixtures.wasm("core/loop.wasm").toString());
    assertEquals(124, timeout.code());
    assertTrue(timeout.err().startsWith("skiff: ") && timeout.err().trim().lines().count() == 1, timeout.err());

    Outcome trap = skiff("run", Fixtures.wasm("core/trap.wasm").toString());
    assertEquals(134, trap.code(), trap.err());

    Outcome link = skiff("run", Fixtures.wasm("core/needs_host.wasm").toString());
    assertEquals(127, link.code(), link.err());
    assertTrue(link.err().contains("host.answer"), link.err());

    Outcome missing = skiff("run", "--pull", "never", registry.host() + "/nothing/here:1");
    assertEquals(125, missing.code(), missing.err());

    Outcome usage = skiff("run", "--pull", "sometimes", Fixtures.wasm("hello.wasm").toString());
    assertEquals(2, usage.code(), usage.err());
  }
}
