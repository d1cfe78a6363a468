package dev.skiff.internal;

import com.dylibso.chicory.compiler.internal.Shaded;
import com.dylibso.chicory.runtime.Memory;
import dev.skiff.wasi.internal.FlatMemory;
import java.util.Objects;

/**
 * The bodies that {@link ShadedPatch} puts in place of Chicory's memory load and store helpers, the
 * static methods of {@link Shaded} that compiled guest code calls for every Wasm load and store. Never
 * called here: only this class's bytecode is used. The twelve repeat one shape on purpose: a shared
 * method would be the very call they exist to avoid.
 *
 * <p>Chicory's helper calls {@code getAddr} and then the {@link Memory} interface method. C2 decides
 * whether to inline those two calls from the helper's own profile, which every call site in the
 * module shares, and leaves some hot loads as two out-of-line calls (the sieve benchmark's outer-loop
 * load spent a third of its time in them). These bodies have no call on the path a
 * {@link FlatMemory} takes: a type test, the offset's and address's sign tests (constant offsets
 * fold them), the exactness site's constant and one array access with its bounds test (or, once
 * exactness has ended, two bounds tests), which C2 compiles into the guest function with the call
 * site's own profile. Any other memory takes Chicory's path.
 *
 * <p>While the module's code may assume every flat memory it is given exact ({@link MemoryExactness#assumed},
 * which {@link ShadedPatch} turns into an {@code invokedynamic} whose constant C2 folds), the index is
 * {@code addr + offset} and the array's (or its {@code VarHandle} view's) own bounds test is the only
 * one. A negative {@code addr} with a positive offset, which would wrap to a small index, goes out of
 * line to trap; an offset of 0 folds that test away. Once exactness has ended, the index is
 * {@code Objects.checkIndex(addr, size - width + 1 - offset) + offset}, tested against the memory's
 * size first (the offset is below 2 GiB, as any flat memory is); C2 compiles {@code checkIndex} to the
 * range check it makes for an array index, which its range-check optimisations work on and an
 * ordinary comparison does not get. The {@code max(size - width + 1, 0)} keeps a memory smaller than
 * the access trapping.
 *
 * <p>Each helper is kept small (66-90 bytes of bytecode, 47-70 before exactness) because C2 inlines a fixed budget of bytecode
 * into each guest function: a trap and any other memory go through one out-of-line call
 * ({@code ...OutOfLine}, added to {@code Shaded}). With the traps inline, zlib's inflate lost 263 of its
 * sites to that budget and ran up to 1.3x slower than with Chicory's helpers. With the exact and the
 * sized access each in a branch of its own (77-110 bytes), zlib's deflate lost what exactness gains;
 * with the sized one a call of its own, C2 left that call out of line at some sites once exactness had
 * ended (the sieve 1.8x slower).
 */
final class FlatMemoryAccess {
  private FlatMemoryAccess() {}

