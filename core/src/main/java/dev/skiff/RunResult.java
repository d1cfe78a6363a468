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
  private final long memoryBytes;
  private final boolean compiled;

  RunResult(int exitCode, byte[] stdout, byte[] stderr, Duration duration, long memoryBytes, boolean compiled) {
    this.exitCode = exitCode;
    this.stdout = stdout;
    this.stderr = stderr;
    this.duration = duration;
    this.memoryBytes = memoryBytes;
    this.compiled = compiled;
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

  /**
   * The guest's linear memory at exit, in bytes: its peak, since Wasm memory only grows (0 when the
   * module has no memory).
   *
   * @return the size of memory 0 when the guest finished
   */
  public long memoryBytes() {
    return memoryBytes;
  }

  /**
   * Whether the run executed compiled code (JVM bytecode) rather than Chicory's interpreter.
   *
   * @return true when the run was compiled
   */
  public boolean compiled() {
    return compiled;
  }

  @Override
  public String toString() {
    return "RunResult{exitCode=" + exitCode + ", stdout=" + stdout.length + " bytes, stderr="
        + stderr.length + " bytes, duration=" + duration + "}";
  }
}
