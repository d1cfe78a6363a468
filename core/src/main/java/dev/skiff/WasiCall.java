package dev.skiff;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One WASI call a guest made, decoded: paths as text, descriptors as numbers, flags by name, the errno
 * by name. Reported to a {@link WasiCallListener}; immutable.
 */
public final class WasiCall {
  private final String function;
  private final List<String> arguments;
  private final int errno;
  private final String errnoName;
  private final List<String> outputs;
  private final long nanos;
  private final Integer exitCode;

  WasiCall(String function, List<String> arguments, int errno, String errnoName, List<String> outputs,
      long nanos, Integer exitCode) {
    this.function = function;
    this.arguments = List.copyOf(arguments);
    this.errno = errno;
    this.errnoName = errnoName;
    this.outputs = List.copyOf(outputs);
    this.nanos = nanos;
    this.exitCode = exitCode;
  }

  /**
   * The function's name, e.g. {@code path_open}.
   *
   * @return the WASI function's name
   */
  public String function() {
    return function;
  }

  /**
   * The arguments as {@code name=value}, e.g. {@code fd=3}, {@code path="data/in.txt"},
   * {@code oflags=CREAT|TRUNC}; pointers the guest passes for results are left out.
   *
   * @return the decoded arguments, in order
   */
  public List<String> arguments() {
    return arguments;
  }

  /**
   * The errno the call returned: 0 for success.
   *
   * @return the WASI errno
   */
  public int errno() {
    return errno;
  }

  /**
   * The errno's name, e.g. {@code SUCCESS}, {@code NOENT}, {@code BADF}.
   *
   * @return the errno's WASI name
   */
  public String errnoName() {
    return errnoName;
  }

  /**
   * What a successful call wrote back to the guest, as {@code name=value} (e.g. {@code fd=4},
   * {@code nwritten=12}); empty after an error.
   *
   * @return the decoded results
   */
  public List<String> outputs() {
    return outputs;
  }

  /**
   * How long the host took for the call.
   *
   * @return the time spent in the host function
   */
  public Duration duration() {
    return Duration.ofNanos(nanos);
  }

  /**
   * For {@code proc_exit}, the exit code; empty for every other call.
   *
   * @return the guest's exit code, for {@code proc_exit}
   */
  public Optional<Integer> exitCode() {
    return Optional.ofNullable(exitCode);
  }

  /**
   * One line like strace's: {@code path_open(fd=3, path="a.txt", oflags=CREAT) = 0 fd=4 <12.3us>}, or
   * {@code = 44 NOENT} after an error.
   */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(function).append('(').append(String.join(", ", arguments)).append(')');
    if (exitCode != null) {
      b.append(" = exit ").append(exitCode);
    } else {
      b.append(" = ").append(errno);
      if (errno != 0) {
        b.append(' ').append(errnoName);
      }
      for (String o : outputs) {
        b.append(' ').append(o);
      }
    }
    return b.append(" <").append(micros(nanos)).append(">").toString();
  }

  private static String micros(long nanos) {
    return nanos < 10_000_000L ? String.format(java.util.Locale.ROOT, "%.1fus", nanos / 1000.0)
        : String.format(java.util.Locale.ROOT, "%.1fms", nanos / 1e6);
  }
}
