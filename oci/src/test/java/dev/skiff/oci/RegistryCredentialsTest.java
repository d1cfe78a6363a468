package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials from a real docker-credential helper program and from podman's auth.json, against a real
 * registry with Basic auth; and a blob redirect to another host that must not receive them.
 */
class RegistryCredentialsTest {
  static final String USER = "bob";
  static final String PASSWORD = "helper-pass-62c1";
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.basicAuth(USER, PASSWORD);
  static final Path HELLO = Fixtures.wasm("hello.wasm");
  @TempDir Path tmp;

  @BeforeAll
  static void push() {
    TestImages.pushCncfArtifact(registry, "creds/hello:1", HELLO, OciLayout::writeWasmArtifact);
  }

  private static String basic(String user, String password) {
    return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private OciClient client(String name, Map<String, String> env) {
    return OciClient.builder().store(tmp.resolve(name)).credentialEnvironment(env, tmp.resolve("home")).build();
  }

  @Test
  void aDockerCredentialHelperOnThePathIsRunForItsRegistry() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path log = tmp.resolve("helper.log");
    Path helper = bin.resolve("docker-credential-skifftest");
    Files.writeString(helper, "#!/bin/sh\nread server\necho \"$1 $server\" >> " + log + "\n"
        + "if [ \"$server\" = \"" + registry.host() + "\" ]; then\n"
        + "  printf '{\"ServerURL\":\"%s\",\"Username\":\"" + USER + "\",\"Secret\":\"" + PASSWORD + "\"}' \"$server\"\n"
        + "else echo 'credentials not found in native keychain'; exit 1; fi\n");
    assertTrue(helper.toFile().setExecutable(true));
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(docker.resolve("config.json"), "{\"credHelpers\":{\"" + registry.host() + "\":\"skifftest\"}}");
    Map<String, String> env = Map.of("DOCKER_CONFIG", docker.toString(), "PATH", "/usr/bin:/bin:" + bin);
    try (OciClient c = client("helper", env)) {
      PulledModule m = c.pull(registry.host() + "/creds/hello:1");
      assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
    }
    assertTrue(Files.readAllLines(log).contains("get " + registry.host()), Files.readString(log));

    // credsStore: the same helper as the default store; it says "not mine" for this registry, so the pull fails.
    Files.writeString(log, "");
    Files.writeString(docker.resolve("config.json"), "{\"credsStore\":\"skifftest\"}");
    String other = registry.host().replace("127.0.0.1", "localhost");
    try (OciClient c = client("store", env)) {
      AuthenticationException e = assertThrows(AuthenticationException.class, () -> c.pull(other + "/creds/hello:1"));
      assertEquals(401, e.status());
      assertFalse(e.getMessage().contains(PASSWORD));
    }
    assertTrue(Files.readAllLines(log).contains("get " + other), Files.readString(log));
    // Without the helper on the PATH there are no credentials, and nothing else is run.
    Files.writeString(docker.resolve("config.json"), "{\"credHelpers\":{\"" + registry.host() + "\":\"skifftest\"}}");
    try (OciClient c = client("nopath", Map.of("DOCKER_CONFIG", docker.toString(), "PATH", "/usr/bin:/bin"))) {
      assertThrows(AuthenticationException.class, () -> c.pull(registry.host() + "/creds/hello:1"));
    }
  }

  @Test
  void podmanAuthJsonFromRegistryAuthFileAndXdgRuntimeDir() throws Exception {
    Path authFile = tmp.resolve("auth.json");
    Files.writeString(authFile, "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + basic(USER, PASSWORD) + "\"}}}");
    try (OciClient c = client("podman", Map.of("REGISTRY_AUTH_FILE", authFile.toString()))) {
      assertArrayEquals(Files.readAllBytes(HELLO), c.pull(registry.host() + "/creds/hello:1").moduleBytes());
    }
    Path runtime = Files.createDirectories(tmp.resolve("run/containers"));
    Files.copy(authFile, runtime.resolve("auth.json"));
    try (OciClient c = client("xdg", Map.of("XDG_RUNTIME_DIR", tmp.resolve("run").toString()))) {
      assertArrayEquals(Files.readAllBytes(HELLO), c.pull(registry.host() + "/creds/hello:1").moduleBytes());
    }
    Files.writeString(authFile, "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + basic(USER, "wrong-pw-4a")
        + "\"}}}");
    try (OciClient c = client("podman-bad", Map.of("REGISTRY_AUTH_FILE", authFile.toString()))) {
      AuthenticationException e = assertThrows(AuthenticationException.class,
          () -> c.pull(registry.host() + "/creds/hello:1"));
      assertFalse(e.getMessage().contains("wrong-pw-4a"), e.getMessage());
      assertTrue(e.getMessage().contains("access denied (HTTP 401) with the credentials of user " + USER
          + " from podman auth " + authFile), e.getMessage());
    }
  }

  @Test
  void aBlobRedirectToAnotherHostDoesNotCarryTheAuthorizationHeader() throws Exception {
    try (Redirector r = new Redirector(registry.baseUrl(), "Basic " + basic(USER, PASSWORD));
         OciClient c = OciClient.builder().store(tmp.resolve("redirect")).credentials(r.host(), USER, PASSWORD)
             .build()) {
      PulledModule m = c.pull(r.host() + "/creds/hello:1");
      assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
      assertEquals(List.of("Basic " + basic(USER, PASSWORD), "Basic " + basic(USER, PASSWORD)),
          r.frontBlobAuthorizations, "config and module blobs were asked for with credentials, then redirected");
      assertEquals(List.of("none", "none"), r.storageAuthorizations, "the other host never saw the credentials");
    }
  }
}
