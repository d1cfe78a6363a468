package dev.skiff.cli;

import dev.skiff.oci.PullListener;
import java.io.PrintStream;

/** A one-line download progress bar on stderr, shown only when stderr is a terminal. */
final class Progress implements PullListener {
  private final PrintStream err;
  private long lastDraw;

  private Progress(PrintStream err) {
    this.err = err;
  }

  /** A progress bar when the process has a console, otherwise a listener that prints nothing. */
  static PullListener forTerminal() {
    return System.console() != null ? new Progress(System.err) : new PullListener() { };
  }

  @Override
  public synchronized void progress(String digest, long bytes, long total) {
    long now = System.nanoTime();
    boolean done = total > 0 && bytes >= total;
    if (!done && now - lastDraw < 100_000_000L) {
      return;
    }
    lastDraw = now;
    String id = digest.length() > 19 ? digest.substring(7, 19) : digest;
    if (total > 0) {
      int width = 30;
      int filled = (int) (width * Math.min(1.0, (double) bytes / total));
      err.printf("\r%s [%s%s] %s / %s", id, "=".repeat(filled), " ".repeat(width - filled),
          human(bytes), human(total));
    } else {
      err.printf("\r%s %s", id, human(bytes));
    }
    if (done) {
      err.println();
    }
    err.flush();
  }

  private static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1 << 20) {
      return String.format("%.1f KiB", bytes / 1024.0);
    }
    return String.format("%.1f MiB", bytes / (1024.0 * 1024));
  }
}
