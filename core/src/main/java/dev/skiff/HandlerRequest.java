package dev.skiff;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One HTTP request for a {@link WasmHandler}, independent of any server library: method, path, query,
 * header fields and the body as a stream, which the handler reads (at most its limit) and never closes.
 *
 * <pre>{@code
 * HandlerRequest req = HandlerRequest.builder("POST", "/api/echo/x")
 *     .query("a=1").header("Content-Type", "text/plain")
 *     .body(inputStream, 5).remoteAddress("127.0.0.1").build();
 * }</pre>
 */
public final class HandlerRequest {
  private static final InputStream EMPTY = InputStream.nullInputStream();

  private final String method;
  private final String path;
  private final String query;
  private final Map<String, List<String>> headers;
  private final InputStream body;
  private final long contentLength;
  private final String scheme;
  private final String protocol;
  private final String serverName;
  private final int serverPort;
  private final String remoteAddress;

  private HandlerRequest(Builder b) {
    this.method = b.method;
    this.path = b.path;
    this.query = b.query;
    TreeMap<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    b.headers.forEach((k, v) -> h.put(k, List.copyOf(v)));
    this.headers = Collections.unmodifiableMap(h);
    this.body = b.body;
    this.contentLength = b.contentLength;
    this.scheme = b.scheme;
    this.protocol = b.protocol;
    this.serverName = b.serverName;
    this.serverPort = b.serverPort;
    this.remoteAddress = b.remoteAddress;
  }

  /**
   * A builder for a request.
   *
   * @param method the HTTP method, such as {@code GET}
   * @param path the request path as sent (not decoded), starting with {@code /}
   * @return a new builder
   */
  public static Builder builder(String method, String path) {
    return new Builder(method, path);
  }

  /**
   * The HTTP method.
   *
   * @return the HTTP method
   */
  public String method() {
    return method;
  }

  /**
   * The path as sent, not decoded.
   *
   * @return the path as sent, not decoded
   */
  public String path() {
    return path;
  }

  /**
   * The query string without {@code ?}, empty when there is none.
   *
   * @return the query string without {@code ?}, empty when there is none
   */
  public String query() {
    return query;
  }

  /**
   * Header fields by name (case-insensitive), each with its values in order.
   *
   * @return header fields by name (case-insensitive), each with its values in order
   */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /**
   * The body stream (empty when none was given).
   *
   * @return the body stream
   */
  public InputStream body() {
    return body;
  }

  /**
   * The body's declared length, or -1 when unknown (chunked) or absent.
   *
   * @return the body's declared length, or -1
   */
  public long contentLength() {
    return contentLength;
  }

  /**
   * {@code http} or {@code https}.
   *
   * @return {@code http} or {@code https}
   */
  public String scheme() {
    return scheme;
  }

  /**
   * The protocol, such as {@code HTTP/1.1}.
   *
   * @return the protocol
   */
  public String protocol() {
    return protocol;
  }

  /**
   * The server's name as the client addressed it.
   *
   * @return the server's name
   */
  public String serverName() {
    return serverName;
  }

  /**
   * The server's port.
   *
   * @return the server's port
   */
  public int serverPort() {
    return serverPort;
  }

  /**
   * The client's address.
   *
   * @return the client's address
   */
  public String remoteAddress() {
    return remoteAddress;
  }

  @Override
  public String toString() {
    return "HandlerRequest{" + method + " " + path + (query.isEmpty() ? "" : "?...") + "}";
  }

  /** Builds a {@link HandlerRequest}. */
  public static final class Builder {
    private final String method;
    private final String path;
    private String query = "";
    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private InputStream body = EMPTY;
    private long contentLength = -1;
    private String scheme = "http";
    private String protocol = "HTTP/1.1";
    private String serverName = "localhost";
    private int serverPort = 80;
    private String remoteAddress = "";

    private Builder(String method, String path) {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(path, "path");
      if (method.isEmpty() || !method.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
        throw new IllegalArgumentException("Invalid HTTP method: '" + method + "'");
      }
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("The path must start with '/': '" + path + "'");
      }
      this.method = method;
      this.path = path;
    }

    /**
     * The query string, without {@code ?}; null means none.
     *
     * @param query the raw query string
     * @return this builder
     */
    public Builder query(String query) {
      this.query = query == null ? "" : query;
      return this;
    }

    /**
     * Adds one value of a header field.
     *
     * @param name the field name
     * @param value the value
     * @return this builder
     */
    public Builder header(String name, String value) {
      headers.computeIfAbsent(Objects.requireNonNull(name, "name"), k -> new ArrayList<>())
          .add(Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * The body and its declared length (-1 when unknown); the handler reads at most its limit of it.
     *
     * @param body the body stream, not closed by the handler
     * @param contentLength the declared length, or -1
     * @return this builder
     */
    public Builder body(InputStream body, long contentLength) {
      if (contentLength < -1) {
        throw new IllegalArgumentException("contentLength must be -1 or more: " + contentLength);
      }
      this.body = Objects.requireNonNull(body, "body");
      this.contentLength = contentLength;
      return this;
    }

    /**
     * {@code http} (default) or {@code https}.
     *
     * @param scheme the scheme
     * @return this builder
     */
    public Builder scheme(String scheme) {
      this.scheme = Objects.requireNonNull(scheme, "scheme");
      return this;
    }

    /**
     * The protocol (default {@code HTTP/1.1}).
     *
     * @param protocol the protocol
     * @return this builder
     */
    public Builder protocol(String protocol) {
      this.protocol = Objects.requireNonNull(protocol, "protocol");
      return this;
    }

    /**
     * The server's name and port as the client addressed them (default {@code localhost:80}).
     *
     * @param name the host name
     * @param port the port
     * @return this builder
     */
    public Builder server(String name, int port) {
      this.serverName = Objects.requireNonNull(name, "name");
      this.serverPort = port;
      return this;
    }

    /**
     * The client's address.
     *
     * @param address the address
     * @return this builder
     */
    public Builder remoteAddress(String address) {
      this.remoteAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * The immutable request.
     *
     * @return the request
     */
    public HandlerRequest build() {
      return new HandlerRequest(this);
    }
  }
}
