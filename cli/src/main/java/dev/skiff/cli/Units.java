package dev.skiff.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** The one reading of sizes and durations on the command line, and their human forms in output. */
final class Units {
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?");
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

  private Units() {}

  /**
   * Bytes from {@code 0}, {@code 512k}, {@code 64m}, {@code 1.5g}, {@code 2GiB} (units are powers of 1024).
   *
   * @throws IllegalArgumentException with a message meant for a person at a terminal
   */
  static long parseSize(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size: use a number with an optional unit "
          + "k, m, g or t (powers of 1024), e.g. 512k, 64m, 1.5g");
    }
    int shift = "kmgt".indexOf(m.group(2).isEmpty() ? ' ' : m.group(2).charAt(0)) * 10 + 10;
    double bytes = Double.parseDouble(m.group(1)) * Math.pow(2, m.group(2).isEmpty() ? 0 : shift);
    if (bytes >= 0x1p63) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
    return (long) bytes;
  }

  /**
   * A duration from {@code 500ms}, {@code 5s}, {@code 1.5s}, {@code 2m}, {@code 1h}, a bare number of
   * seconds, or ISO-8601 ({@code PT5S}).
   *
   * @throws IllegalArgumentException with a message meant for a person at a terminal
   */
  static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("pt")) {
      try {
        return Duration.parse(t);
      } catch (DateTimeParseException e) {
        // fall through to the message below
      }
    }
    Matcher m = DURATION.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration: use a number with a unit "
          + "ms, s, m or h, e.g. 500ms, 5s, 1.5m, 2h (a bare number is seconds)");
    }
    double value = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    double millis = value * switch (unit) {
      case "ms" -> 1;
      case "s" -> 1_000;
      case "m" -> 60_000;
      default -> 3_600_000;
    };
    return Duration.ofNanos((long) (millis * 1_000_000));
  }

  /** 999 B, 1.5 KiB, 12.3 MiB, 1.0 GiB. */
  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[i]);
  }

  /** 850 ms, 1.25 s, 2m05s. */
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.2f s", ms / 1000.0);
    }
    return String.format(Locale.ROOT, "%dm%02ds", ms / 60_000, ms / 1000 % 60);
  }

  /** Picocli converter for size options. */
  static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return parseSize(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** Picocli converter for duration options. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return parseDuration(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
