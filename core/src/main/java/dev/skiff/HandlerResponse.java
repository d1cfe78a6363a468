package dev.skiff;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link WasmHandler} answers: a status, header fields and a body, either the guest's (parsed
 * from its CGI output) or Skiff's own short error when the guest failed ({@link #failure()}).
 */
public final class HandlerResponse {
  private final int status;
  private final List<Map.Entry<String, String>> headers;
  private final byte[] buffer;
  private final int bodyOffset;
  private final int bodyLength;
  private final String failure;
  private final Duration duration;

  HandlerResponse(int status, List<Map.Entry<String, String>> headers, byte[] buffer, int bodyOffset,
      int bodyLength, String failure, Duration duration) {
    this.status = status;
    this.headers = headers;
    this.buffer = buffer;
    this.bodyOffset = bodyOffset;
    this.bodyLength = bodyLength;
    this.failure = failure;
    this.duration = duration;
  }

  static HandlerResponse error(int status, String reason, Duration duration) {
    byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
    return new HandlerResponse(status, List.of(Map.entry("Content-Type", "text/plain; charset=utf-8")),
        body, 0, body.length, reason, duration);
  }

  /**
   * The HTTP status code.
   *
   * @return the HTTP status code
   */
  public int status() {
    return status;
  }

  /**
   * The header fields in the guest's order; never hop-by-hop ones nor {@code Content-Length}, which the
   * server sets from {@link #bodyLength()}.
   *
   * @return the header fields as name-value pairs
   */
  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  /**
   * The first value of a header field (case-insensitive name).
   *
   * @param name the field name
   * @return its first value, if any
   */
  public Optional<String> header(String name) {
    return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst();
  }

  /**
   * The body's length in bytes.
   *
   * @return the body's length in bytes
   */
  public int bodyLength() {
    return bodyLength;
  }

  /**
   * A copy of the body.
   *
   * @return a copy of the body
   */
  public byte[] body() {
    byte[] b = new byte[bodyLength];
    System.arraycopy(buffer, bodyOffset, b, 0, bodyLength);
    return b;
  }

  /**
   * The body decoded as UTF-8.
   *
   * @return the body decoded as UTF-8
   */
  public String bodyText() {
    return new String(buffer, bodyOffset, bodyLength, StandardCharsets.UTF_8);
  }

  /**
   * Writes the body to {@code out} without a copy; does not close it.
   *
   * @param out where the body goes
   * @throws IOException if writing fails
   */
  public void writeBody(OutputStream out) throws IOException {
    out.write(buffer, bodyOffset, bodyLength);
  }

  /**
   * Why Skiff answered instead of the guest (a trap, a timeout, a malformed or too large response, a
   * request over the limit); empty when the response is the guest's.
   *
   * @return the short reason, if Skiff answered
   */
  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * Time from the start of handling to the response.
   *
   * @return time from the start of handling to the response
   */
  public Duration duration() {
    return duration;
  }

  @Override
  public String toString() {
    return "HandlerResponse{" + status + ", " + bodyLength + " bytes"
        + (failure == null ? "" : ", failure=" + failure) + "}";
  }
}
