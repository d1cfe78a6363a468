package dev.skiff.cli;

import dev.skiff.oci.PullListener;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Download progress on stderr when it is a terminal: one line per blob with a bar, speed and ETA,
 * then a summary line. Prints nothing when the process has no console (pipes, CI) or with {@code -q}.
 */
class Progress implements PullListener {
  private final PrintStream err;
  private final Map<String, Long> started = new HashMap<>();
  private final long start = System.nanoTime();
  private long lastDraw;
  private long totalBytes;
  private int blobs;

  Progress(PrintStream err) {
    this.err = err;
  }

  /** A progress display when the process has a console and not {@code quiet}, otherwise a silent listener. */
  static Progress forTerminal(boolean quiet) {
    return System.console() != null && !quiet ? new Progress(System.err) : new Progress(null);
  }

  @Override
  public synchronized void progress(String digest, long bytes, long total) {
    if (err == null) {
      return;
    }
    long now = System.nanoTime();
    Long first = started.putIfAbsent(digest, now);
    long since = first == null ? now : first;
    boolean done = total > 0 && bytes >= total;
    if (!done && now - lastDraw < 100_000_000L) {
      return;
    }
    lastDraw = now;
    err.print("\r" + line(digest, bytes, total, now - since) + "\u001b[K");
    if (done) {
      err.println();
      totalBytes += total;
      blobs++;
    }
    err.flush();
  }

  /** {@code 0123456789ab [=====     ] 1.2 MiB / 3.4 MiB  2.1 MiB/s  ETA 1s}. */
  static String line(String digest, long bytes, long total, long nanos) {
    String id = digest.startsWith("sha256:") && digest.length() > 19 ? digest.substring(7, 19) : digest;
    double seconds = nanos / 1e9;
    double rate = seconds > 0 ? bytes / seconds : 0;
    String speed = rate > 0 ? "  " + Units.human((long) rate) + "/s" : "";
    if (total <= 0) {
      return id + " " + Units.human(bytes) + speed;
    }
    int width = 24;
    int filled = (int) (width * Math.min(1.0, (double) bytes / total));
    String eta = "";
    if (bytes < total && rate > 0) {
      eta = String.format(Locale.ROOT, "  ETA %ds", (long) Math.ceil((total - bytes) / rate));
    }
    return id + " [" + "=".repeat(filled) + " ".repeat(width - filled) + "] " + Units.human(bytes) + " / "
        + Units.human(total) + speed + eta;
  }

  /** The summary line, once the pull is over, when anything was downloaded. */
  synchronized void finish() {
    if (err != null && blobs > 0) {
      double seconds = (System.nanoTime() - start) / 1e9;
      err.printf(Locale.ROOT, "pulled %d blob%s, %s in %.1f s%n", blobs, blobs == 1 ? "" : "s",
          Units.human(totalBytes), seconds);
      err.flush();
    }
  }
}
