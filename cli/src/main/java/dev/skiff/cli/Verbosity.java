package dev.skiff.cli;

import java.io.PrintWriter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code -v} and {@code -q}, shared by every command. {@code -v} shows Skiff's {@link System.Logger}
 * messages at DEBUG (registry requests, compile times; never credentials) on stderr; {@code -q} keeps
 * stderr to errors.
 */
final class Verbosity {
  /** Held so the JDK's logger registry keeps our level; it only references loggers weakly. */
  private static final Logger SKIFF = Logger.getLogger("dev.skiff");
  private static Handler handler;

  @CommandLine.Spec(CommandLine.Spec.Target.MIXEE) CommandLine.Model.CommandSpec mixee;

  @Option(names = {"-v", "--verbose"}, description = "Show what Skiff does on stderr: registry requests, "
      + "cache use, compile times; for run, a summary at exit.")
  boolean verbose;

  @Option(names = {"-q", "--quiet"}, description = "Only errors on stderr: no progress, no notes.")
  boolean quiet;

  /** Routes Skiff's loggers to stderr at DEBUG when {@code -v} was given; otherwise warnings only. */
  void apply() {
    if (verbose && quiet) {
      throw new CommandLine.ParameterException(mixee.commandLine(), "-v and -q cannot be used together");
    }
    PrintWriter err = mixee.commandLine().getErr();
    synchronized (Verbosity.class) {
      if (handler != null) {
        SKIFF.removeHandler(handler);
      }
      handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
          if (isLoggable(r)) {
            err.println("skiff: " + (r.getLevel().intValue() >= Level.WARNING.intValue() ? "warning: " : "")
                + getFormatter().formatMessage(r));
            err.flush();
          }
        }

        @Override
        public void flush() {
          err.flush();
        }

        @Override
        public void close() {
          // the writer belongs to the command line
        }
      };
      handler.setFormatter(new Formatter() {
        @Override
        public String format(LogRecord r) {
          return formatMessage(r);
        }
      });
      Level level = verbose ? Level.FINE : quiet ? Level.SEVERE : Level.WARNING;
      handler.setLevel(level);
      SKIFF.setLevel(level);
      SKIFF.setUseParentHandlers(false);
      SKIFF.addHandler(handler);
    }
  }

  /** A note for the user on stderr, unless {@code -q}. */
  void note(String message) {
    if (!quiet) {
      mixee.commandLine().getErr().println(message);
      mixee.commandLine().getErr().flush();
    }
  }

  /** Detail shown only with {@code -v}. */
  void detail(String message) {
    if (verbose) {
      mixee.commandLine().getErr().println("skiff: " + message);
      mixee.commandLine().getErr().flush();
    }
  }
}
