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
import java.util.List;

/**
 * A non-shared Wasm linear memory held in one flat {@code byte[]}, so that a Wasm load or store,
 * once the JIT inlines it into compiled guest code, is one bounds test and one array access
 * (little-endian {@link VarHandle} views for the wider types). What it adds to Chicory's memory is
 * {@link #window}: a reusable {@link ByteBuffer} over guest bytes, which lets WASI move data between
 * guest memory and host channels or streams with no intermediate copy (Chicory 1.7.5's
 * {@code Memory} can only copy out into a newly allocated array).
 *
 * <p>While a memory is {@link #exact}, its array is exactly as long as the memory, and compiled guest
 * code that assumes so ({@link ExactnessAssumption}, one per compiled module) makes a Wasm load or store
 * with no test but the array's own. Growing then copies the bytes into an array of the new size, which
 * costs little for a guest that grows a few times. A memory that would copy more than
 * {@link #EXACT_COPIES} times its size in total that way stops being exact, and first ends the
 * assumption of the code it was given to ({@link #reliedOnBy}): that code is deoptimized once and from
 * then on tests each address against the memory's size, and growing reserves room geometrically (up to
 * the maximum), so a guest that grows one page at a time copies its bytes O(log n) times, not n times.
 * Other modules' code and memories stay exact.
 * A memory holds at most {@link Memory#RUNTIME_MAX_PAGES} pages (2 GiB less one page), which is
 * what Chicory 1.7.5 addresses correctly and fits one Java array. Not thread-safe, like the
 * instance that owns it.
 */
public final class FlatMemory implements Memory {
  // Public, as are bytes and size: skiff-core's compiled guest code reads them directly (its
  // FlatMemoryAccess), so that a load or store has no call for the JIT to decline to inline.
  /** Little-endian 16-bit view of {@link #bytes}. */
  public static final VarHandle SHORTS =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  /** Little-endian 32-bit view of {@link #bytes}. */
  public static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  /** Little-endian 64-bit view of {@link #bytes}. */
  public static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /**
   * Growth by copying into an array of the new size goes on while a memory has copied at most this many
   * times its size in total that way. Lua's benchmark grows its memory 62 times, from 128 KiB to 4.5
   * MiB, and stays exact, as do the other benchmark kernels; a guest that grows without end copies at
   * most this many times its size before room is reserved.
   */
  public static final int EXACT_COPIES = 64;

  private static final ExactnessAssumption[] NONE = new ExactnessAssumption[0];

  private final MemoryLimits limits;
  private final int maximumPages;
  /**
   * The guest's bytes from 0 to {@link #size}; the rest is zero room for growing into. Read-only
   * outside this class.
   */
  public byte[] bytes;
  /**
   * The memory's size in bytes (at most 2^31 - 2^16, so {@code size - 8 - addr} never overflows).
   * Read-only outside this class.
   */
  public int size;
  /** Bytes this memory has copied growing into exact arrays. */
  private long exactCopied;
  /**
   * Whether {@link #bytes} is exactly {@link #size} long, and always will be. Set by the constructor,
   * cleared under the lock (by the owning thread's growing, or by {@link #reliedOnBy} finding the
   * array longer); the owning thread reads it unlocked in {@link #grow}, others under the lock.
   */
  private boolean exact = true;
  /** The compiled code this memory was given to, whose assumption it ends when it stops being exact. */
  private ExactnessAssumption[] assumptions = NONE;
  /** The buffer {@link #window} reuses, over the current {@link #bytes}. */
  private ByteBuffer view;
  private static final byte[] EMPTY = new byte[0];
  private DataSegment[] segments = new DataSegment[0];
  /** The world whose shared host functions serve the instance of this memory; null for none. */
  private final WasiHost owner;
  /** Made from a module's initial image: Chicory's zeroing and data-segment writes are already done. */
  private boolean prepared;
  /** What handed out the prepared bytes, and takes them back; null for a plain memory. */
  private final Object origin;

  /**
   * Creates a memory of {@code limits.initialPages()} zeroed pages.
   *
   * @throws IllegalArgumentException if the limits are shared (Wasm threads need Chicory's memory)
   * @throws UninstantiableException if the initial size is above {@link Memory#RUNTIME_MAX_PAGES}
   */
  public FlatMemory(MemoryLimits limits) {
    if (limits.shared()) {
      throw new IllegalArgumentException("shared memories are not supported");
    }
    if (limits.initialPages() > RUNTIME_MAX_PAGES) {
      throw new UninstantiableException("a memory of " + limits.initialPages() + " pages is above the "
          + RUNTIME_MAX_PAGES + " pages (2 GiB - 64 KiB) that Chicory addresses correctly");
    }
    this.limits = limits;
    this.maximumPages = Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
    this.size = limits.initialPages() * PAGE_SIZE;
    this.bytes = new byte[size];
    this.owner = null;
    this.origin = null;
  }

