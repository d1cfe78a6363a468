package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.OciLayout;
import dev.skiff.testing.SkiffTest;
import dev.skiff.testing.TestRegistry;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The skiff command in-process: exit codes, one-line errors, guest output on the real stdout. */
@SkiffTest(registry = true)
class CliTest {
  private final TestRegistry registry;
  @TempDir Path store;

  CliTest(TestRegistry registry) {
    this.registry = registry;
  }

  record Outcome(int code, String stdout, String out, String err) {}

  /** Runs the command line as given (no --store added). */
  private static Outcome raw(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Outcome(code, "", out.toString(), err.toString());
  }

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
  void optionsEndAtTheFirstArgumentAfterRef() {
    // like docker and wasmtime: --exit=4 and -v after REF are the guest's, without --
    Outcome o = skiff("run", Fixtures.wasm("hello.wasm").toString(), "one", "-v", "--exit=4");
    assertEquals(4, o.code(), o.err());
    assertTrue(o.stdout().contains("argv[1]=one\nargv[2]=-v\nargv[3]=--exit=4\n"), o.stdout());
    assertEquals("", o.err(), "-v went to the guest, so skiff printed nothing");
  }

  @Test
  void everyCommandHasHelpWithExamplesAndTheVersion() {
    String[][] commands = {{"run"}, {"pull"}, {"inspect"}, {"push"}, {"cache"}, {"cache", "ls"},
        {"cache", "prune"}, {"login"}, {"logout"}, {"completion"}};
    for (String[] c : commands) {
      java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(c));
      args.add("--help");
      Outcome help = raw(args.toArray(String[]::new));
      assertEquals(0, help.code(), String.join(" ", c) + ": " + help.err());
      assertTrue(help.out().startsWith("Usage: skiff " + String.join(" ", c)), help.out());
      if (!c[0].equals("cache") || c.length > 1) {
        assertTrue(help.out().contains("Examples:"), String.join(" ", c) + " has no examples: " + help.out());
      }
      args.set(args.size() - 1, "--version");
      Outcome version = raw(args.toArray(String[]::new));
      assertEquals(0, version.code(), version.err());
      assertTrue(version.out().startsWith("skiff 0."), version.out());
    }
    Outcome help = raw("help", "run");
    assertEquals(0, help.code(), help.err());
    assertTrue(help.out().startsWith("Usage: skiff run"), help.out());
  }

  @Test
  void theClassDataTrainingRunSucceedsQuietlyAndTheBareCommandListsOnlyVisibleCommands() {
    Outcome train = raw("train-class-data");
    assertEquals(0, train.code(), train.err());
    assertEquals("", train.out() + train.err());

    Outcome bare = raw();
    assertEquals(2, bare.code(), bare.err());
    assertTrue(bare.err().startsWith("skiff: Missing a command: run, pull, inspect, push, cache, compile, serve, "
        + "login, logout, completion, help\n"), bare.err());
  }

  @Test
  void usageErrorsExitTwoWithOneLineAndAHint() {
    Outcome scheme = skiff("pull", "http://" + registry.host() + "/cli/hello:1");
    assertEquals(2, scheme.code(), scheme.err());
    assertEquals("skiff: 'http://" + registry.host() + "/cli/hello:1': registry references have no scheme; write "
        + registry.host() + "/cli/hello:1 and add --insecure " + registry.host() + " for a registry on plain HTTP\n"
        + "Try 'skiff pull --help' for more information.\n", scheme.err());

    // a path by its form is never looked up on Docker Hub
    Outcome missing = skiff("run", "tools/missing.wasm");
    assertEquals(2, missing.code(), missing.err());
    assertTrue(missing.err().startsWith("skiff: 'tools/missing.wasm' does not exist"), missing.err());

    Outcome push = skiff("push", "no-such.wasm", registry.host() + "/cli/x:1");
    assertEquals(2, push.code(), push.err());
    assertTrue(push.err().startsWith("skiff: 'no-such.wasm' does not exist"), push.err());

    Outcome size = skiff("run", "--max-memory", "1.5x", Fixtures.wasm("hello.wasm").toString());
    assertEquals(2, size.code(), size.err());
    assertTrue(size.err().startsWith("skiff: Invalid value for option '--max-memory': '1.5x' is not a size"), size.err());

    Outcome reactor = skiff("run", Fixtures.wasm("core/calc.wasm").toString());
    assertEquals(2, reactor.code(), reactor.err());
    assertTrue(reactor.err().contains("exports no _start): call one of its exports with --invoke FUNC, "
        + "e.g. skiff run --invoke add "), reactor.err());

    Outcome engine = skiff("run", "--engine", "jit", Fixtures.wasm("hello.wasm").toString());
    assertEquals(2, engine.code());
    assertTrue(engine.err().contains("'jit' is not one of auto, interpreter, compiler"), engine.err());

    Outcome memory = skiff("run", "--max-memory", "64k", Fixtures.wasm("hello.wasm").toString());
    assertEquals(137, memory.code(), memory.err());
    assertTrue(memory.err().endsWith("raise --max-memory, up to 2147418112 bytes.\n"), memory.err());
  }

  @Test
  void sizesAndDurationsShareOneReading() {
    assertEquals(1536L << 20, Units.parseSize("1.5g"));
    assertEquals(512L << 10, Units.parseSize("512K"));
    assertEquals(64L << 20, Units.parseSize("64MiB"));
    assertEquals(java.time.Duration.ofMillis(1500), Units.parseDuration("1.5s"));
    assertEquals(java.time.Duration.ofMinutes(2), Units.parseDuration("2m"));
    assertEquals(java.time.Duration.ofSeconds(5), Units.parseDuration("PT5S"));
    assertEquals("1.5 KiB", Units.human(1536));
  }

  @Test
  void progressShowsSpeedAndEta() {
    String digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assertEquals("0123456789ab [======                  ] 1.0 MiB / 4.0 MiB  1.0 MiB/s  ETA 3s",
        Progress.line(digest, 1 << 20, 4 << 20, 1_000_000_000L));
    assertEquals("0123456789ab [========================] 4.0 MiB / 4.0 MiB  2.0 MiB/s",
        Progress.line(digest, 4 << 20, 4 << 20, 2_000_000_000L));
    assertEquals("0123456789ab 512 B", Progress.line(digest, 512, -1, 0));
  }

  @Test
  void traceShowsTheFilteredWasiCallsDecoded(@TempDir Path work) throws Exception {
    Outcome o = skiff("run", "--trace=fd_write,proc_*", Fixtures.wasm("hello.wasm").toString(), "--exit=3");
    assertEquals(3, o.code(), o.err());
    java.util.List<String> lines = o.err().lines().toList();
    assertTrue(lines.get(0).matches("\\[wasi\\] fd_write\\(fd=1, iovs=\\[2 iovecs, 24 bytes\\]\\) = 0 nwritten=24 <.*us>"),
        o.err());
    assertTrue(lines.get(lines.size() - 1).matches("\\[wasi\\] proc_exit\\(code=3\\) = exit 3 <.*>"), o.err());
    assertTrue(lines.stream().noneMatch(l -> l.contains("args_get")), "filtered out: " + o.err());

    Path traceFile = work.resolve("trace.txt");
    Outcome toFile = skiff("run", "--trace-file", traceFile.toString(), Fixtures.wasm("hello.wasm").toString());
    assertEquals(0, toFile.code(), toFile.err());
    assertEquals("", toFile.err());
    String trace = Files.readString(traceFile);
    assertTrue(trace.startsWith("[wasi] args_sizes_get() = 0 argc=1 argv_buf_size="), trace);
  }

  @Test
  void aTrapInADebugBuildShowsSourceLinesAndVerboseSummarises() {
    Outcome o = skiff("run", "-v", "--engine", "interpreter", Fixtures.wasm("core/deep_trap.wasm").toString());
    assertEquals(134, o.code(), o.err());
    assertTrue(o.err().contains("(in Wasm checked_index at core/deep_trap.c:7 <- lookup at core/deep_trap.c:13"),
        o.err());
    assertTrue(o.err().contains("skiff: failed after "), o.err());

    Outcome ok = skiff("run", "-v", "--engine", "interpreter", Fixtures.wasm("hello.wasm").toString());
    assertEquals(0, ok.code(), ok.err());
    assertTrue(ok.err().matches("(?s)skiff: exit code 0 after \\d+ ms; peak memory 128 KiB; engine interpreter, "
        + "ran interpreted; module sha256:[0-9a-f]{64}\n"), ok.err());
  }

  @Test
  void runsFromTheRegistryWithEnvAndPreopenedDirectory(@TempDir Path data) throws Exception {
    TestImages.pushCncfArtifact(registry.host(), "cli/hello:1", Fixtures.wasm("hello.wasm"), OciLayout::writeWasmArtifact);
    Files.writeString(data.resolve("f.txt"), "x");
    Outcome o = skiff("run", "--env", "GREETING_NAME=cli", "--dir", data + ":/data:ro",
        registry.host() + "/cli/hello:1");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.stdout().startsWith("Hello from Wasm, cli!\n"), o.stdout());
  }

  @Test
  void pullPrintsTheModuleDigestAndOfflineRunUsesTheStore() throws Exception {
    TestImages.pushCncfArtifact(registry.host(), "cli/offline:1", Fixtures.wasm("hello.wasm"), OciLayout::writeWasmArtifact);
    Outcome pulled = skiff("pull", registry.host() + "/cli/offline:1");
    assertEquals(0, pulled.code(), pulled.err());
    assertEquals(TestImages.sha256(Files.readAllBytes(Fixtures.wasm("hello.wasm"))), pulled.out().trim());
    Outcome offline = skiff("run", "--pull", "never", registry.host() + "/cli/offline:1");
    assertEquals(0, offline.code(), offline.err());
  }

  @Test
  void cacheListsAndPrunesTheStore() throws Exception {
    TestImages.pushCncfArtifact(registry.host(), "cli/cache:1", Fixtures.wasm("hello.wasm"), OciLayout::writeWasmArtifact);
    assertEquals(0, skiff("pull", registry.host() + "/cli/cache:1").code());
    String moduleDigest = TestImages.sha256(Files.readAllBytes(Fixtures.wasm("hello.wasm")));
    Outcome ls = skiff("cache", "ls");
    assertEquals(0, ls.code(), ls.err());
    String[] lines = ls.out().split("\n");
    assertTrue(lines[0].matches("KIND +DIGEST +SIZE +LAST USED +REFERENCES"), ls.out());
    String ref = registry.host() + "/cli/cache:1";
    assertTrue(ls.out().contains("module    " + moduleDigest.substring(0, 19) + "     30 KiB  just now       " + ref),
        ls.out());
    assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("manifest ") && l.endsWith(ref)), ls.out());
    assertTrue(ls.err().matches("\\d+ entries, .* in .*\n"), ls.err());

    com.fasterxml.jackson.databind.JsonNode json = Json.MAPPER.readTree(skiff("cache", "ls", "--json").out());
    assertTrue(json.isArray() && json.size() >= 3, json.toString());
    boolean found = false;
    for (com.fasterxml.jackson.databind.JsonNode e : json) {
      if (e.path("digest").asText().equals(moduleDigest)) {
        found = true;
        assertEquals("module", e.path("kind").asText());
        assertEquals(ref, e.path("references").get(0).asText());
      }
    }
    assertTrue(found, json.toString());

    Outcome refused = skiff("cache", "prune");
    assertEquals(2, refused.code(), "a bare prune without a terminal removes nothing");
    assertTrue(refused.err().startsWith("skiff: Say how much to keep: --max-size SIZE (e.g. 500m), or --all"),
        refused.err());
    assertTrue(skiff("cache", "ls").out().contains(moduleDigest.substring(0, 19)), "nothing removed");

    Outcome prune = skiff("cache", "prune", "--all");
    assertEquals(0, prune.code(), prune.err());
    assertTrue(prune.out().matches("freed .*; the store holds 0 B\n"), prune.out());
    assertTrue(!skiff("cache", "ls").out().contains(moduleDigest.substring(0, 19)), "pruned to zero");
    // What a killed pull left is reclaimed when the store opens, and said so.
    Files.write(store.resolve("tmp/0123456789ab-1.part"), new byte[4321]);
    Outcome after = skiff("cache", "ls");
    assertTrue(after.err().contains("reclaimed " + Units.human(4321) + " in 1 leftovers of interrupted pulls"),
        after.err());
    try (java.util.stream.Stream<Path> tmp = Files.list(store.resolve("tmp"))) {
      assertEquals(java.util.List.of(), tmp.toList());
    }
  }

  @Test
  void pullPrintsJsonWhenAsked() throws Exception {
    TestImages.pushCncfArtifact(registry.host(), "cli/json:1", Fixtures.wasm("hello.wasm"), OciLayout::writeWasmArtifact);
    Outcome o = skiff("pull", "--json", registry.host() + "/cli/json:1");
    assertEquals(0, o.code(), o.err());
    com.fasterxml.jackson.databind.JsonNode json = Json.MAPPER.readTree(o.out());
    assertEquals("CNCF_ARTIFACT", json.path("packaging").asText());
    assertEquals(TestImages.sha256(Files.readAllBytes(Fixtures.wasm("hello.wasm"))), json.path("moduleDigest").asText());
    assertTrue(json.path("manifestDigest").asText().startsWith("sha256:"), o.out());
  }

  @Test
  void verboseShowsTheRegistryConversationWithoutSecrets() throws Exception {
    TestImages.pushCncfArtifact(registry.host(), "cli/verbose:1", Fixtures.wasm("hello.wasm"), OciLayout::writeWasmArtifact);
    Outcome o = skiff("pull", "-v", registry.host() + "/cli/verbose:1");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.err().contains("skiff: GET http://" + registry.host() + "/v2/cli/verbose/manifests/1 -> 200 ("),
        o.err());
    assertTrue(!o.err().toLowerCase(java.util.Locale.ROOT).contains("authorization"), o.err());
  }

  @Test
  void inspectReadsTheImageWithoutTheModuleUnlessAsked() throws Exception {
    TestImages.pushCncfArtifact(registry.host(), "cli/inspect:1", Fixtures.wasm("hello.wasm"), OciLayout::writeWasmArtifact);
    String ref = registry.host() + "/cli/inspect:1";
    Outcome o = skiff("inspect", ref);
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("packaging:   CNCF_ARTIFACT\n"), o.out());
    assertTrue(o.out().contains("  application/wasm  30 KiB\n"), o.out());
    assertTrue(!o.out().contains("import:"), o.out());
    String moduleDigest = TestImages.sha256(Files.readAllBytes(Fixtures.wasm("hello.wasm")));
    assertTrue(skiff("cache", "ls", "--no-trunc").out().lines().noneMatch(l -> l.startsWith("module ")),
        "inspect downloaded no module");

    Outcome m = skiff("inspect", "--module", "--json", ref);
    assertEquals(0, m.code(), m.err());
    com.fasterxml.jackson.databind.JsonNode json = Json.MAPPER.readTree(m.out()).path("module");
    assertEquals(moduleDigest, json.path("digest").asText());
    assertEquals("command", json.path("kind").asText());
    assertTrue(json.path("imports").toString().contains("{\"module\":\"wasi_snapshot_preview1\",\"name\":\"fd_write\","
        + "\"kind\":\"function\",\"type\":\"(i32, i32, i32, i32) -> (i32)\"}"), json.toString());
    assertTrue(json.path("exports").toString().contains("{\"name\":\"memory\",\"kind\":\"memory\",\"type\":null}"),
        json.toString());
    Outcome human = skiff("inspect", "--module", ref);
    assertTrue(human.out().contains("import:      wasi_snapshot_preview1.fd_write: func (i32, i32, i32, i32) -> (i32)\n"),
        human.out());
    assertTrue(human.out().contains("export:      _start: func () -> ()\n"), human.out());
    assertEquals(0, json.path("refusals").size(), json.toString());
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
    assertTrue(o.out().contains("export:      add: func (i32, i32) -> (i32)\n"), o.out());
    assertTrue(o.out().contains("kind:        reactor (no _start: call its exports with skiff run --invoke)"), o.out());

    Outcome debug = skiff("inspect", Fixtures.wasm("core/deep_trap.wasm").toString());
    assertTrue(debug.out().contains("producer:    processed-by: Debian clang 14"), debug.out());
    assertTrue(debug.out().contains("debug info:  DWARF line table"), debug.out());
    assertTrue(debug.out().contains("runnable:    yes"), debug.out());

    Outcome host = skiff("inspect", Fixtures.wasm("core/needs_host.wasm").toString());
    assertTrue(host.out().contains("refused:     skiff run provides only WASI preview1; it would not link: "
        + "host.answer, host.log_number"), host.out());
  }

  @Test
  void loginAndLogoutWriteDockersConfig(@TempDir Path config) throws Exception {
    Files.writeString(config.resolve("config.json"), "{\"auths\":{\"other.example\":{\"auth\":\"eDp5\"}},\"psFormat\":\"x\"}");
    java.io.InputStream savedIn = System.in;
    Outcome login;
    try {
      System.setIn(new java.io.ByteArrayInputStream("s3cret\n".getBytes(StandardCharsets.UTF_8)));
      login = raw("login", "--config", config.toString(), "--username", "me", "--password-stdin", "registry.example:5000");
    } finally {
      System.setIn(savedIn);
    }
    assertEquals(0, login.code(), login.err());
    assertTrue(!login.err().contains("s3cret"), login.err());
    com.fasterxml.jackson.databind.JsonNode json = Json.MAPPER.readTree(config.resolve("config.json").toFile());
    assertEquals(java.util.Base64.getEncoder().encodeToString("me:s3cret".getBytes(StandardCharsets.UTF_8)),
        json.path("auths").path("registry.example:5000").path("auth").asText());
    assertEquals("eDp5", json.path("auths").path("other.example").path("auth").asText(), "others kept");
    assertEquals("x", json.path("psFormat").asText(), "other keys kept");
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(config.resolve("config.json"))));

    Outcome logout = raw("logout", "--config", config.toString(), "registry.example:5000");
    assertEquals(0, logout.code(), logout.err());
    json = Json.MAPPER.readTree(config.resolve("config.json").toFile());
    assertTrue(json.path("auths").path("registry.example:5000").isMissingNode(), json.toString());
    assertEquals("eDp5", json.path("auths").path("other.example").path("auth").asText());

    Outcome scheme = raw("login", "--config", config.toString(), "https://ghcr.io");
    assertEquals(2, scheme.code());
    assertTrue(scheme.err().startsWith("skiff: 'https://ghcr.io': name the registry without a scheme, e.g. ghcr.io"),
        scheme.err());
  }

  @Test
  void completionScriptCoversTheCommands() {
    Outcome o = raw("completion");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("complete -F _complete_skiff"), o.out().substring(0, 200));
    assertTrue(o.out().contains("--trace-file"), "run's options are completed");
  }

  @Test
  void invokeCallsAReactorExport() {
    Outcome o = skiff("run", "--invoke", "add", Fixtures.wasm("core/calc.wasm").toString(), "40", "2");
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
    assertTrue(usage.err().contains("'sometimes' is not one of always, missing, never"), usage.err());
  }
}
