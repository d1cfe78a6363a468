package dev.skiff.wasi.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The outbound allow-list: which hosts and ports a guest may resolve and connect to, in the model of
 * Spin's {@code allowed_outbound_hosts}. Nothing is allowed unless listed. A pattern is
 * {@code [scheme://]HOST:PORT}: HOST is a name ({@code redis.internal}), a subdomain wildcard
 * ({@code *.example.com}), an IP literal ({@code 10.0.0.7}, {@code [::1]}) or {@code *}; PORT is a
 * number, a range {@code 8000-8099} or {@code *}. Loopback is never implied: {@code *} and wildcards
 * match no loopback or any-address (0.0.0.0, ::, which reach loopback), IPv4-mapped or not; only a pattern naming {@code localhost}, a loopback IP or a name that
 * resolves to one reaches the host's own services.
 *
 * <p>Names go through the same list: {@link #mayResolve} admits a name only if a pattern matches it,
 * and the addresses it resolves to are remembered so that {@link #mayConnect} admits them for the
 * ports of the patterns that matched the name. Not thread-safe: one per WASI instance.
 */
public final class OutboundPolicy {
  private static final System.Logger LOG = System.getLogger("dev.skiff.wasi.network");

  /** One parsed pattern. */
  record Pattern(String text, String host, boolean wildcardHost, String suffix, InetAddress ip,
      int portFrom, int portTo) {
    boolean portMatches(int port) {
      return port >= portFrom && port <= portTo;
    }

    boolean nameMatches(String name) {
      if (wildcardHost) {
        return true;
      }
      if (suffix != null) {
        return name.endsWith(suffix) && name.length() > suffix.length();
      }
      return ip == null && host.equals(name);
    }
  }

  private final List<Pattern> patterns;
  /** Addresses resolved from allowed names, each with the patterns whose name matched. */
  private final Map<InetAddress, Set<Pattern>> resolved = new HashMap<>();

  private OutboundPolicy(List<Pattern> patterns) {
    this.patterns = patterns;
  }

  /** The empty list: every outbound attempt is refused. */
  public static OutboundPolicy denyAll() {
    return new OutboundPolicy(List.of());
  }

  /**
   * Parses the patterns; see the class comment for their form.
   *
   * @throws IllegalArgumentException naming the first pattern that is not of that form
   */
  public static OutboundPolicy of(List<String> patterns) {
    List<Pattern> parsed = new ArrayList<>();
    for (String p : patterns) {
      parsed.add(parse(p));
    }
    return new OutboundPolicy(List.copyOf(parsed));
  }

  /**
   * Checks one pattern's form.
   *
   * @throws IllegalArgumentException if it is not {@code [scheme://]HOST:PORT}
   */
  public static void validate(String pattern) {
    parse(pattern);
  }

  private static Pattern parse(String text) {
    String t = text.trim();
    int scheme = t.indexOf("://");
    if (scheme >= 0) {
      t = t.substring(scheme + 3);
    }
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw bad(text, "it needs HOST:PORT");
    }
    String host = t.substring(0, colon).toLowerCase(Locale.ROOT);
    String port = t.substring(colon + 1);
    int from;
    int to;
    try {
      if (port.equals("*")) {
        from = 0;
        to = 65535;
      } else if (port.indexOf('-') > 0) {
        from = Integer.parseInt(port.substring(0, port.indexOf('-')));
        to = Integer.parseInt(port.substring(port.indexOf('-') + 1));
      } else {
        from = to = Integer.parseInt(port);
      }
    } catch (NumberFormatException e) {
      throw bad(text, "the port must be a number, a range N-M or *");
    }
    if (from < 0 || to > 65535 || from > to) {
      throw bad(text, "ports run from 0 to 65535");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.equals("*")) {
      return new Pattern(text, host, true, null, null, from, to);
    }
    if (host.startsWith("*.")) {
      return new Pattern(text, host, false, host.substring(1), null, from, to);
    }
    if (host.isEmpty() || host.contains("*") || host.contains("/")) {
      throw bad(text, "the host must be a name, *.domain, an IP address or *");
    }
    InetAddress ip = literal(host);
    return new Pattern(text, host, false, null, ip, from, to);
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("outbound pattern '" + text + "': " + why
        + " (e.g. redis.internal:6379, *.example.com:443, 127.0.0.1:8000-8099)");
  }

  /**
   * Parses an IP literal without any name lookup; null if {@code host} is not one. IPv4 is a dotted
   * quad of decimal numbers only: anything else made of digits and dots ({@code 1.2.3.4.5}) is a
   * name, which {@link InetAddress#getByName} would look up.
   */
  static InetAddress literal(String host) {
    if (host.indexOf(':') >= 0) {
      boolean v6 = host.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
      try {
        return v6 ? InetAddress.getByName("[" + host + "]") : null; // bracketed: a literal or an error
      } catch (java.net.UnknownHostException e) {
        return null;
      }
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] b = new byte[4];
    for (int k = 0; k < 4; k++) {
      String p = parts[k];
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
          || p.length() > 1 && p.charAt(0) == '0') {
        return null; // a leading zero is octal to inet_aton: no literal we could read the same way
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return null;
      }
      b[k] = (byte) v;
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (java.net.UnknownHostException e) {
      return null; // cannot happen for four bytes
    }
  }

  /** Parses an IP literal without any name lookup, for callers outside this package; null if not one. */
  public static InetAddress literalAddress(String host) {
    return literal(host);
  }

  /** Whether no pattern is listed. */
  public boolean isEmpty() {
    return patterns.isEmpty();
  }

  /**
   * Whether the guest may resolve {@code name} (lower-cased, no trailing dot); logs a refusal.
   */
  public boolean mayResolve(String name) {
    for (Pattern p : patterns) {
      if (p.nameMatches(name)) {
        return true;
      }
    }
    refuse("resolving '" + name + "'");
    return false;
  }

  /**
   * Keeps the addresses {@code name} resolved to, for the patterns that admit the name; returns the
   * ones a connection could reach (wildcards never reach loopback).
   */
  public List<InetAddress> resolved(String name, InetAddress[] addresses) {
    List<InetAddress> usable = new ArrayList<>();
    for (InetAddress a : addresses) {
      Set<Pattern> admitting = new HashSet<>();
      for (Pattern p : patterns) {
        if (p.nameMatches(name) && (!local(a) || !p.wildcardHost && p.suffix == null)) {
          admitting.add(p);
        }
      }
      if (!admitting.isEmpty()) {
        resolved.computeIfAbsent(normal(a), k -> new HashSet<>()).addAll(admitting);
        usable.add(a);
      }
    }
    if (usable.isEmpty() && addresses.length > 0) {
      refuse("reaching '" + name + "', which resolves only to loopback or the any-address: a wildcard"
          + " never includes them");
    }
    return usable;
  }

  /** Whether the guest may connect to {@code address:port}; logs a refusal. */
  public boolean mayConnect(InetAddress address, int port) {
    InetAddress a = normal(address);
    for (Pattern p : patterns) {
      if (!p.portMatches(port)) {
        continue;
      }
      if (p.ip != null && normal(p.ip).equals(a)) {
        return true;
      }
      if (p.wildcardHost && !local(a)) {
        return true;
      }
      if (p.ip == null && !p.wildcardHost && p.suffix == null && p.host.equals("localhost")
          && a.isLoopbackAddress()) {
        return true;
      }
    }
    Set<Pattern> viaName = resolved.get(a);
    if (viaName != null) {
      for (Pattern p : viaName) {
        if (p.portMatches(port)) {
          return true;
        }
      }
    }
    refuse("connecting to " + (address instanceof Inet6Address ? "[" + address.getHostAddress() + "]"
        : address.getHostAddress()) + ":" + port);
    return false;
  }

  /**
   * Whether {@code a} reaches the host's own services: loopback, or the any-address (connecting to
   * 0.0.0.0 or :: lands on loopback on Linux), also when IPv4-mapped.
   */
  private static boolean local(InetAddress a) {
    InetAddress n = normal(a);
    return n.isLoopbackAddress() || n.isAnyLocalAddress();
  }

  /** IPv4-mapped IPv6 addresses compare as the IPv4 address they carry. */
  private static InetAddress normal(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 16) {
      boolean mapped = b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
      for (int i = 0; i < 10 && mapped; i++) {
        mapped = b[i] == 0;
      }
      if (mapped) {
        try {
          return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
        } catch (java.net.UnknownHostException e) {
          return a;
        }
      }
    }
    return a;
  }

  private void refuse(String what) {
    LOG.log(System.Logger.Level.WARNING, () -> "Refused the guest " + what
        + ": not in the outbound allow-list " + describe() + "; grant it with --allow-outbound HOST:PORT"
        + " (Runner.allowOutbound).");
  }

  private String describe() {
    List<String> texts = new ArrayList<>();
    for (Pattern p : patterns) {
      texts.add(p.text());
    }
    return texts.toString();
  }
}
