package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real distribution registry with {@code auth: token}, and a token server signing RS256 JWTs whose
 * certificate is the registry's root bundle: anonymous Bearer pulls, Basic credentials exchanged for
 * tokens, the OAuth2 refresh-token grant, the token cache, and secrets kept out of every message.
 */
class TokenAuthTest {
  static final TokenServer tokens = TokenServer.start();
  @RegisterExtension static final RegistryExtension registry = RegistryExtension.withConfig(tokens.registryYaml());
  static final Path HELLO = Fixtures.wasm("hello.wasm");
  @TempDir Path tmp;

  /** JUL records of dev.skiff.* (System.Logger's default back end), at every level. */
  static final List<String> logs = new CopyOnWriteArrayList<>();
  static final Logger skiffLogger = Logger.getLogger("dev.skiff");
  static final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      logs.add(r.getMessage() + " " + java.util.Arrays.toString(r.getParameters())
          + (r.getThrown() == null ? "" : " " + r.getThrown()));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeAll
  static void pushImagesWithATokenFromBasicCredentials(@TempDir Path dir) {
    skiffLogger.setLevel(Level.ALL);
    skiffLogger.addHandler(capture);
    try (OciClient admin = OciClient.builder().store(dir.resolve("admin"))
        .credentials(registry.host(), TokenServer.USER, TokenServer.PASSWORD).build()) {
      for (String repo : List.of("public/hello:1", "public/other:1", "private/hello:1")) {
        admin.push(HELLO, registry.host() + "/" + repo);
      }
    }
    assertTrue(tokens.calls.stream().anyMatch(c -> c.scopes().contains("repository:private/hello:pull,push")
        && c.principal().equals(TokenServer.USER) && c.status() == 200), tokens.calls.toString());
  }

  @AfterAll
  static void stopTokenServer() {
    skiffLogger.removeHandler(capture);
    tokens.close();
  }

  @BeforeEach
  void resetTokenServer() {
    tokens.calls.clear();
    tokens.expiresInSeconds = 300;
  }

  private OciClient.Builder client(String name) {
    return OciClient.builder().store(tmp.resolve(name)).retries(2, Duration.ofMillis(10), Duration.ofSeconds(10))
        .credentialEnvironment(Map.of(), tmp.resolve("home-" + name));
  }

  @Test
  void anonymousPullsGetABearerTokenForTheirScope() throws Exception {
    List<String> fetched = new CopyOnWriteArrayList<>();
    try (OciClient anon = client("anon").listener(new PullListener() {
      @Override
      public void tokenFetched(String reg, String scope) {
        fetched.add(reg + " " + scope);
      }
    }).build()) {
      PulledModule m = anon.pull(registry.host() + "/public/hello:1");
      assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
    }
    assertEquals(List.of(registry.host() + " repository:public/hello:pull"), fetched);
    assertEquals(1, tokens.calls.size(), tokens.calls.toString());
    TokenServer.Call call = tokens.calls.get(0);
    assertEquals("GET", call.method());
    assertEquals("anonymous", call.principal());
    assertFalse(call.sentAuthorization());
    assertEquals(TokenServer.SERVICE, call.service(), "the service from the registry's challenge is sent back");
  }

  @Test
  void anonymousAccessToAPrivateRepositoryIsATypedAuthenticationError() {
    try (OciClient anon = client("anon").build()) {
      AuthenticationException e = assertThrows(AuthenticationException.class,
          () -> anon.pull(registry.host() + "/private/hello:1"));
      assertEquals(401, e.status());
      assertTrue(e.getMessage().startsWith(registry.host() + "/private/hello:1: access denied (HTTP 401)"),
          e.getMessage());
    }
  }

  @Test
  void basicCredentialsGoOnlyToTheTokenServerAndTheRegistrySeesBearerTokens() throws Exception {
    try (FaultProxy proxy = new FaultProxy(registry.host());
         OciClient c = client("basic").credentials(proxy.host(), TokenServer.USER, TokenServer.PASSWORD).build()) {
      PulledModule m = c.pull(proxy.host() + "/private/hello:1");
      assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
      assertEquals(1, tokens.calls.size(), tokens.calls.toString());
      assertEquals(TokenServer.USER, tokens.calls.get(0).principal());
      assertTrue(tokens.calls.get(0).sentAuthorization());
      // Anonymous first (one 401), then Bearer only: the password never reaches the registry.
      assertTrue(proxy.requestHeads.stream().noneMatch(h -> h.contains("Basic ")), proxy.requestHeads.toString());
      long bearer = proxy.requestHeads.stream().filter(h -> h.contains("Authorization: Bearer ")).count();
      assertEquals(proxy.requestHeads.size() - 1, bearer, proxy.requestHeads.toString());
    }
  }

  @Test
  void wrongPasswordIsRefusedByTheTokenServerWithoutEchoingIt() {
    try (OciClient c = client("wrong").credentials(registry.host(), TokenServer.USER, "not-the-pass-31d").build()) {
      AuthenticationException e = assertThrows(AuthenticationException.class,
          () -> c.pull(registry.host() + "/private/hello:1"));
      assertEquals(401, e.status());
      assertTrue(e.getMessage().contains("the token server at " + tokens.realm() + " refused the credentials of user "
          + "alice from OciClient.Builder.credentials (HTTP 401)"), e.getMessage());
      assertFalse(e.getMessage().contains("not-the-pass-31d"));
      assertFalse(c.toString().contains("not-the-pass-31d"), c.toString());
    }
  }

