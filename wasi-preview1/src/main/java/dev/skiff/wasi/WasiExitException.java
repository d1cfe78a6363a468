package dev.skiff.wasi;

/**
 * Thrown by {@code proc_exit} so that the guest unwinds from any call depth. The embedder catches
 * it around the call of {@code _start} and reads {@link #exitCode()}.
 */
public final class WasiExitException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  /** The code the guest passed to {@code proc_exit}. */
  private final int exitCode;

  /**
   * Creates the exception for an exit code.
   *
   * @param exitCode the code the guest passed to {@code proc_exit}
   */
  public WasiExitException(int exitCode) {
    // No stack trace: this is control flow, not an error, and may be thrown often in benchmarks.
    super("guest called proc_exit(" + exitCode + ")", null, false, false);
    this.exitCode = exitCode;
  }

  /**
   * Returns the exit code.
   *
   * @return the code the guest passed to {@code proc_exit}
   */
  public int exitCode() {
    return exitCode;
  }
}
