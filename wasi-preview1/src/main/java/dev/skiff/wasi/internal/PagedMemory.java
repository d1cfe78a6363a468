package dev.skiff.wasi.internal;

import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A non-shared Wasm linear memory made of one {@code byte[]} per 64 KiB page, so growing never
 * copies guest bytes (only the small page table). What it adds to Chicory's memory is {@link #window}: a reusable {@link ByteBuffer} over
 * guest bytes, which lets WASI move data between guest memory and host channels or streams with no
 * intermediate copy (Chicory 1.7.5's {@code Memory} can only copy out into a newly allocated array).
 *
 * <p>Loads and stores catch the JVM's own array checks instead of testing bounds first: the page
 * table holds exactly the current pages, so an address beyond them indexes out of the table, which
 * becomes Wasm's "out of bounds memory access" trap. Not thread-safe, like the instance that
 * owns it.
 */
public final class PagedMemory implements Memory {
  private static final int SHIFT = 16;
  private static final int MASK = PAGE_SIZE - 1;
  private static final VarHandle SHORTS =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final MemoryLimits limits;
  private final int maximumPages;
  /**
   * One array per page, exactly {@link #size} of them: a table sized for the maximum would cost every
   * instance 128 KiB of zeroing when the module declares no maximum.
   */
  private byte[][] pages;
  /** One reusable buffer per page, made on first use by {@link #window}. */
  private ByteBuffer[] windows = new ByteBuffer[0];
  private int size;
  private DataSegment[] segments = new DataSegment[0];

  /**
   * Creates a memory of {@code limits.initialPages()} zeroed pages.
   *
   * @throws IllegalArgumentException if the limits are shared (Wasm threads need Chicory's memory)
   */
  public PagedMemory(MemoryLimits limits) {
    if (limits.shared()) {
      throw new IllegalArgumentException("shared memories are not supported");
    }
    this.limits = limits;
    this.maximumPages = Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
    this.pages = new byte[limits.initialPages()][];
    for (int i = 0; i < limits.initialPages(); i++) {
      pages[i] = new byte[PAGE_SIZE];
    }
    this.size = limits.initialPages();
  }

  /**
   * A buffer over guest memory from {@code addr}: position at {@code addr}, limit at
   * {@code addr + len} or the end of that page, whichever comes first. Reading it reads guest
   * memory and writing it writes guest memory. The buffer is reused: it is valid until the next
   * call for the same page. The caller has checked that the range is inside the memory.
   */
  public ByteBuffer window(int addr, int len) {
    int page = addr >>> SHIFT;
    if (page >= windows.length) {
      windows = Arrays.copyOf(windows, Math.max(page + 1, size));
    }
    ByteBuffer w = windows[page];
    if (w == null) {
      w = ByteBuffer.wrap(pages[page]);
      windows[page] = w;
    }
    int off = addr & MASK;
    w.limit(Math.min(PAGE_SIZE, off + len)).position(off);
    return w;
  }

  /** Copies guest bytes into {@code dst}, page by page. */
  public void readInto(int addr, byte[] dst, int off, int len) {
    check(addr, len);
    checkArray(dst, off, len);
    while (len > 0) {
      int in = addr & MASK;
      int n = Math.min(len, PAGE_SIZE - in);
      System.arraycopy(pages[addr >>> SHIFT], in, dst, off, n);
      addr += n;
      off += n;
      len -= n;
    }
  }

  @Override
  public int pages() {
    return size;
  }

  @Override
  public int grow(int delta) {
    int before = size;
    long after = (long) before + delta;
    if (delta < 0 || after > maximumPages) {
      return -1;
    }
    byte[][] grown = Arrays.copyOf(pages, (int) after);
    for (int i = before; i < after; i++) {
      grown[i] = new byte[PAGE_SIZE];
    }
    pages = grown;
    size = (int) after;
    return before;
  }

  @Override
  public int initialPages() {
    return limits.initialPages();
  }

  @Override
  public int maximumPages() {
    return maximumPages;
  }

  @Override
  public boolean shared() {
    return false;
  }

  /**
   * Guards Chicory's default atomic operations; on a non-shared memory one lock is enough. Chicory 1.7
   * marks this and the wait/notify methods for removal but still calls them: a Memory must implement them.
   */
  @Override
  @SuppressWarnings("removal")
  public Object lock(int address) {
    return this;
  }

  @Override
  @SuppressWarnings("removal")
  public int waitOn(int address, int expected, long timeout) {
    throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
  }

  @Override
  @SuppressWarnings("removal")
  public int waitOn(int address, long expected, long timeout) {
    throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
  }

  @Override
  @SuppressWarnings("removal")
  public int notify(int address, int count) {
    return 0; // nobody can wait on a non-shared memory
  }

  @Override
  public void atomicFence() {
    VarHandle.fullFence();
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments) {
    initialize(instance, dataSegments, 0);
  }

  /** Chicory calls this one, once per memory: only the active segments naming {@code memoryIndex} apply. */
  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments, int memoryIndex) {
    if (dataSegments == null) {
      return;
    }
    this.segments = dataSegments; // shared: the instance's data.drop empties its entries
    for (DataSegment s : dataSegments) {
      if (s instanceof ActiveDataSegment) {
        ActiveDataSegment active = (ActiveDataSegment) s;
        if (active.index() != memoryIndex) {
          continue;
        }
        int offset = (int) ConstantEvaluators.computeConstantValue(instance, active.offsetInstructions())[0];
        byte[] data = active.data();
        if (!inBounds(offset, data.length)) {
          throw new UninstantiableException(outOfBounds(offset, data.length));
        }
        write(offset, data, 0, data.length);
      } else if (!(s instanceof PassiveDataSegment)) {
        throw new ChicoryException("Data segment should be active or passive: " + s);
      }
    }
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int len) {
    write(dest, segments[segmentId].data(), offset, len);
  }

  @Override
  public void drop(int segment) {
    segments[segment] = PassiveDataSegment.EMPTY;
  }

  @Override
  public void write(int addr, byte[] src, int off, int len) {
    checkArray(src, off, len);
    check(addr, len);
    while (len > 0) {
      int in = addr & MASK;
      int n = Math.min(len, PAGE_SIZE - in);
      System.arraycopy(src, off, pages[addr >>> SHIFT], in, n);
      addr += n;
      off += n;
      len -= n;
    }
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    check(addr, len);
    byte[] out = new byte[len];
    readInto(addr, out, 0, len);
    return out;
  }

  @Override
  public byte read(int addr) {
    try {
      return pages[addr >>> SHIFT][addr & MASK];
    } catch (RuntimeException e) {
      throw trap(e, addr, 1);
    }
  }

  @Override
  public void writeByte(int addr, byte value) {
    try {
      pages[addr >>> SHIFT][addr & MASK] = value;
    } catch (RuntimeException e) {
      throw trap(e, addr, 1);
    }
  }

  @Override
  public short readShort(int addr) {
    int in = addr & MASK;
    if (in <= PAGE_SIZE - 2) {
      try {
        return (short) SHORTS.get(pages[addr >>> SHIFT], in);
      } catch (RuntimeException e) {
        throw trap(e, addr, 2);
      }
    }
    return (short) straddling(addr, 2);
  }

  @Override
  public long readU16(int addr) {
    return readShort(addr) & 0xFFFFL;
  }

  @Override
  public void writeShort(int addr, short value) {
    int in = addr & MASK;
    if (in <= PAGE_SIZE - 2) {
      try {
        SHORTS.set(pages[addr >>> SHIFT], in, value);
        return;
      } catch (RuntimeException e) {
        throw trap(e, addr, 2);
      }
    }
    straddle(addr, value, 2);
  }

  @Override
  public int readInt(int addr) {
    int in = addr & MASK;
    if (in <= PAGE_SIZE - 4) {
      try {
        return (int) INTS.get(pages[addr >>> SHIFT], in);
      } catch (RuntimeException e) {
        throw trap(e, addr, 4);
      }
    }
    return (int) straddling(addr, 4);
  }

  @Override
  public void writeI32(int addr, int value) {
    int in = addr & MASK;
    if (in <= PAGE_SIZE - 4) {
      try {
        INTS.set(pages[addr >>> SHIFT], in, value);
        return;
      } catch (RuntimeException e) {
        throw trap(e, addr, 4);
      }
    }
    straddle(addr, value, 4);
  }

  @Override
  public long readLong(int addr) {
    int in = addr & MASK;
    if (in <= PAGE_SIZE - 8) {
      try {
        return (long) LONGS.get(pages[addr >>> SHIFT], in);
      } catch (RuntimeException e) {
        throw trap(e, addr, 8);
      }
    }
    return straddling(addr, 8);
  }

  @Override
  public void writeLong(int addr, long value) {
    int in = addr & MASK;
    if (in <= PAGE_SIZE - 8) {
      try {
        LONGS.set(pages[addr >>> SHIFT], in, value);
        return;
      } catch (RuntimeException e) {
        throw trap(e, addr, 8);
      }
    }
    straddle(addr, value, 8);
  }

  @Override
  public long readF32(int addr) {
    return readInt(addr); // sign-extended, as Chicory's interpreter and compiler expect
  }

  @Override
  public float readFloat(int addr) {
    return Float.intBitsToFloat(readInt(addr));
  }

  @Override
  public void writeF32(int addr, float value) {
    writeI32(addr, Float.floatToRawIntBits(value));
  }

  @Override
  public long readF64(int addr) {
    return readLong(addr);
  }

  @Override
  public double readDouble(int addr) {
    return Double.longBitsToDouble(readLong(addr));
  }

  @Override
  public void writeF64(int addr, double value) {
    writeLong(addr, Double.doubleToRawLongBits(value));
  }

  /** A little-endian value of {@code width} bytes that crosses a page boundary. */
  private long straddling(int addr, int width) {
    check(addr, width);
    long v = 0;
    for (int i = width - 1; i >= 0; i--) {
      v = (v << 8) | (read(addr + i) & 0xFF);
    }
    return v;
  }

  private void straddle(int addr, long value, int width) {
    check(addr, width); // all or nothing: a store that would trap writes no byte
    for (int i = 0; i < width; i++) {
      writeByte(addr + i, (byte) (value >>> (8 * i)));
    }
  }

  @Override
  public void zero() {
    for (int i = 0; i < size; i++) {
      Arrays.fill(pages[i], (byte) 0);
    }
  }

  /** Sets the bytes from {@code from} (inclusive) to {@code to} (exclusive), as {@code memory.fill}. */
  @Override
  public void fill(byte value, int from, int to) {
    int len = to - from;
    check(from, len);
    while (len > 0) {
      int in = from & MASK;
      int n = Math.min(len, PAGE_SIZE - in);
      Arrays.fill(pages[from >>> SHIFT], in, in + n, value);
      from += n;
      len -= n;
    }
  }

  /** {@code memory.copy}: overlapping ranges behave as if copied through a temporary buffer. */
  @Override
  public void copy(int dest, int src, int len) {
    check(src, len);
    check(dest, len);
    if (Integer.compareUnsigned(dest, src) <= 0) {
      // Forward: every piece's source lies at or above everything written so far.
      while (len > 0) {
        int n = Math.min(len, Math.min(PAGE_SIZE - (src & MASK), PAGE_SIZE - (dest & MASK)));
        System.arraycopy(pages[src >>> SHIFT], src & MASK, pages[dest >>> SHIFT], dest & MASK, n);
        src += n;
        dest += n;
        len -= n;
      }
    } else {
      // Backward, from the ends: every piece's source lies below everything written so far.
      int s = src + len;
      int d = dest + len;
      while (len > 0) {
        int n = Math.min(len, Math.min(((s - 1) & MASK) + 1, ((d - 1) & MASK) + 1));
        s -= n;
        d -= n;
        System.arraycopy(pages[s >>> SHIFT], s & MASK, pages[d >>> SHIFT], d & MASK, n);
        len -= n;
      }
    }
  }

  private boolean inBounds(int addr, int len) {
    return len >= 0 && (addr & 0xFFFFFFFFL) + len <= (long) size * PAGE_SIZE;
  }

  private void check(int addr, int len) {
    if (!inBounds(addr, len)) {
      throw new WasmRuntimeException(outOfBounds(addr, len));
    }
  }

  private static void checkArray(byte[] array, int off, int len) {
    if (off < 0 || len < 0 || off > array.length - len) {
      throw new WasmRuntimeException("out of bounds memory access: " + len + " bytes at offset " + off
          + " of a " + array.length + "-byte array");
    }
  }

  private String outOfBounds(int addr, int len) {
    return "out of bounds memory access: attempted to access address: " + (addr & 0xFFFFFFFFL)
        + " but limit is: " + (long) size * PAGE_SIZE + " and size: " + len;
  }

  private RuntimeException trap(RuntimeException e, int addr, int len) {
    if (e instanceof IndexOutOfBoundsException || e instanceof NullPointerException) {
      return new WasmRuntimeException(outOfBounds(addr, len));
    }
    return e;
  }
}
