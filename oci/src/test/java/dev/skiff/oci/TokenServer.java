package dev.skiff.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.testsupport.TestCerts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Docker token server (distribution's {@code auth: token}) on loopback: it signs RS256 JWTs with a test
 * key whose self-signed certificate (made by the JDK's keytool) is the registry's root certificate bundle,
 * and names that certificate in the JWT header's {@code x5c}, which distribution 2.8 verifies against the
 * bundle.
 *
 * <p>Policy: anonymous callers may pull repositories under {@code public/}; {@link #USER} with
 * {@link #PASSWORD} (Basic on GET) or {@link #REFRESH_TOKEN} (OAuth2 POST, {@code grant_type=refresh_token})
 * get every action they ask for. Wrong credentials get 401.
 */
final class TokenServer implements AutoCloseable {
  static final String USER = "alice";
  static final String PASSWORD = "tok-pass-7f3a9c";
  static final String REFRESH_TOKEN = "refresh-5b8e2d41";
  static final String SERVICE = "skiff-test-registry";
  static final String ISSUER = "skiff-test-issuer";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request to the token endpoint, as the server understood it. */
  record Call(String method, String grantType, String principal, List<String> scopes, String service,
      boolean sentAuthorization, int status) {}

  final List<Call> calls = new CopyOnWriteArrayList<>();
  /** Every token issued, to check that none leaks into messages or logs. */
  final List<String> issued = new CopyOnWriteArrayList<>();
  /** Lifetime announced in {@code expires_in}. */
  volatile long expiresInSeconds = 300;

  private final Path dir;
  private final HttpServer server;
  private final PrivateKey key;
  private final X509Certificate certificate;
  private final Path bundle;

  private TokenServer(Path dir) throws Exception {
    this.dir = dir;
    TestCerts.KeyAndChain signing = TestCerts.selfSigned(dir, "token", "skiff-test-token-issuer");
    key = signing.key();
    certificate = signing.certificate();
    bundle = dir.resolve("bundle.pem");
    Files.writeString(bundle, TestCerts.certificatePem(certificate));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/token", this::handle);
    server.start();
  }

  static TokenServer start() {
    try {
      return new TokenServer(Files.createTempDirectory("skiff-token-"));
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the test token server", e);
    }
  }

  String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** The {@code auth:} section for distribution's configuration. */
  String registryYaml() {
    return "auth:\n  token:\n    realm: " + realm() + "\n    service: " + SERVICE + "\n    issuer: " + ISSUER
        + "\n    rootcertbundle: " + bundle + "\n";
  }

  List<Call> callsFor(String scope) {
    return calls.stream().filter(c -> c.scopes().contains(scope)).toList();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Map<String, List<String>> params = new java.util.LinkedHashMap<>();
      parse(ex.getRequestURI().getRawQuery(), params);
      if (ex.getRequestMethod().equals("POST")) {
        parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), params);
      }
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      String grant = first(params, "grant_type");
      List<String> scopes = new ArrayList<>();
      for (String s : params.getOrDefault("scope", List.of())) {
        scopes.addAll(List.of(s.split(" ")));
      }
      String principal = null;
      boolean denied = false;
      if ("refresh_token".equals(grant)) {
        denied = !REFRESH_TOKEN.equals(first(params, "refresh_token"));
        principal = USER;
      } else if (auth != null) {
        String expected = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD)
            .getBytes(StandardCharsets.UTF_8));
        denied = !auth.equals(expected);
        principal = USER;
      }
      if (denied) {
        calls.add(new Call(ex.getRequestMethod(), grant, "denied", scopes, first(params, "service"), auth != null, 401));
        send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"invalid credentials\"}]}");
        return;
      }
      calls.add(new Call(ex.getRequestMethod(), grant, principal == null ? "anonymous" : principal, scopes,
          first(params, "service"), auth != null, 200));
      String token = sign(principal, scopes);
      issued.add(token);
      ObjectNode body = JSON.createObjectNode();
      if (!"refresh_token".equals(grant)) {
        body.put("token", token); // Docker's token response; the OAuth2 one has only access_token
      }
      body.put("access_token", token).put("expires_in", expiresInSeconds).put("issued_at", Instant.now().toString());
      send(ex, 200, body.toString());
    } catch (Exception e) {
      send(ex, 500, "{\"error\":\"" + e.getClass().getSimpleName() + "\"}");
    }
  }

  private String sign(String principal, List<String> scopes) throws Exception {
    ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256");
    header.putArray("x5c").add(Base64.getEncoder().encodeToString(certificate.getEncoded()));
    long now = Instant.now().getEpochSecond();
    ObjectNode claims = JSON.createObjectNode().put("iss", ISSUER).put("sub", principal == null ? "" : principal)
        .put("aud", SERVICE).put("exp", now + expiresInSeconds).put("nbf", now - 1).put("iat", now)
        .put("jti", UUID.randomUUID().toString());
    ArrayNode access = claims.putArray("access");
    for (String scope : scopes) {
      String[] parts = scope.split(":");
      if (parts.length != 3 || !parts[0].equals("repository")) {
        continue;
      }
      List<String> granted = new ArrayList<>();
      for (String action : parts[2].split(",")) {
        if (principal != null || action.equals("pull") && parts[1].startsWith("public/")) {
          granted.add(action);
        }
      }
      if (!granted.isEmpty()) {
        ObjectNode entry = access.addObject().put("type", "repository").put("name", parts[1]);
        granted.forEach(entry.putArray("actions")::add);
      }
    }
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput = b64.encodeToString(JSON.writeValueAsBytes(header)) + "."
        + b64.encodeToString(JSON.writeValueAsBytes(claims));
    Signature sig = Signature.getInstance("SHA256withRSA");
    sig.initSign(key);
    sig.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + b64.encodeToString(sig.sign());
  }

  private static void parse(String query, Map<String, List<String>> into) {
    if (query == null || query.isEmpty()) {
      return;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      into.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
  }

  private static String first(Map<String, List<String>> params, String name) {
    List<String> v = params.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static void send(HttpExchange ex, int status, String body) {
    try {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status, b.length);
      ex.getResponseBody().write(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary folder left behind is harmless
    }
  }
}
