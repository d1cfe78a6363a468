package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.OciLayout;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The packaged command as a user runs it: the launcher script, the installed distribution, real registries. */
class CliProcessIT {
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.basicAuth("ci", "pa55word");
  @TempDir static Path installed;
  static Path bin;

  record Result(int code, String out, String err) {}

  /** Unpacks the distribution the build made and links bin/skiff from elsewhere, as an install would. */
  @BeforeAll
  static void install() throws Exception {
    Path target = Fixtures.repoRoot().resolve("cli/target");
    Path tarball;
    try (Stream<Path> s = Files.list(target)) {
      tarball = s.filter(p -> p.getFileName().toString().matches("skiff-.*-dist\\.tar\\.gz")).findFirst().orElseThrow();
    }
    Result untar = exec(List.of("tar", "xzf", tarball.toString(), "-C", installed.toString()), null, Map.of(), installed);
    assertEquals(0, untar.code(), untar.err());
    Path home;
    try (Stream<Path> s = Files.list(installed)) {
      home = s.filter(p -> p.getFileName().toString().startsWith("skiff-")).findFirst().orElseThrow();
    }
    Files.createDirectories(installed.resolve("usr/bin"));
    bin = Files.createSymbolicLink(installed.resolve("usr/bin/skiff"), home.resolve("bin/skiff"));
  }

  private static Result exec(List<String> command, String stdin, Map<String, String> env, Path dir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().putAll(env);
    Path out = Files.createTempFile("skiff-out", ".txt");
    Path err = Files.createTempFile("skiff-err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
    Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  private static Result skiff(Path work, Map<String, String> env, String stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(bin.toString()));
    command.addAll(List.of(args));
    return exec(command, stdin, env, work);
  }

  @Test
  void launcherRunsTheBundledExampleAndExitsWithTheGuestCode(@TempDir Path store) throws Exception {
    Path root = Fixtures.repoRoot();
    Result r = exec(List.of(root.resolve("cli/skiff").toString(), "run", "--store=" + store,
        "--no-background-compile", "oci:examples/hello:1.0", "--", "from-process", "--exit=5"), null, Map.of(), root);
    assertEquals(5, r.code(), r.err());
    assertTrue(r.out().contains("Hello from Wasm, world!"), r.out());
    assertTrue(r.out().contains("argv[1]=from-process"), r.out());
    try (Stream<Path> s = Files.list(store)) {
      assertTrue(s.findAny().isPresent(), "the run used the given store");
    }
  }

  @Test
  void theInstalledCommandWorksFromAnyDirectory(@TempDir Path work) throws Exception {
    Result version = skiff(work, Map.of(), null, "--version");
    assertEquals(0, version.code(), version.err());
    assertTrue(version.out().startsWith("skiff 0."), version.out());

    Result help = skiff(work, Map.of(), null, "run", "--help");
    assertEquals(0, help.code(), help.err());
    assertTrue(help.out().contains("Examples:"), help.out());

    Files.copy(Fixtures.wasm("hello.wasm"), work.resolve("hello.wasm"));
    Result run = skiff(work, Map.of(), null, "run", "--store", work.resolve("store").toString(), "hello.wasm",
        "guest-arg", "--exit=6");
    assertEquals(6, run.code(), run.err());
    assertTrue(run.out().contains("argv[1]=guest-arg\nargv[2]=--exit=6\n"), run.out());

    Result usage = skiff(work, Map.of(), null, "run", "./not-here.wasm");
    assertEquals(2, usage.code(), usage.err());
    assertTrue(usage.err().startsWith("skiff: './not-here.wasm' does not exist"), usage.err());
  }

  @Test
  void loginLetsPullAuthenticateAndLogoutTakesItBack(@TempDir Path work) throws Exception {
    TestImages.pushCncfArtifact(registry, "private/hello:1", Fixtures.wasm("hello.wasm"), OciLayout::writeWasmArtifact);
    Map<String, String> env = Map.of("DOCKER_CONFIG", work.resolve("docker").toString(), "HOME", work.toString());
    String ref = registry.host() + "/private/hello:1";
    String store = "--store=" + work.resolve("store");

    Result denied = skiff(work, env, null, "pull", store, ref);
    assertEquals(125, denied.code(), denied.out() + denied.err());

    Result login = skiff(work, env, "pa55word\n", "login", "--username", "ci", "--password-stdin", registry.host());
    assertEquals(0, login.code(), login.err());
    assertTrue(Files.readString(work.resolve("docker/config.json")).contains("\"" + registry.host() + "\""));

    Result pulled = skiff(work, env, null, "pull", store, ref);
    assertEquals(0, pulled.code(), pulled.err());
    assertEquals(TestImages.sha256(Files.readAllBytes(Fixtures.wasm("hello.wasm"))), pulled.out().trim());

    Result logout = skiff(work, env, null, "logout", registry.host());
    assertEquals(0, logout.code(), logout.err());
    Result again = skiff(work, env, null, "pull", "--pull=always", "--store=" + work.resolve("store2"), ref);
    assertEquals(125, again.code(), "logged out: " + again.out() + again.err());
  }

}