  @Test
  void anIdentityTokenFromDockerConfigIsUsedInTheOAuth2RefreshTokenGrant() throws Exception {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(docker.resolve("config.json"), "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\""
        + java.util.Base64.getEncoder().encodeToString("alice:".getBytes()) + "\",\"identitytoken\":\""
        + TokenServer.REFRESH_TOKEN + "\"}}}");
    try (OciClient c = OciClient.builder().store(tmp.resolve("oauth"))
        .credentialEnvironment(Map.of("DOCKER_CONFIG", docker.toString()), tmp.resolve("home")).build()) {
      PulledModule m = c.pull(registry.host() + "/private/hello:1");
      assertArrayEquals(Files.readAllBytes(HELLO), m.moduleBytes());
    }
    assertEquals(1, tokens.calls.size(), tokens.calls.toString());
    TokenServer.Call call = tokens.calls.get(0);
    assertEquals("POST", call.method());
    assertEquals("refresh_token", call.grantType());
    assertEquals(TokenServer.SERVICE, call.service());
    assertEquals(List.of("repository:private/hello:pull"), call.scopes());
    assertFalse(call.sentAuthorization(), "the refresh token replaces Basic credentials");

    Files.writeString(docker.resolve("config.json"), "{\"auths\":{\"" + registry.host()
        + "\":{\"identitytoken\":\"revoked-refresh-9e1\"}}}");
    try (OciClient c = OciClient.builder().store(tmp.resolve("oauth2")).retries(1, Duration.ofMillis(10),
        Duration.ofSeconds(5)).credentialEnvironment(Map.of("DOCKER_CONFIG", docker.toString()), tmp.resolve("home"))
        .build()) {
      AuthenticationException e = assertThrows(AuthenticationException.class,
          () -> c.pull(registry.host() + "/private/hello:1"));
      assertTrue(e.getMessage().contains("refused the credentials from docker config " + docker.resolve("config.json")),
          e.getMessage());
      assertFalse(e.getMessage().contains("revoked-refresh-9e1"), e.getMessage());
    }
  }

  @Test
  void tokensAreCachedPerScopeUntilTheyExpire() throws Exception {
    tokens.expiresInSeconds = 2;
    ManualTime time = new ManualTime();
    try (OciClient c = time.on(client("cache")).pullPolicy(PullPolicy.ALWAYS).build()) {
      String a = registry.host() + "/public/hello:1";
      String b = registry.host() + "/public/other:1";
      c.pull(a);
      c.pull(a); // ALWAYS: the manifest is fetched again, with the cached token
      assertEquals(1, tokens.callsFor("repository:public/hello:pull").size(), tokens.calls.toString());
      c.pull(b);
      assertEquals(1, tokens.callsFor("repository:public/other:pull").size(), "another scope, another token");
      assertEquals(List.of("repository:public/other:pull"), tokens.calls.get(1).scopes(),
          "a token asks only for the scope it is for, not for a scope an earlier challenge named");
      assertEquals(2, tokens.calls.size());
      time.advance(Duration.ofMillis(1_900));
      c.pull(a);
      assertEquals(1, tokens.callsFor("repository:public/hello:pull").size(), "still fresh: " + tokens.calls);
      time.advance(Duration.ofMillis(200)); // 2.1 s in all: past the token's 2 s lifetime
      c.pull(a);
      assertEquals(2, tokens.callsFor("repository:public/hello:pull").size(), "an expired token is renewed: " + tokens.calls);
      assertEquals(1, tokens.callsFor("repository:public/other:pull").size());
    }
  }

  @Test
  void secretsNeverAppearInMessagesLogsOrToString() throws Exception {
    List<String> texts = new ArrayList<>();
    try (OciClient ok = client("s1").credentials(registry.host(), TokenServer.USER, TokenServer.PASSWORD).build()) {
      PulledModule m = ok.pull(registry.host() + "/private/hello:1");
      texts.add(m.toString());
      texts.add(ok.toString());
      texts.add(ok.inspect(registry.host() + "/private/hello:1").toString());
    }
    try (OciClient bad = client("s2").credentials(registry.host(), TokenServer.USER, TokenServer.PASSWORD + "x")
        .build()) {
      OciException e = assertThrows(OciException.class, () -> bad.pull(registry.host() + "/private/hello:1"));
      for (Throwable t = e; t != null; t = t.getCause()) {
        texts.add(String.valueOf(t.getMessage()));
        texts.add(t.toString());
      }
      texts.add(bad.toString());
    }
    texts.addAll(logs);
    List<String> secrets = new ArrayList<>(List.of(TokenServer.PASSWORD, TokenServer.REFRESH_TOKEN));
    assertFalse(tokens.issued.isEmpty());
    for (String token : tokens.issued) {
      secrets.add(token.substring(token.lastIndexOf('.') + 1)); // the signature part identifies a token
    }
    String basic = java.util.Base64.getEncoder().encodeToString((TokenServer.USER + ":" + TokenServer.PASSWORD)
        .getBytes());
    secrets.add(basic);
    for (String text : texts) {
      for (String secret : secrets) {
        assertFalse(text.contains(secret), "a secret leaked into: " + text);
      }
    }
  }
}
