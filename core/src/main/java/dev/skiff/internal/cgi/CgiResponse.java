package dev.skiff.internal.cgi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses a CGI response (RFC 3875 section 6) from a guest's standard output: header lines ended by LF or
 * CRLF, a blank line, then the body. {@code Status: NNN reason} sets the status (the reason is ignored,
 * as WAGI does), a {@code Location} without a Status redirects with 302, otherwise the status is 200.
 * A header whose name is not an RFC 9110 token, or whose value holds a control character (a bare CR
 * would split it into two headers downstream), is refused; hop-by-hop and framing headers are the
 * server's to set and are dropped.
 */
public final class CgiResponse {
  /** The longest header block accepted. */
  public static final int MAX_HEADER_BYTES = 64 * 1024;
  private static final Set<String> SERVER_OWNED = Set.of("connection", "keep-alive", "transfer-encoding",
      "content-length", "upgrade", "te", "trailer", "proxy-connection");

  public final int status;
  public final List<Map.Entry<String, String>> headers;
  public final int bodyOffset;

  private CgiResponse(int status, List<Map.Entry<String, String>> headers, int bodyOffset) {
    this.status = status;
    this.headers = headers;
    this.bodyOffset = bodyOffset;
  }

  /** A response the guest's output could not be turned into; the message is the reason, for the client. */
  public static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message, null, false, false);
    }
  }

  /** Parses the first {@code length} bytes of {@code out}. */
  public static CgiResponse parse(byte[] out, int length) throws MalformedException {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    int status = -1;
    boolean location = false;
    int pos = 0;
    int limit = Math.min(length, MAX_HEADER_BYTES);
    while (true) {
      int lf = indexOf(out, (byte) '\n', pos, limit);
      if (lf < 0) {
        throw new MalformedException(length > MAX_HEADER_BYTES
            ? "malformed response: header block longer than " + MAX_HEADER_BYTES + " bytes"
            : "malformed response: no blank line ends the header block");
      }
      int end = lf > pos && out[lf - 1] == '\r' ? lf - 1 : lf;
      if (end == pos) {
        pos = lf + 1;
        break;
      }
      int colon = indexOf(out, (byte) ':', pos, end);
      if (colon <= pos) {
        throw new MalformedException("malformed response: header line without a name and colon");
      }
      String name = new String(out, pos, colon - pos, StandardCharsets.ISO_8859_1);
      if (!isToken(name)) {
        throw new MalformedException("malformed response: invalid header name");
      }
      int vs = colon + 1;
      int ve = end;
      while (vs < ve && (out[vs] == ' ' || out[vs] == '\t')) {
        vs++;
      }
      while (ve > vs && (out[ve - 1] == ' ' || out[ve - 1] == '\t')) {
        ve--;
      }
      for (int i = vs; i < ve; i++) {
        int c = out[i] & 0xff;
        if (c < 0x20 && c != '\t' || c == 0x7f) {
          throw new MalformedException("header injection refused: control character in header " + name);
        }
      }
      String value = new String(out, vs, ve - vs, StandardCharsets.ISO_8859_1);
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.equals("status")) {
        status = status(value);
      } else if (!SERVER_OWNED.contains(lower)) {
        location |= lower.equals("location");
        headers.add(Map.entry(name, value));
      }
      pos = lf + 1;
    }
    if (status < 0) {
      status = location ? 302 : 200;
    }
    return new CgiResponse(status, List.copyOf(headers), pos);
  }

  private static int status(String value) throws MalformedException {
    if (value.length() >= 3 && (value.length() == 3 || value.charAt(3) == ' ')) {
      try {
        int code = Integer.parseInt(value.substring(0, 3));
        if (code >= 200 && code <= 599) {
          return code;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new MalformedException("malformed response: Status must be a code from 200 to 599");
  }

  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] b, byte v, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == v) {
        return i;
      }
    }
    return -1;
  }
}
