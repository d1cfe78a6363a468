package dev.skiff.internal;

import com.dylibso.chicory.compiler.internal.Shaded;
import com.dylibso.chicory.runtime.Memory;
import dev.skiff.wasi.internal.FlatMemory;

/**
 * The bodies that {@link ShadedPatch} puts in place of Chicory's memory load and store helpers, the
 * static methods of {@link Shaded} that compiled guest code calls for every Wasm load and store. Never
 * called here: only this class's bytecode is used.
 *
 * <p>Chicory's helper calls {@code getAddr} and then the {@link Memory} interface method. C2 decides
 * whether to inline those two calls from the helper's own profile, which every call site in the
 * module shares, and leaves some hot loads as two out-of-line calls (the sieve benchmark's outer-loop
 * load spent a third of its time in them). These bodies have no call on the path a
 * {@link FlatMemory} takes: a type test, one bounds test and one array access, which C2 compiles
 * into the guest function with the call site's own profile. Any other memory takes Chicory's path.
 *
 * <p>The bounds test {@code (addr | offset | a | (size - width - a)) < 0}, with {@code a = addr +
 * offset}, traps when the unsigned address or offset is at or above 2 GiB (beyond any flat memory),
 * when their sum overflows, or when the access ends beyond the memory.
 */
final class FlatMemoryAccess {
  private FlatMemoryAccess() {}

  static byte memoryReadByte(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 1 - a)) < 0) {
        throw m.trap(addr, offset, 1);
      }
      return m.bytes[a];
    }
    return memory.read(Shaded.getAddr(addr, offset));
  }

  static short memoryReadShort(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 2 - a)) < 0) {
        throw m.trap(addr, offset, 2);
      }
      return (short) FlatMemory.SHORTS.get(m.bytes, a);
    }
    return memory.readShort(Shaded.getAddr(addr, offset));
  }

  static int memoryReadInt(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 4 - a)) < 0) {
        throw m.trap(addr, offset, 4);
      }
      return (int) FlatMemory.INTS.get(m.bytes, a);
    }
    return memory.readInt(Shaded.getAddr(addr, offset));
  }

  static long memoryReadLong(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 8 - a)) < 0) {
        throw m.trap(addr, offset, 8);
      }
      return (long) FlatMemory.LONGS.get(m.bytes, a);
    }
    return memory.readLong(Shaded.getAddr(addr, offset));
  }

  static float memoryReadFloat(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 4 - a)) < 0) {
        throw m.trap(addr, offset, 4);
      }
      return Float.intBitsToFloat((int) FlatMemory.INTS.get(m.bytes, a));
    }
    return memory.readFloat(Shaded.getAddr(addr, offset));
  }

  static double memoryReadDouble(int addr, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 8 - a)) < 0) {
        throw m.trap(addr, offset, 8);
      }
      return Double.longBitsToDouble((long) FlatMemory.LONGS.get(m.bytes, a));
    }
    return memory.readDouble(Shaded.getAddr(addr, offset));
  }

  static void memoryWriteByte(int addr, byte value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 1 - a)) < 0) {
        throw m.trap(addr, offset, 1);
      }
      m.bytes[a] = value;
      return;
    }
    memory.writeByte(Shaded.getAddr(addr, offset), value);
  }

  static void memoryWriteShort(int addr, short value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 2 - a)) < 0) {
        throw m.trap(addr, offset, 2);
      }
      FlatMemory.SHORTS.set(m.bytes, a, value);
      return;
    }
    memory.writeShort(Shaded.getAddr(addr, offset), value);
  }

  static void memoryWriteInt(int addr, int value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 4 - a)) < 0) {
        throw m.trap(addr, offset, 4);
      }
      FlatMemory.INTS.set(m.bytes, a, value);
      return;
    }
    memory.writeI32(Shaded.getAddr(addr, offset), value);
  }

  static void memoryWriteLong(int addr, long value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 8 - a)) < 0) {
        throw m.trap(addr, offset, 8);
      }
      FlatMemory.LONGS.set(m.bytes, a, value);
      return;
    }
    memory.writeLong(Shaded.getAddr(addr, offset), value);
  }

  static void memoryWriteFloat(int addr, float value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 4 - a)) < 0) {
        throw m.trap(addr, offset, 4);
      }
      FlatMemory.INTS.set(m.bytes, a, Float.floatToRawIntBits(value));
      return;
    }
    memory.writeF32(Shaded.getAddr(addr, offset), value);
  }

  static void memoryWriteDouble(int addr, double value, int offset, Memory memory) {
    if (memory instanceof FlatMemory) {
      FlatMemory m = (FlatMemory) memory;
      int a = addr + offset;
      if ((addr | offset | a | (m.size - 8 - a)) < 0) {
        throw m.trap(addr, offset, 8);
      }
      FlatMemory.LONGS.set(m.bytes, a, Double.doubleToRawLongBits(value));
      return;
    }
    memory.writeF64(Shaded.getAddr(addr, offset), value);
  }
}
