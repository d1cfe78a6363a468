package dev.skiff.oci.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.oci.AuthenticationException;
import dev.skiff.oci.PullListener;
import dev.skiff.oci.internal.Listeners;
import dev.skiff.oci.internal.format.Manifests;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Anonymous-first registry authentication: remembers each host's challenge, answers Basic challenges with
 * the registry's credentials, and gets Bearer tokens (with a password or an OAuth2 refresh token) per
 * scope, cached until shortly before they expire.
 */
final class Authenticator {
  private final RegistryHttp http;
  private final CredentialSources credentials;
  private final PullListener listener;
  private final RetryPolicy retry;
  private final ConcurrentHashMap<String, Challenge> challenges = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Token> tokens = new ConcurrentHashMap<>();

  /** A bearer token; {@code obtainedWith} says which credentials got it (null: anonymous), for messages. */
  private record Token(String value, Instant expires, String obtainedWith) {}

  Authenticator(RegistryHttp http, CredentialSources credentials, PullListener listener, RetryPolicy retry) {
    this.http = http;
    this.credentials = credentials;
    this.listener = listener;
    this.retry = retry;
  }

  private static String scopeKey(String host, List<String> scopes) {
    return host + " " + String.join(" ", scopes);
  }

  /** The Authorization header to send before any challenge, from what earlier challenges taught us. */
  String authorization(String host, String registry, List<String> scopes) {
    Challenge ch = challenges.get(host);
    if (ch == null) {
      return null; // anonymous first
    }
    if (ch.scheme().equalsIgnoreCase("basic")) {
      return credentials.lookup(registry).map(Credential::basicHeader).orElse(null);
    }
    Token t = tokens.get(scopeKey(host, scopes));
    if (t != null && retry.now().isBefore(t.expires())) {
      return "Bearer " + t.value();
    }
    if (ch.scheme().equalsIgnoreCase("bearer")) {
      // The remembered challenge named the scope of an earlier request: ask only for this request's scopes.
      fetchToken(host, registry, scopes, ch.withoutScope(), "token for " + registry);
      Token fresh = tokens.get(scopeKey(host, scopes));
      return fresh == null ? null : "Bearer " + fresh.value();
    }
    return null;
  }

  /** Reacts to a 401: remembers the challenge and prepares credentials; false when nothing can help. */
  boolean onChallenge(String host, String registry, List<String> scopes, List<Challenge> chs, String what) {
    Challenge bearer = null;
    Challenge basic = null;
    for (Challenge c : chs) {
      if (c.scheme().equalsIgnoreCase("bearer") && c.param("realm") != null) {
        bearer = c;
      } else if (c.scheme().equalsIgnoreCase("basic")) {
        basic = c;
      }
    }
    if (bearer != null) {
      challenges.put(host, bearer);
      tokens.remove(scopeKey(host, scopes));
      fetchToken(host, registry, scopes, bearer, what);
      return true;
    }
    if (basic != null) {
      if (credentials.lookup(registry).isEmpty()) {
        return false;
      }
      Challenge previous = challenges.put(host, basic);
      return previous == null || !previous.scheme().equalsIgnoreCase("basic");
    }
    return false;
  }

  /** Which credentials a refused request carried, for the message: never the secret. */
  String sentWith(String host, String registry, List<String> scopes, String auth) {
    if (auth == null) {
      return " to an anonymous request";
    }
    if (auth.startsWith("Bearer ")) {
      Token t = tokens.get(scopeKey(host, scopes));
      return t == null || t.obtainedWith() == null ? " with an anonymous token"
          : " with a token obtained with " + t.obtainedWith();
    }
    return credentials.lookup(registry).map(c -> " with " + describe(c)).orElse("");
  }

  /** The credentials' user and where they came from, e.g. for a wrong password. */
  static String describe(Credential c) {
    return "the credentials " + (c.username() != null && !c.username().isEmpty() ? "of user " + c.username() + " " : "")
        + "from " + c.source();
  }