  /**
   * Replaces Chicory's check of the thread's interrupt flag (see {@link GuestInterrupts}), for the
   * methods that {@link ShadedPatch#rewrite} leaves calling it.
   */
  static void checkInterruption() {
    try {
      GuestInterrupts.CHECK.invokeExact();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e); // cannot happen: the check throws nothing checked
    }
  }

  static byte memoryReadByte(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, m.size - offset) + offset;
        return m.bytes[a];
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    return memoryReadByteOutOfLine(addr, offset, memory);
  }

  static byte memoryReadByteOutOfLine(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 1);
    }
    return memory.read(Shaded.getAddr(addr, offset));
  }

  static short memoryReadShort(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, Math.max(m.size - 1, 0) - offset) + offset;
        return (short) FlatMemory.SHORTS.get(m.bytes, a);
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    return memoryReadShortOutOfLine(addr, offset, memory);
  }

  static short memoryReadShortOutOfLine(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 2);
    }
    return memory.readShort(Shaded.getAddr(addr, offset));
  }

  static int memoryReadInt(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, Math.max(m.size - 3, 0) - offset) + offset;
        return (int) FlatMemory.INTS.get(m.bytes, a);
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    return memoryReadIntOutOfLine(addr, offset, memory);
  }

  static int memoryReadIntOutOfLine(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 4);
    }
    return memory.readInt(Shaded.getAddr(addr, offset));
  }

  static long memoryReadLong(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, Math.max(m.size - 7, 0) - offset) + offset;
        return (long) FlatMemory.LONGS.get(m.bytes, a);
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    return memoryReadLongOutOfLine(addr, offset, memory);
  }

  static long memoryReadLongOutOfLine(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 8);
    }
    return memory.readLong(Shaded.getAddr(addr, offset));
  }

  static float memoryReadFloat(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, Math.max(m.size - 3, 0) - offset) + offset;
        return Float.intBitsToFloat((int) FlatMemory.INTS.get(m.bytes, a));
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    return memoryReadFloatOutOfLine(addr, offset, memory);
  }

  static float memoryReadFloatOutOfLine(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 4);
    }
    return memory.readFloat(Shaded.getAddr(addr, offset));
  }

  static double memoryReadDouble(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, Math.max(m.size - 7, 0) - offset) + offset;
        return Double.longBitsToDouble((long) FlatMemory.LONGS.get(m.bytes, a));
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    return memoryReadDoubleOutOfLine(addr, offset, memory);
  }

  static double memoryReadDoubleOutOfLine(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 8);
    }
    return memory.readDouble(Shaded.getAddr(addr, offset));
  }

  static void memoryWriteByte(int addr, byte value, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, m.size - offset) + offset;
        m.bytes[a] = value;
        return;
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    memoryWriteByteOutOfLine(addr, value, offset, memory);
  }

  static void memoryWriteByteOutOfLine(int addr, byte value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 1);
    }
    memory.writeByte(Shaded.getAddr(addr, offset), value);
  }

  static void memoryWriteShort(int addr, short value, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, Math.max(m.size - 1, 0) - offset) + offset;
        FlatMemory.SHORTS.set(m.bytes, a, value);
        return;
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    memoryWriteShortOutOfLine(addr, value, offset, memory);
  }

  static void memoryWriteShortOutOfLine(int addr, short value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 2);
    }
    memory.writeShort(Shaded.getAddr(addr, offset), value);
  }

  static void memoryWriteInt(int addr, int value, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, Math.max(m.size - 3, 0) - offset) + offset;
        FlatMemory.INTS.set(m.bytes, a, value);
        return;
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    memoryWriteIntOutOfLine(addr, value, offset, memory);
  }

  static void memoryWriteIntOutOfLine(int addr, int value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 4);
    }
    memory.writeI32(Shaded.getAddr(addr, offset), value);
  }

  static void memoryWriteLong(int addr, long value, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, Math.max(m.size - 7, 0) - offset) + offset;
        FlatMemory.LONGS.set(m.bytes, a, value);
        return;
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    memoryWriteLongOutOfLine(addr, value, offset, memory);
  }

  static void memoryWriteLongOutOfLine(int addr, long value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 8);
    }
    memory.writeLong(Shaded.getAddr(addr, offset), value);
  }

  static void memoryWriteFloat(int addr, float value, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, Math.max(m.size - 3, 0) - offset) + offset;
        FlatMemory.INTS.set(m.bytes, a, Float.floatToRawIntBits(value));
        return;
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    memoryWriteFloatOutOfLine(addr, value, offset, memory);
  }

  static void memoryWriteFloatOutOfLine(int addr, float value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 4);
    }
    memory.writeF32(Shaded.getAddr(addr, offset), value);
  }

  static void memoryWriteDouble(int addr, double value, int offset, Memory memory) {
    if (memory instanceof FlatMemory && offset >= 0 && (offset == 0 || addr >= 0)) {
      try {
        FlatMemory m = (FlatMemory) memory;
        int a = MemoryExactness.assumed() ? addr + offset : Objects.checkIndex(addr, Math.max(m.size - 7, 0) - offset) + offset;
        FlatMemory.LONGS.set(m.bytes, a, Double.doubleToRawLongBits(value));
        return;
      } catch (IndexOutOfBoundsException outside) {
        // trapped out of line
      }
    }
    memoryWriteDoubleOutOfLine(addr, value, offset, memory);
  }

  static void memoryWriteDoubleOutOfLine(int addr, double value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      throw ((FlatMemory) memory).trap(addr, offset, 8);
    }
    memory.writeF64(Shaded.getAddr(addr, offset), value);
  }
}
