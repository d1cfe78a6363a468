package dev.skiff.wasi.internal;

import com.dylibso.chicory.runtime.Memory;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Bounds-checked access to the guest's linear memory. Every pointer from the guest goes through
 * {@link #check}, so a bad pointer becomes EFAULT instead of a Java exception.
 */
final class Guest {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  Memory memory;
  /** The same memory when it is ours, whose windows spare the copy through a host buffer. */
  private FlatMemory flat;

  /** Binds the memory of the calling instance; null (a module without memory) makes every access EFAULT. */
  void bind(Memory memory) {
    this.memory = memory;
    this.flat = memory instanceof FlatMemory ? (FlatMemory) memory : null;
  }

  long size() {
    return memory == null ? 0 : (long) memory.pages() * Memory.PAGE_SIZE;
  }

  void check(int addr, long len) {
    if (len < 0 || (addr & 0xFFFFFFFFL) + len > size()) {
      throw Errno.fail(Errno.EFAULT);
    }
  }

  int i32(int addr) {
    check(addr, 4);
    return memory.readInt(addr);
  }

  void i32(int addr, int value) {
    check(addr, 4);
    memory.writeI32(addr, value);
  }

  long i64(int addr) {
    check(addr, 8);
    return memory.readLong(addr);
  }

  void i64(int addr, long value) {
    check(addr, 8);
    memory.writeLong(addr, value);
  }

  int u16(int addr) {
    check(addr, 2);
    return (int) memory.readU16(addr);
  }

  /** Whether guest memory is a {@link FlatMemory}: then {@link #incoming} and {@link #outgoing} need no scratch. */
  boolean flat() {
    return flat != null;
  }

  int u8(int addr) {
    check(addr, 1);
    return memory.read(addr) & 0xFF;
  }

  /**
   * The first piece of the guest bytes {@code [addr, addr + len)} for the host to take: a window on
   * guest memory, or else a copy in {@code scratch} (which may be null when {@link #flat}). It holds
   * at most {@link WasiHost#BUFFER_SIZE} bytes. The caller has checked the range.
   */
  ByteBuffer outgoing(int addr, long len, ByteBuffer scratch) {
    int n = (int) Math.min(len, WasiHost.BUFFER_SIZE);
    if (flat != null) {
      return flat.window(addr, n);
    }
    read(addr, scratch.array(), 0, n);
    return scratch.clear().limit(n);
  }

  /**
   * Where the host puts the first piece of bytes bound for guest memory at {@code addr}: a window
   * on guest memory, or else {@code scratch} (null allowed when {@link #flat}); then {@link #landed}
   * completes the move. At most {@link WasiHost#BUFFER_SIZE} bytes. The caller has checked the range.
   */
  ByteBuffer incoming(int addr, long len, ByteBuffer scratch) {
    int n = (int) Math.min(len, WasiHost.BUFFER_SIZE);
    return flat != null ? flat.window(addr, n) : scratch.clear().limit(n);
  }

  /** Completes an {@link #incoming} move of {@code n} bytes that the host put in {@code piece}. */
  void landed(int addr, ByteBuffer piece, int n) {
    if (flat == null) {
      memory.write(addr, piece.array(), 0, n);
    }
  }

  /** Copies guest bytes into {@code dst}; the caller has checked the range. */
  void read(int addr, byte[] dst, int off, int len) {
    if (flat != null) {
      flat.readInto(addr, dst, off, len);
      return;
    }
    // Chicory 1.7.5's Memory has no read-into-array method (readBytes allocates a new array), so
    // we copy eight bytes per call into the caller's reused buffer.
    int i = 0;
    for (; i + 8 <= len; i += 8) {
      LONGS.set(dst, off + i, memory.readLong(addr + i));
    }
    for (; i < len; i++) {
      dst[off + i] = memory.read(addr + i);
    }
  }

  /** Copies host bytes to the guest; the caller has checked the range. */
  void write(int addr, byte[] src, int off, int len) {
    memory.write(addr, src, off, len);
  }
}
