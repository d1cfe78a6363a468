package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.skiff.wasi.internal.FlatMemory;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Our linear memory ({@link WasiPreview1#memory}) against Chicory's own {@link ByteArrayMemory} as
 * the reference: the same random operations, clustered around page boundaries and the end of
 * memory, must give the same values, the same traps and the same bytes.
 */
class FlatMemoryTest {
  private static final int PAGE = Memory.PAGE_SIZE;

  @Test
  void behavesLikeChicorysMemoryUnderRandomOperations() {
    for (long seed = 1; seed <= 40; seed++) {
      Random random = new Random(seed);
      MemoryLimits limits = new MemoryLimits(1 + random.nextInt(3), 6);
      Memory ours = WasiPreview1.memory(limits);
      Memory reference = new ByteArrayMemory(limits);
      assertInstanceOf(FlatMemory.class, ours);
      for (int step = 0; step < 3_000; step++) {
        int op = random.nextInt(14);
        int addr = address(random, ours);
        long value = random.nextLong();
        int len = random.nextInt(4) == 0 ? random.nextInt(3 * PAGE) : random.nextInt(40);
        String what = "seed " + seed + " step " + step + " op " + op + " at " + addr + " len " + len;
        assertEquals(apply(reference, op, addr, value, len), apply(ours, op, addr, value, len), what);
      }
      assertEquals(reference.pages(), ours.pages());
      assertArrayEquals(reference.readBytes(0, reference.pages() * PAGE),
          ours.readBytes(0, ours.pages() * PAGE), "contents, seed " + seed);
    }
  }

  /** Mostly near a page boundary or the end of memory, sometimes anywhere, at the 2 or 4 GiB edge, or wild. */
  private static int address(Random random, Memory m) {
    int size = m.pages() * PAGE;
    switch (random.nextInt(7)) {
      case 5: return Integer.MAX_VALUE - 8 + random.nextInt(17); // either side of 2 GiB
      case 6: return -9 + random.nextInt(18); // either side of 4 GiB, which wraps to 0
      case 0: return size - 12 + random.nextInt(16);
      case 1: return PAGE * random.nextInt(m.pages() + 1) - 9 + random.nextInt(18);
      case 2: return random.nextInt(size);
      case 3: return random.nextInt(); // negative ones are addresses above 2 GiB
      default: return PAGE * random.nextInt(Math.max(1, m.pages())) + random.nextInt(64);
    }
  }

  /** One operation; its result, or the class of what it threw. */
  private static Object apply(Memory m, int op, int addr, long value, int len) {
    try {
      switch (op) {
        case 0: return m.read(addr);
        case 1: m.writeByte(addr, (byte) value); return null;
        case 2: return m.readShort(addr);
        case 3: m.writeShort(addr, (short) value); return m.readU16(addr);
        case 4: return m.readInt(addr);
        case 5: m.writeI32(addr, (int) value); return m.readF32(addr);
        case 6: return m.readLong(addr);
        case 7: m.writeLong(addr, value); return m.readDouble(addr);
        case 8: m.writeF64(addr, Double.longBitsToDouble(value)); return m.readF64(addr);
        case 9: return ByteBuffer.wrap(m.readBytes(addr, len));
        case 10: {
          byte[] data = new byte[len];
          new Random(value).nextBytes(data);
          m.write(addr, data, 0, len);
          return null;
        }
        case 11: m.copy(addr, (int) (addr + (value % 200_000)), len); return null;
        case 12: m.fill((byte) value, addr, addr + len); return null;
        default: return (value & 15) == 0 ? m.grow((int) (value >>> 60)) : m.pages();
      }
    } catch (WasmRuntimeException | IllegalArgumentException | IndexOutOfBoundsException e) {
      // Chicory reports a copy with an address beyond 2 GiB through the JDK's own exception
      return e instanceof WasmRuntimeException ? "trap" : "trap (" + e.getClass().getSimpleName() + ")";
    }
  }

  @Test
  void copyOfOverlappingRangesAcrossPagesIsAMemmove() {
    Memory m = WasiPreview1.memory(new MemoryLimits(3, 3));
    byte[] pattern = new byte[3 * PAGE];
    new Random(3).nextBytes(pattern);
    // the memory copies in blocks of a page: moves by one byte, by a block, by one more or less, and lengths
    // of whole blocks, across block ends, in both directions
    for (int[] c : new int[][] {{10, PAGE - 5, PAGE + 20}, {PAGE - 5, 10, PAGE + 20}, {1, 0, 2 * PAGE + 7},
        {0, 1, 2 * PAGE + 7}, {PAGE, PAGE, PAGE}, {0, PAGE, 2 * PAGE}, {PAGE, 0, 2 * PAGE},
        {PAGE + 1, 0, 2 * PAGE - 1}, {0, PAGE - 1, 2 * PAGE + 1}, {PAGE - 1, 0, 2 * PAGE + 1},
        {3, 7, 2 * PAGE}, {7, 3, 2 * PAGE}, {0, 0, 0}, {9, 4, 1}}) {
      m.write(0, pattern);
      byte[] expected = pattern.clone();
      System.arraycopy(expected, c[1], expected, c[0], c[2]);
      m.copy(c[0], c[1], c[2]);
      assertArrayEquals(expected, m.readBytes(0, 3 * PAGE), "copy " + c[0] + " <- " + c[1] + " x" + c[2]);
    }
  }

  @Test
  void growStopsAtTheMaximumAndNewPagesAreZero() {
    Memory m = WasiPreview1.memory(new MemoryLimits(1, 3));
    assertEquals(1, m.grow(1));
    assertEquals(0L, m.readLong(2 * PAGE - 8));
    assertEquals(-1, m.grow(2));
    assertEquals(2, m.grow(1));
    assertEquals(-1, m.grow(1));
    assertEquals(-1, m.grow(-1)); // an unsigned delta of 4 Gi pages
    assertEquals(3, m.pages());
    assertThrows(WasmRuntimeException.class, () -> m.read(3 * PAGE));
  }

  @Test
  void windowsReadAndWriteGuestMemoryAcrossPagesAndFollowGrowth() {
    FlatMemory m = (FlatMemory) WasiPreview1.memory(new MemoryLimits(2, 3));
    m.writeI32(PAGE - 4, 0x04030201);
    ByteBuffer w = m.window(PAGE - 4, 100);
    assertEquals(100, w.remaining());
    assertEquals(1, w.get());
    w.put((byte) 9);
    assertEquals(9, m.read(PAGE - 3));
    w.position(PAGE).put(new byte[] {7, 8});
    assertEquals(0x0807, m.readShort(PAGE));
    assertEquals(2, m.grow(1));
    m.writeByte(3 * PAGE - 1, (byte) 5);
    ByteBuffer grown = m.window(3 * PAGE - 1, 1);
    assertEquals(5, grown.get());
    assertEquals(9, m.window(PAGE - 3, 1).get(), "bytes written before growing are kept");
  }

  @Test
  void theLargestMemoryIsExactAtItsEndAndAtTheTwoAndFourGibEdges() {
    int pages = Memory.RUNTIME_MAX_PAGES;
    int size = pages * PAGE; // 2 GiB - 64 KiB, one Java array
    Memory m = WasiPreview1.memory(new MemoryLimits(pages, 65536));
    assertEquals(-1, m.grow(1), "no page beyond what Chicory addresses");
    m.writeLong(size - 8, 0x0807060504030201L);
    assertEquals(0x08070605, m.readInt(size - 4));
    assertEquals(8, m.read(size - 1));
    for (int addr : new int[] {size - 7, size - 1, size, Integer.MAX_VALUE, Integer.MIN_VALUE, -8, -1}) {
      assertThrows(WasmRuntimeException.class, () -> m.readLong(addr), "readLong at " + Integer.toUnsignedString(addr));
    }
    assertThrows(WasmRuntimeException.class, () -> m.read(size));
    assertThrows(WasmRuntimeException.class, () -> m.writeByte(-1, (byte) 1));
    assertThrows(WasmRuntimeException.class, () -> m.copy(size - 4, 0, 5));
    assertThrows(WasmRuntimeException.class, () -> m.writeLong(size - 4, -1L));
    assertEquals(0x0807060504030201L, m.readLong(size - 8), "a trapping access writes nothing");
  }

  @Test
  void aMemoryAboveWhatChicoryAddressesIsRefused() {
    UninstantiableException e = assertThrows(UninstantiableException.class,
        () -> WasiPreview1.memory(new MemoryLimits(Memory.RUNTIME_MAX_PAGES + 1, 65536)));
    assertTrue(e.getMessage().contains("32768 pages"), e.getMessage());
  }

  @Test
  void dataSegmentsInitialiseTheMemoryAndOutOfBoundsOnesFailInstantiation() {
    // (module (memory 1) (data (i32.const 65534) "\01\02") (data "\03\04\05")
    //   (func (export "init") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.init 1)
    //   (func (export "drop") data.drop 1))
    Instance instance = instantiate("wasi/memory_segments.wasm", WasiPreview1::memory);
    Memory m = instance.memory();
    assertEquals(0x0201, m.readShort(PAGE - 2));
    instance.export("init").apply(100, 1, 2);
    assertEquals(0x0504, m.readShort(100));
    assertThrows(WasmRuntimeException.class, () -> instance.export("init").apply(PAGE - 1, 0, 2));
    instance.export("drop").apply();
    assertThrows(WasmRuntimeException.class, () -> instance.export("init").apply(0, 0, 1));
    instance.export("init").apply(0, 0, 0); // an empty init of a dropped segment is allowed

    UninstantiableException e = assertThrows(UninstantiableException.class,
        () -> instantiate("wasi/memory_segment_oob.wasm", WasiPreview1::memory));
    assertEquals(assertThrows(UninstantiableException.class,
        () -> instantiate("wasi/memory_segment_oob.wasm", ByteArrayMemory::new)).getMessage(), e.getMessage());
  }

  @Test
  void eachActiveDataSegmentLandsOnlyInTheMemoryItNames() {
    // (module (memory $a 1) (memory $b 1) (data (memory $a) (i32.const 0) "\01")
    //   (data (memory $b) (i32.const 8) "\02"))
    for (Function<MemoryLimits, Memory> factory : List.<Function<MemoryLimits, Memory>>of(
        ByteArrayMemory::new, WasiPreview1::memory)) {
      Instance instance = instantiate("wasi/memory_multi.wasm", factory);
      Memory a = instance.memory(0);
      Memory b = instance.memory(1);
      assertEquals(1, a.read(0));
      assertEquals(0, a.read(8), "memory a has no byte of b's segment");
      assertEquals(0, b.read(0), "memory b has no byte of a's segment");
      assertEquals(2, b.read(8));
    }
  }

  private static Instance instantiate(String fixture, Function<MemoryLimits, Memory> memory) {
    return Instance.builder(Guests.module(fixture))
        .withImportValues(ImportValues.builder().build())
        .withMemoryFactory(memory)
        .build();
  }
}