  private void fetchToken(String host, String registry, List<String> scopes, Challenge ch, String what) {
    String realm = ch.param("realm");
    HttpUrl realmUrl = HttpUrl.parse(realm);
    if (realmUrl == null) {
      throw new AuthenticationException(registry, 401, List.of(), what + ": the registry's token realm \"" + realm
          + "\" is not a valid URL");
    }
    Optional<Credential> cred = credentials.lookup(registry);
    String realmHost = realmUrl.host() + (realmUrl.port() == HttpUrl.defaultPort(realmUrl.scheme()) ? "" : ":" + realmUrl.port());
    if (cred.isPresent() && !realmUrl.isHttps() && !http.isPlain(realmHost) && !http.isPlain(host)) {
      throw new AuthenticationException(registry, 401, List.of(), what + ": refusing to send credentials to the "
          + "plain-HTTP token realm " + realmUrl.scheme() + "://" + realmHost);
    }
    List<String> allScopes = new ArrayList<>(scopes);
    String challengeScope = ch.param("scope");
    if (challengeScope != null && !allScopes.contains(challengeScope)) {
      allScopes.add(challengeScope);
    }
    HttpUrl.Builder url = realmUrl.newBuilder();
    String service = ch.param("service");
    Request.Builder req = new Request.Builder();
    if (cred.isPresent() && cred.get().hasIdentityToken()) {
      // OAuth2 refresh-token grant (docker config.json "identitytoken").
      FormBody.Builder form = new FormBody.Builder().add("grant_type", "refresh_token")
          .add("refresh_token", cred.get().identityToken()).add("client_id", "skiff");
      if (service != null) {
        form.add("service", service);
      }
      form.add("scope", String.join(" ", allScopes));
      req.url(url.build()).post(form.build());
    } else {
      if (service != null) {
        url.addQueryParameter("service", service);
      }
      for (String sc : allScopes) {
        url.addQueryParameter("scope", sc);
      }
      req.url(url.build()).get();
      cred.ifPresent(c -> req.header("Authorization", c.basicHeader()));
    }
    int attempt = 0;
    while (true) {
      attempt++;
      try (Response r = http.client(realmHost).newCall(req.build()).execute()) {
        if (r.code() == 401 || r.code() == 403) {
          ErrorBody eb = ErrorBody.read(r);
          throw new AuthenticationException(registry, r.code(), eb.codes(), what + ": the token server at "
              + realmUrl.scheme() + "://" + realmHost + realmUrl.encodedPath() + " refused "
              + (cred.isPresent() ? describe(cred.get()) : "anonymous access")
              + " (HTTP " + r.code() + ")");
        }
        if ((r.code() >= 500 || r.code() == 429) && attempt < retry.maxAttempts()) {
          retry.sleep(retry.backoff(attempt, r.header("Retry-After")));
          continue;
        }
        if (!r.isSuccessful()) {
          throw new AuthenticationException(registry, r.code(), List.of(), what + ": the token server answered HTTP " + r.code());
        }
        JsonNode n = Manifests.JSON.readTree(r.body().byteStream().readNBytes(1 << 20));
        String token = n.path("token").asText(null);
        if (token == null || token.isEmpty()) {
          token = n.path("access_token").asText(null);
        }
        if (token == null || token.isEmpty()) {
          throw new AuthenticationException(registry, r.code(), List.of(), what + ": the token server's answer has no token");
        }
        long expiresIn = Math.max(n.path("expires_in").asLong(60), 1);
        // Renew a little early so a token does not expire in flight.
        Instant expires = retry.now().plusSeconds(Math.max(1, expiresIn - Math.min(10, expiresIn / 10)));
        tokens.put(scopeKey(host, scopes), new Token(token, expires, cred.map(Authenticator::describe).orElse(null)));
        Listeners.tokenFetched(listener, registry, String.join(" ", allScopes));
        return;
      } catch (IOException e) {
        if (attempt >= retry.maxAttempts() || RetryPolicy.cannotSucceed(e, realmHost)) {
          throw RetryPolicy.unreachable(registry, what + " from the token server " + realmHost, e);
        }
        retry.sleep(retry.backoff(attempt, null));
      }
    }
  }
}
