package dev.skiff.oci;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A reverse proxy on 127.0.0.1 in front of a registry that answers blob GETs with a 307 to a "storage"
 * server on another address (127.0.0.2), as registries backed by object stores do. The storage server
 * records the Authorization header of every request it gets and serves the blob from the registry.
 */
final class Redirector implements AutoCloseable {
  private static final List<String> FORWARDED = List.of("Authorization", "Accept", "Range");
  private static final List<String> RETURNED = List.of("Content-Type", "Docker-Content-Digest", "WWW-Authenticate",
      "Content-Range", "Docker-Distribution-Api-Version");
  private final String upstream;
  private final String upstreamAuthorization;
  private final HttpServer front;
  private final HttpServer storage;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  /** Authorization headers the front saw on blob GETs ("none" when absent). */
  final List<String> frontBlobAuthorizations = new CopyOnWriteArrayList<>();
  /** Authorization headers the storage host saw ("none" when absent). */
  final List<String> storageAuthorizations = new CopyOnWriteArrayList<>();

  /**
   * @param upstream the registry's base URL
   * @param upstreamAuthorization what the storage server sends to fetch blobs from the registry
   */
  Redirector(String upstream, String upstreamAuthorization) throws IOException {
    this.upstream = upstream;
    this.upstreamAuthorization = upstreamAuthorization;
    front = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    storage = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), 16);
    front.createContext("/", this::front);
    storage.createContext("/", this::storage);
    front.start();
    storage.start();
  }

  String host() {
    return "127.0.0.1:" + front.getAddress().getPort();
  }

  String storageHost() {
    return "127.0.0.2:" + storage.getAddress().getPort();
  }

  private void front(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      if (ex.getRequestMethod().equals("GET") && path.contains("/blobs/sha256:")
          && ex.getRequestHeaders().getFirst("Authorization") != null) {
        frontBlobAuthorizations.add(ex.getRequestHeaders().getFirst("Authorization"));
        ex.getResponseHeaders().set("Location", "http://" + storageHost() + path + "?X-Signature=test");
        ex.sendResponseHeaders(307, -1);
        return;
      }
      relay(ex, upstream + path + (ex.getRequestURI().getRawQuery() == null ? "" : "?"
          + ex.getRequestURI().getRawQuery()), true);
    }
  }

  private void storage(HttpExchange ex) throws IOException {
    try (ex) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      storageAuthorizations.add(auth == null ? "none" : auth);
      if (auth != null) {
        ex.sendResponseHeaders(400, -1); // object stores reject a second authentication scheme
        return;
      }
      relay(ex, upstream + ex.getRequestURI().getRawPath(), false);
    }
  }

  private void relay(HttpExchange ex, String url, boolean forwardAuthorization) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(ex.getRequestBody().readAllBytes()));
    for (String h : FORWARDED) {
      String v = ex.getRequestHeaders().getFirst(h);
      if (v != null && (forwardAuthorization || !h.equals("Authorization"))) {
        b.header(h, v);
      }
    }
    if (!forwardAuthorization) {
      b.header("Authorization", upstreamAuthorization);
    }
    try {
      HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      for (String h : RETURNED) {
        for (String v : r.headers().allValues(h)) {
          ex.getResponseHeaders().add(h, v);
        }
      }
      long length = r.headers().firstValueAsLong("Content-Length").orElse(0);
      boolean noBody = ex.getRequestMethod().equals("HEAD") || length == 0;
      ex.sendResponseHeaders(r.statusCode(), noBody ? -1 : length);
      try (InputStream in = r.body(); OutputStream out = ex.getResponseBody()) {
        if (!noBody) {
          in.transferTo(out);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() {
    front.stop(0);
    storage.stop(0);
  }
}
