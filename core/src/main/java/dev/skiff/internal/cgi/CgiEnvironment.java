package dev.skiff.internal.cgi;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request meta-variables of RFC 3875 section 4.1, with WAGI's additions ({@code X_MATCHED_ROUTE},
 * {@code X_RAW_PATH_INFO}, {@code X_FULL_URL}), for the guest's environment.
 */
public final class CgiEnvironment {
  private CgiEnvironment() {}

  /**
   * The meta-variables of one request.
   *
   * @param route the route the handler serves (SCRIPT_NAME), "" for the root
   * @param rawPath the request path as sent, not decoded
   * @param headers the request's header fields, values of repeated fields in order
   * @param contentLength the body's length, or -1 for no body
   */
  public static Map<String, String> of(String method, String route, String rawPath, String query,
      Map<String, List<String>> headers, long contentLength, String scheme, String protocol,
      String serverName, int serverPort, String remoteAddress) {
    Map<String, String> env = new HashMap<>(32);
    String rawInfo = rawPath.startsWith(route) ? rawPath.substring(route.length()) : rawPath;
    String info = decode(rawInfo);
    env.put("GATEWAY_INTERFACE", "CGI/1.1");
    env.put("SERVER_SOFTWARE", "skiff");
    env.put("SERVER_PROTOCOL", protocol);
    env.put("SERVER_NAME", serverName);
    env.put("SERVER_PORT", Integer.toString(serverPort));
    env.put("REQUEST_METHOD", method);
    env.put("SCRIPT_NAME", route);
    env.put("PATH_INFO", info);
    env.put("PATH_TRANSLATED", info);
    env.put("QUERY_STRING", query);
    env.put("REMOTE_ADDR", remoteAddress);
    env.put("REMOTE_HOST", remoteAddress);
    env.put("X_MATCHED_ROUTE", route);
    env.put("X_RAW_PATH_INFO", rawInfo);
    env.put("X_FULL_URL", scheme + "://" + serverName + ":" + serverPort + rawPath
        + (query.isEmpty() ? "" : "?" + query));
    if (contentLength >= 0) {
      env.put("CONTENT_LENGTH", Long.toString(contentLength));
    }
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      String name = h.getKey();
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.equals("content-length") || lower.equals("proxy-authorization")) {
        continue; // CONTENT_LENGTH is the body the guest gets; proxy credentials are not its business
      }
      if (name.indexOf('_') >= 0 || !printable(name)) {
        continue; // X_Secret would pose as X-Secret once mapped to HTTP_X_SECRET
      }
      String value = String.join(", ", h.getValue());
      if (lower.equals("content-type")) {
        env.put("CONTENT_TYPE", value);
      } else {
        env.put("HTTP_" + name.toUpperCase(Locale.ROOT).replace('-', '_'), value);
      }
    }
    return env;
  }

  private static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == '=') {
        return false;
      }
    }
    return !s.isEmpty();
  }

  private static String decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    try {
      // '+' is a plus in a path, not a space as URLDecoder (made for forms) would have it
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return raw; // a stray '%': the guest still has X_RAW_PATH_INFO
    }
  }
}
