package dev.skiff.internal.cgi;

import dev.skiff.internal.GuestInterrupts;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Collects a guest's output up to a cap. Past the cap it keeps nothing more and, when asked to, interrupts
 * the writing thread (the guest's), so that a guest writing without end is stopped at once instead of
 * running on until its timeout.
 */
public final class CappedOutput extends OutputStream {
  private final int cap;
  private final boolean stopOnOverflow;
  private byte[] buf = new byte[1024];
  private int size;
  private boolean overflowed;
  private boolean released;

  public CappedOutput(int cap, boolean stopOnOverflow) {
    this.cap = cap;
    this.stopOnOverflow = stopOnOverflow;
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    int keep = Math.min(len, cap - size);
    if (keep > 0) {
      if (size + keep > buf.length) {
        buf = Arrays.copyOf(buf, (int) Math.min(cap, Math.max(2L * buf.length, size + keep)));
      }
      System.arraycopy(b, off, buf, size, keep);
      size += keep;
    }
    if (keep < len && !overflowed) {
      overflowed = true;
      if (stopOnOverflow) {
        GuestInterrupts.interrupt(Thread.currentThread());
      }
    }
  }

  /**
   * Clears the interrupt that stopped the guest, once it has ended, if the cap was passed with
   * stopping on.
   */
  public void stopped() {
    if (overflowed && stopOnOverflow && !released) {
      released = true;
      Thread.interrupted();
      GuestInterrupts.release();
    }
  }

  /** Whether the guest wrote more than the cap. */
  public boolean overflowed() {
    return overflowed;
  }

  /** The buffer; the first {@link #size()} bytes are the output. */
  public byte[] buffer() {
    return buf;
  }

  public int size() {
    return size;
  }
}