  /**
   * A memory of {@code limits.initialPages()} pages whose bytes are {@code prepared}: the module's
   * initial image (zeros and its active data segments) up to that size and zeros beyond, as
   * {@code dev.skiff.wasi.InstanceTemplate} hands them out. Chicory's {@link #zero} and
   * {@link #initialize} of the new instance then leave the bytes as they are. Owned by {@code owner},
   * the world the instance runs in; {@code origin} is what handed the bytes out.
   */
  public FlatMemory(MemoryLimits limits, byte[] prepared, WasiHost owner, Object origin) {
    this.limits = limits;
    this.maximumPages = Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
    this.size = limits.initialPages() * PAGE_SIZE;
    if (prepared.length < size || limits.shared()) {
      throw new IllegalArgumentException("a prepared memory holds at least its initial pages and is not shared");
    }
    this.exact = prepared.length == size; // code given this memory will not assume otherwise
    this.bytes = prepared;
    this.owner = owner;
    this.origin = origin;
    this.prepared = true;
  }

  /**
   * Whether this memory's array is exactly as long as the memory (see the class comment); once false,
   * false for good.
   *
   * @return whether the memory is exact
   */
  public synchronized boolean exact() {
    return exact;
  }

  /**
   * Records that compiled code will read and write this memory assuming {@code assumption}, which this
   * memory ends before its array gets longer than itself; ends it at once if that has happened already.
   * Called as an instance is made, before its code can run.
   *
   * @param assumption the assumption of the code of the instance this memory belongs to
   */
  public synchronized void reliedOnBy(ExactnessAssumption assumption) {
    for (ExactnessAssumption known : assumptions) {
      if (known == assumption) {
        return;
      }
    }
    assumptions = Arrays.copyOf(assumptions, assumptions.length + 1);
    assumptions[assumptions.length - 1] = assumption;
    if (!exact || bytes.length != size) { // the array is what the code depends on, whatever the flag says
      endExactness(); // all of them: the owner's next grow reserves room without asking again
    }
  }

  /**
   * The assumptions of the code this memory was given to, for a check that growing has ended them.
   *
   * @return the assumptions, in the order given
   */
  public synchronized List<ExactnessAssumption> assumptions() {
    return List.of(assumptions);
  }

  /** Ends this memory's exactness, and the assumption of the code it was given to, before its array grows. */
  private synchronized void endExactness() {
    exact = false;
    for (ExactnessAssumption assumption : assumptions) {
      assumption.end();
    }
  }

  /** What handed out this memory's prepared bytes, or null. */
  public Object origin() {
    return origin;
  }

  /** The world that owns this memory, or null. */
  public WasiHost owner() {
    return owner;
  }

  /**
   * Takes the bytes away from this memory, which is empty from now on (any access traps), and returns
   * them (zero beyond the size in use, as always): the caller will wipe and reuse them.
   */
  public synchronized byte[] detach() { // synchronized: two detaches never both get the bytes
    byte[] b = bytes;
    bytes = EMPTY;
    size = 0;
    view = null;
    return b;
  }

  /**
   * A buffer over guest memory from {@code addr}: position at {@code addr}, limit at
   * {@code addr + len}. Reading it reads guest memory and writing it writes guest memory. The
   * buffer is reused: it is valid until the next call or until the memory grows. The caller has
   * checked that the range is inside the memory.
   */
  public ByteBuffer window(int addr, int len) {
    ByteBuffer w = view;
    if (w == null || w.array() != bytes) {
      w = ByteBuffer.wrap(bytes);
      view = w;
    }
    w.limit(addr + len).position(addr);
    return w;
  }

  /** Copies guest bytes into {@code dst}. */
  public void readInto(int addr, byte[] dst, int off, int len) {
    check(addr, len);
    checkArray(dst, off, len);
    System.arraycopy(bytes, addr, dst, off, len);
  }

  @Override
  public int pages() {
    return size / PAGE_SIZE;
  }

  @Override
  public int grow(int delta) {
    int before = pages();
    long after = (long) before + delta;
    if (delta < 0 || after > maximumPages) {
      return -1;
    }
    int needed = (int) after * PAGE_SIZE;
    if (needed > bytes.length) { // always so while exact
      long room = needed;
      if (exact && exactCopied + size > (long) EXACT_COPIES * needed) {
        endExactness();
      }
      if (!exact) {
        // room for half as much again, within the maximum: amortised O(1) copying per page
        room = Math.min((long) maximumPages * PAGE_SIZE, Math.max(needed, bytes.length + (bytes.length >> 1)));
      }
      try {
        bytes = Arrays.copyOf(bytes, (int) room);
      } catch (OutOfMemoryError e) {
        return -1; // Wasm lets memory.grow fail; the guest sees -1, the JVM lives on
      }
      exactCopied += size;
    }
    size = needed;
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
    if (prepared) {
      prepared = false; // the image holds the active segments, written and bounds-checked once
      return;
    }
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
    System.arraycopy(src, off, bytes, addr, len);
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    check(addr, len);
    return Arrays.copyOfRange(bytes, addr, addr + len);
  }

