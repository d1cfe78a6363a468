package dev.skiff.oci.internal.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthPartsTest {
  @TempDir Path home;

  @Test
  void parsesChallenges() {
    List<Challenge> c = Challenge.parse(List.of(
        "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\"",
        "Basic realm=\"a, \\\"quoted\\\" realm\", Bearer realm=x,error=insufficient_scope"));
    assertEquals(3, c.size());
    assertEquals("Bearer", c.get(0).scheme());
    assertEquals("https://auth.docker.io/token", c.get(0).param("realm"));
    assertEquals("registry.docker.io", c.get(0).param("service"));
    assertEquals("repository:library/alpine:pull", c.get(0).param("scope"));
    assertEquals("Basic", c.get(1).scheme());
    assertEquals("a, \"quoted\" realm", c.get(1).param("realm"));
    assertEquals("x", c.get(2).param("realm"));
    assertEquals("insufficient_scope", c.get(2).param("ERROR"));
  }

  @Test
  void credentialToStringHidesSecrets() {
    Credential c = new Credential("alice", "s3cret-pass", null, "explicit");
    assertFalse(c.toString().contains("s3cret"));
    assertTrue(c.toString().contains("alice"));
    assertFalse(new Credential(null, null, "refresh-tok", "x").toString().contains("refresh-tok"));
  }

  @Test
  void readsDockerConfigAuthsHelpersAndStore() throws Exception {
    Path cfg = home.resolve("config.json");
    String auth = Base64.getEncoder().encodeToString("bob:pw:with:colons".getBytes());
    Files.writeString(cfg, "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + auth + "\"},"
        + "\"reg.example:5000\":{\"identitytoken\":\"refresh\"}},"
        + "\"credHelpers\":{\"ghcr.io\":\"gh\"},\"credsStore\":\"desktop\"}");
    List<String[]> helperCalls = new java.util.ArrayList<>();
    java.util.function.Function<String[], Optional<Credential>> helper = a -> {
      helperCalls.add(a);
      return a[0].equals("gh") ? Optional.of(new Credential("gh-user", "gh-secret", null, "helper")) : Optional.empty();
    };
    Credential hub = CredentialSources.dockerConfig(cfg, "docker.io", "cfg", helper).orElseThrow();
    assertEquals("bob", hub.username());
    assertEquals("pw:with:colons", hub.password());
    Credential reg = CredentialSources.dockerConfig(cfg, "reg.example:5000", "cfg", helper).orElseThrow();
    assertTrue(reg.hasIdentityToken());
    assertEquals("gh-user", CredentialSources.dockerConfig(cfg, "ghcr.io", "cfg", helper).orElseThrow().username());
    assertTrue(CredentialSources.dockerConfig(cfg, "quay.io", "cfg", helper).isEmpty());
    assertEquals(List.of("gh", "desktop"), helperCalls.stream().map(a -> a[0]).toList());
    assertEquals("quay.io", helperCalls.get(1)[1]);
  }

  @Test
  void runsARealCredentialHelperProgramFoundOnThePathGiven() throws Exception {
    // The Docker credential-helper protocol: "get" as argument, server on stdin, JSON on stdout.
    Path bin = Files.createDirectories(home.resolve("bin"));
    Path log = home.resolve("helper.log");
    Path helper = bin.resolve("docker-credential-skifftest");
    Files.writeString(helper, "#!/bin/sh\nread server\necho \"$1 $server\" >> " + log + "\n"
        + "if [ \"$server\" = \"reg.test\" ]; then\n"
        + "echo '{\"ServerURL\":\"reg.test\",\"Username\":\"<token>\",\"Secret\":\"idtok\"}'\n"
        + "elif [ \"$server\" = \"user.test\" ]; then\n"
        + "echo '{\"ServerURL\":\"user.test\",\"Username\":\"carol\",\"Secret\":\"pw-from-helper\"}'\n"
        + "else echo 'credentials not found in native keychain'; exit 1; fi\n");
    assertTrue(helper.toFile().setExecutable(true));
    String path = "/nonexistent-dir:" + bin;
    Credential token = CredentialSources.runHelper(new String[] {"skifftest", "reg.test"}, path).orElseThrow();
    assertTrue(token.hasIdentityToken());
    assertEquals("idtok", token.identityToken());
    assertEquals("the credential helper docker-credential-skifftest", token.source());
    Credential user = CredentialSources.runHelper(new String[] {"skifftest", "user.test"}, path).orElseThrow();
    assertEquals("carol", user.username());
    assertEquals("pw-from-helper", user.password());
    assertFalse(user.toString().contains("pw-from-helper"));
    assertTrue(CredentialSources.runHelper(new String[] {"skifftest", "other.test"}, path).isEmpty(), "exit 1: not mine");
    assertEquals(List.of("get reg.test", "get user.test", "get other.test"), Files.readAllLines(log));
    // Not on this PATH (it is on no other either), and names that could escape the bin folder, are refused.
    assertTrue(CredentialSources.runHelper(new String[] {"skifftest", "reg.test"}, "/nonexistent-dir").isEmpty());
    assertTrue(CredentialSources.runHelper(new String[] {"../evil", "reg.test"}, path).isEmpty());
    assertTrue(CredentialSources.runHelper(new String[] {"..", "reg.test"}, path).isEmpty());
    assertEquals(3, Files.readAllLines(log).size());
    // Through config.json's credHelpers, with the PATH taken from the environment given.
    Path docker = Files.createDirectories(home.resolve("docker"));
    Files.writeString(docker.resolve("config.json"), "{\"credHelpers\":{\"user.test\":\"skifftest\"}}");
    CredentialSources chain = CredentialSources.defaults(Map.of(),
        Map.of("DOCKER_CONFIG", docker.toString(), "PATH", path), home);
    assertEquals("carol", chain.lookup("user.test").orElseThrow().username());
    assertEquals("the credential helper docker-credential-skifftest (named in docker config "
        + docker.resolve("config.json") + ")", chain.lookup("user.test").orElseThrow().source());
    assertTrue(chain.lookup("reg.test").isEmpty(), "a helper is asked only for the registries it is configured for");
  }

  @Test
  void environmentCredentialsApplyOnlyToTheirRegistry() {
    Map<String, String> env = Map.of("SKIFF_REGISTRY", "r.example", "SKIFF_USERNAME", "u", "SKIFF_PASSWORD", "p");
    assertEquals("u", CredentialSources.fromEnv(env, "r.example").orElseThrow().username());
    assertTrue(CredentialSources.fromEnv(env, "other.example").isEmpty());
    CredentialSources chain = CredentialSources.defaults(Map.of(), env, home);
    assertEquals("the environment variables SKIFF_REGISTRY, SKIFF_USERNAME and SKIFF_PASSWORD",
        chain.lookup("r.example").orElseThrow().source());
    assertTrue(chain.lookup("nobody.example").isEmpty());
  }

  @Test
  void loopbackDetection() {
    assertTrue(RegistryHttp.isLoopback("127.0.0.1:5000"));
    assertTrue(RegistryHttp.isLoopback("localhost"));
    assertTrue(RegistryHttp.isLoopback("[::1]:5000"));
    assertFalse(RegistryHttp.isLoopback("10.0.0.1:5000"));
    assertFalse(RegistryHttp.isLoopback("ghcr.io"));
  }
}
