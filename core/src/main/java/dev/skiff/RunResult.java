package dev.skiff;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What a command module's run produced: its exit code, whatever was captured of its output (see
 * {@code Output.capture}), and how long it ran. A non-zero exit code is a result, not an exception.
 */
public final class RunResult {
  private final int exitCode;
  private final byte[] stdout;
  private final byte[] stderr;
  private final Duration duration;

  RunResult(int exitCode, byte[] stdout, byte[] stderr, Duration duration) {
    this.exitCode = exitCode;
    this.stdout = stdout;
    this.stderr = stderr;
    this.duration = duration;
  }

  /**
   * The guest's exit code: its {@code proc_exit} argument, or 0 when {@code _start} returned.
   *
   * @return the guest's exit code: its {@code proc_exit} argument, or 0 when {@code _start} returned
   */
  public int exitCode() {
    return exitCode;
  }

  /**
   * Captured standard output (empty unless stdout was {@code Output.capture(...)}).
   *
   * @return captured standard output (empty unless stdout was {@code Output.capture(...)})
   */
  public byte[] stdout() {
    return stdout.clone();
  }

  /**
   * Captured standard output decoded as UTF-8.
   *
   * @return captured standard output decoded as UTF-8
   */
  public String stdoutText() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  /**
   * Captured standard error (empty unless stderr was {@code Output.capture(...)}).
   *
   * @return captured standard error (empty unless stderr was {@code Output.capture(...)})
   */
  public byte[] stderr() {
    return stderr.clone();
  }

  /**
   * Captured standard error decoded as UTF-8.
   *
   * @return captured standard error decoded as UTF-8
   */
  public String stderrText() {
    return new String(stderr, StandardCharsets.UTF_8);
  }

  /**
   * Wall-clock time from instantiation to exit.
   *
   * @return wall-clock time from instantiation to exit
   */
  public Duration duration() {
    return duration;
  }

  @Override
  public String toString() {
    return "RunResult{exitCode=" + exitCode + ", stdout=" + stdout.length + " bytes, stderr="
        + stderr.length + " bytes, duration=" + duration + "}";
  }
}