  // The accessors below stay small so that the JIT inlines them into compiled guest code even at
  // call sites it considers cold. "(addr | (size - w - addr)) < 0" is "addr < 0 or addr + w > size"
  // in one test: a negative addr is an address at or above 2 GiB, beyond any memory here.

  @Override
  public byte read(int addr) {
    if ((addr | (size - 1 - addr)) < 0) {
      throw trap(addr, 1);
    }
    return bytes[addr];
  }

  @Override
  public void writeByte(int addr, byte value) {
    if ((addr | (size - 1 - addr)) < 0) {
      throw trap(addr, 1);
    }
    bytes[addr] = value;
  }

  @Override
  public short readShort(int addr) {
    if ((addr | (size - 2 - addr)) < 0) {
      throw trap(addr, 2);
    }
    return (short) SHORTS.get(bytes, addr);
  }

  @Override
  public long readU16(int addr) {
    return readShort(addr) & 0xFFFFL;
  }

  @Override
  public void writeShort(int addr, short value) {
    if ((addr | (size - 2 - addr)) < 0) {
      throw trap(addr, 2);
    }
    SHORTS.set(bytes, addr, value);
  }

  @Override
  public int readInt(int addr) {
    if ((addr | (size - 4 - addr)) < 0) {
      throw trap(addr, 4);
    }
    return (int) INTS.get(bytes, addr);
  }

  @Override
  public void writeI32(int addr, int value) {
    if ((addr | (size - 4 - addr)) < 0) {
      throw trap(addr, 4);
    }
    INTS.set(bytes, addr, value);
  }

  @Override
  public long readLong(int addr) {
    if ((addr | (size - 8 - addr)) < 0) {
      throw trap(addr, 8);
    }
    return (long) LONGS.get(bytes, addr);
  }

  @Override
  public void writeLong(int addr, long value) {
    if ((addr | (size - 8 - addr)) < 0) {
      throw trap(addr, 8);
    }
    LONGS.set(bytes, addr, value);
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

  @Override
  public void zero() {
    if (prepared) {
      return; // Chicory zeroes before it initializes: the image is both done
    }
    Arrays.fill(bytes, 0, size, (byte) 0);
  }

  /** Sets the bytes from {@code from} (inclusive) to {@code to} (exclusive), as {@code memory.fill}. */
  @Override
  public void fill(byte value, int from, int to) {
    check(from, to - from);
    Arrays.fill(bytes, from, to, value);
  }

  /**
   * {@code memory.copy}: overlapping ranges behave as if copied through a temporary buffer. Copied in
   * blocks of {@link #COPY_BLOCK} bytes, the last block first when the bytes move up over themselves
   * (each {@code System.arraycopy} is a memmove): on JDK 25 one arraycopy of a few MiB onto itself a
   * few bytes away ran at half the speed of the same bytes in blocks, or of JDK 17
   * ({@code BulkMemoryBenchmark}: 1,550-1,690 against 820-940 µs a call).
   */
  @Override
  public void copy(int dest, int src, int len) {
    check(src, len);
    check(dest, len);
    if (dest > src && dest - src < len) {
      for (int end = len; end > 0; end -= COPY_BLOCK) {
        int n = Math.min(COPY_BLOCK, end);
        System.arraycopy(bytes, src + end - n, bytes, dest + end - n, n);
      }
    } else {
      for (int off = 0; off < len; off += COPY_BLOCK) {
        System.arraycopy(bytes, src + off, bytes, dest + off, Math.min(COPY_BLOCK, len - off));
      }
    }
  }

  /** The block of {@link #copy}: small enough for the JDK's fast copy, large enough to cost no calls. */
  private static final int COPY_BLOCK = 1 << 16;

  private boolean inBounds(int addr, int len) {
    return len >= 0 && (addr & 0xFFFFFFFFL) + len <= size;
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
        + " but limit is: " + size + " and size: " + len;
  }

  /** Out of line, so that the accessors stay small. */
  private WasmRuntimeException trap(int addr, int len) {
    return new WasmRuntimeException(outOfBounds(addr, len));
  }

  /**
   * The trap of a {@code width}-byte access at {@code addr + offset} (a Wasm address and a memarg
   * offset) that is out of bounds, naming the address as Chicory's own helpers compute it.
   */
  public WasmRuntimeException trap(int addr, int offset, int width) {
    return trap(addr < 0 ? addr : addr + offset, width);
  }

  /**
   * Lets code in {@code module} (the unnamed module of a class loader of compiled guest code) read
   * this package, which the module path otherwise hides; a no-op on the class path.
   */
  public static void openTo(Module module) {
    FlatMemory.class.getModule().addExports(FlatMemory.class.getPackageName(), module);
  }
}
