package dev.skiff.oci.internal.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One {@code WWW-Authenticate} challenge (RFC 7235): a scheme and its parameters. */
public record Challenge(String scheme, Map<String, String> params) {
  public Challenge {
    params = Map.copyOf(params);
  }

  public String param(String name) {
    return params.get(name.toLowerCase(Locale.ROOT));
  }

  /** This challenge without its {@code scope} parameter. */
  public Challenge withoutScope() {
    Map<String, String> p = new LinkedHashMap<>(params);
    p.remove("scope");
    return new Challenge(scheme, p);
  }

  /** Parses every challenge in the given header values (a value may hold several, comma-separated). */
  public static List<Challenge> parse(List<String> headerValues) {
    List<Challenge> out = new ArrayList<>();
    for (String h : headerValues) {
      parseOne(h, out);
    }
    return out;
  }

  private static void parseOne(String s, List<Challenge> out) {
    int i = 0;
    int n = s.length();
    String scheme = null;
    Map<String, String> params = new LinkedHashMap<>();
    while (i < n) {
      while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == ',' || s.charAt(i) == '\t')) {
        i++;
      }
      int start = i;
      while (i < n && isToken(s.charAt(i))) {
        i++;
      }
      if (start == i) {
        i++; // skip a stray character
        continue;
      }
      String token = s.substring(start, i);
      int j = i;
      while (j < n && s.charAt(j) == ' ') {
        j++;
      }
      if (j < n && s.charAt(j) == '=' && scheme != null) {
        i = j + 1;
        while (i < n && s.charAt(i) == ' ') {
          i++;
        }
        String value;
        if (i < n && s.charAt(i) == '"') {
          StringBuilder sb = new StringBuilder();
          i++;
          while (i < n && s.charAt(i) != '"') {
            if (s.charAt(i) == '\\' && i + 1 < n) {
              i++;
            }
            sb.append(s.charAt(i++));
          }
          i++; // closing quote
          value = sb.toString();
        } else {
          int vs = i;
          while (i < n && s.charAt(i) != ',' && s.charAt(i) != ' ') {
            i++;
          }
          value = s.substring(vs, i);
        }
        params.put(token.toLowerCase(Locale.ROOT), value);
      } else {
        if (scheme != null) {
          out.add(new Challenge(scheme, params));
          params = new LinkedHashMap<>();
        }
        scheme = token;
      }
    }
    if (scheme != null) {
      out.add(new Challenge(scheme, params));
    }
  }

  private static boolean isToken(char c) {
    return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={} ".indexOf(c) < 0;
  }
}
