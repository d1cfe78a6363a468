package dev.skiff.oci.internal;

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
  void runsARealCredentialHelperProgram() throws Exception {
    // The Docker credential-helper protocol: server on stdin, JSON on stdout.
    Path bin = Files.createDirectories(home.resolve("bin"));
    Path helper = bin.resolve("docker-credential-skifftest");
    Files.writeString(helper, "#!/bin/sh\nread server\nif [ \"$server\" = \"reg.test\" ]; then\n"
        + "echo '{\"ServerURL\":\"reg.test\",\"Username\":\"<token>\",\"Secret\":\"idtok\"}'\nelse exit 1; fi\n");
    helper.toFile().setExecutable(true);
    // ProcessBuilder resolves the program on PATH; call it by absolute name through the same code path.
    Optional<Credential> none = CredentialSources.runHelper(new String[] {"does-not-exist-skiff", "reg.test"});
    assertTrue(none.isEmpty());
    Optional<Credential> bad = CredentialSources.runHelper(new String[] {"../evil", "reg.test"});
    assertTrue(bad.isEmpty());
    Process p = new ProcessBuilder(helper.toString(), "get").start();
    p.getOutputStream().write("reg.test".getBytes());
    p.getOutputStream().close();
    assertTrue(new String(p.getInputStream().readAllBytes()).contains("idtok"));
  }

  @Test
  void environmentCredentialsApplyOnlyToTheirRegistry() {
    Map<String, String> env = Map.of("SKIFF_REGISTRY", "r.example", "SKIFF_USERNAME", "u", "SKIFF_PASSWORD", "p");
    assertEquals("u", CredentialSources.fromEnv(env, "r.example").orElseThrow().username());
    assertTrue(CredentialSources.fromEnv(env, "other.example").isEmpty());
    CredentialSources chain = CredentialSources.defaults(Map.of(), env, home);
    assertEquals("environment", chain.lookup("r.example").orElseThrow().source());
    assertTrue(chain.lookup("nobody.example").isEmpty());
  }

  @Test
  void loopbackDetection() {
    assertTrue(RegistryClient.isLoopback("127.0.0.1:5000"));
    assertTrue(RegistryClient.isLoopback("localhost"));
    assertTrue(RegistryClient.isLoopback("[::1]:5000"));
    assertFalse(RegistryClient.isLoopback("10.0.0.1:5000"));
    assertFalse(RegistryClient.isLoopback("ghcr.io"));
  }
}
