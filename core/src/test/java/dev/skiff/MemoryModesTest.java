package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.wasi.internal.FlatMemory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every load and store width, at the end of memory, at 2 and 4 GiB and with offsets that wrap, gives
 * the same values and the same traps in compiled code as in Chicory's interpreter, in both modes of the
 * flat memory: while every memory's array is exactly as long as the memory (compiled accesses make the
 * array's bounds test only) and after a memory that grows one page at a time has ended that for the
 * JVM (they test the memory's size too). The modes are the JVM's, and exactness ends once, so this
 * runs in a JVM of its own (core's pom), from the exact mode every JVM starts in.
 */
class MemoryModesTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final int PAGE = Memory.PAGE_SIZE;
  @TempDir static Path store;
  static Skiff skiff;

  @Test
  void everyLoadAndStoreWidthAgreesInBothEnginesAndTrapsExactlyOutsideMemoryInBothModes() {
    assertTrue(FlatMemory.allExact(), "a JVM starts with every flat memory exact");
    try (Skiff opened = Skiff.builder().store(store).build()) {
      skiff = opened;
      List<String> interpreted = widthsRun(Engine.INTERPRETER);
      assertAgree(interpreted, widthsRun(Engine.COMPILER), "exact");
      assertTrue(FlatMemory.allExact(), "the guests grew a few pages, exactly");

      growOnePageAtATimeUntilExactnessEnds();
      assertFalse(FlatMemory.allExact());
      assertAgree(interpreted, widthsRun(Engine.COMPILER), "with room reserved");
    }
  }

  private static void assertAgree(List<String> interpreted, List<String> compiled, String mode) {
    for (int n = 0; n < interpreted.size(); n++) {
      assertEquals(interpreted.get(n), compiled.get(n), "access " + n + ", " + mode);
    }
  }

  /**
   * A memory of one page grown a page at a time: its array is exactly its size until the grow whose
   * copying would take its total past {@code EXACT_COPIES} times the new size, which ends exactness;
   * from there on growing reserves room.
   */
  private static void growOnePageAtATimeUntilExactnessEnds() {
    FlatMemory memory = new FlatMemory(new MemoryLimits(1, 65535));
    long copied = 0;
    int pages = 1;
    while (copied + (long) pages * PAGE <= (long) FlatMemory.EXACT_COPIES * (pages + 1) * PAGE) {
      assertEquals(pages, memory.grow(1));
      copied += (long) pages * PAGE;
      pages++;
      assertEquals(pages * PAGE, memory.bytes.length, "exact after growing to " + pages + " pages");
      assertTrue(FlatMemory.allExact());
    }
    assertEquals(pages, memory.grow(1));
    assertEquals(129, pages, "the grow to 130 pages would copy more than 64 times 130 pages");
    assertFalse(FlatMemory.allExact());
    assertTrue(memory.bytes.length > memory.size, "room reserved: " + memory.bytes.length);
    int room = memory.bytes.length;
    assertEquals(pages + 1, memory.grow(1));
    assertEquals(room, memory.bytes.length, "grown into the room, no copy");
  }

  private static final int WIDTHS_MEMORY = 4 * 65536;
  private static final String[][] WIDTHS = {
      {"i32_load8_s", "1"}, {"i32_load8_u", "1"}, {"i32_load16_s", "2"}, {"i32_load16_u", "2"}, {"i32_load", "4"},
      {"i64_load8_s", "1"}, {"i64_load8_u", "1"}, {"i64_load16_s", "2"}, {"i64_load16_u", "2"},
      {"i64_load32_s", "4"}, {"i64_load32_u", "4"}, {"i64_load", "8"}, {"f32_load", "4"}, {"f64_load", "8"},
      {"i32_store8", "1"}, {"i32_store16", "2"}, {"i32_store", "4"}, {"i64_store8", "1"}, {"i64_store16", "2"},
      {"i64_store32", "4"}, {"i64_store", "8"}, {"f32_store", "4"}, {"f64_store", "8"}};

  /** The static offsets of memory_widths.wasm's functions, weighted by repetition, and their export suffixes. */
  private static final long[] OFFSETS = {0, 0, 0, 7, 7, WIDTHS_MEMORY - 8, 0x7ffffff8L, 0xfffffff8L};
  private static final String[] OFFSET_SUFFIXES = {"", "", "", "_off", "_off", "_edge", "_huge", "_top"};

  /** One seeded sequence of accesses on memory_widths.wasm: each one's value, "stored" or "trap". */
  private static List<String> widthsRun(Engine engine) {
    Random random = new Random(14);
    int[] far = {-1, -4, -7, -8, 0x7fffffff, 0x7ffffff9, 0x80000000, WIDTHS_MEMORY, WIDTHS_MEMORY + 1};
    List<String> results = new ArrayList<>();
    WasmInstance instance = null;
    try {
      for (int n = 0; n < 1000; n++) {
        if (instance == null) {
          instance = skiff.pull(Fixtures.wasm("core/memory_widths.wasm").toString()).runner().engine(engine)
              .limits(l -> l.timeout(TIMEOUT)).instantiate();
          for (int pages = 1; pages < WIDTHS_MEMORY / 65536; pages++) {
            assertEquals(pages, instance.function("grow").callInt(1), "pages before growing");
          }
        }
        String[] access = WIDTHS[random.nextInt(WIDTHS.length)];
        int offsetKind = random.nextInt(OFFSETS.length);
        long offset = OFFSETS[offsetKind];
        int addr = switch (random.nextInt(4)) {
          case 0 -> WIDTHS_MEMORY - 24 + random.nextInt(32);
          case 1 -> random.nextInt(16);
          case 2 -> random.nextInt(64);
          default -> far[random.nextInt(far.length)];
        };
        long value = random.nextLong();
        long end = Integer.toUnsignedLong(addr) + offset + Integer.parseInt(access[1]);
        WasmFunction function = instance.function(access[0] + OFFSET_SUFFIXES[offsetKind]);
        String what = engine + " " + function.name() + " at " + Integer.toUnsignedString(addr);
        if (engine == Engine.INTERPRETER && interpreterWraps(access[0], offset, addr)) {
          results.add("trap"); // the compiler's run checks that it does trap
          instance.close();
          instance = null;
          continue;
        }
        try {
          results.add(access[0].contains("store")
              ? call(() -> function.callVoid(addr, value))
              : Long.toHexString(function.callLong(addr)));
          assertTrue(end <= WIDTHS_MEMORY, what + " should trap");
        } catch (GuestTrapException e) {
          assertTrue(end > WIDTHS_MEMORY, what + " trapped: " + e.getMessage());
          assertTrue(e.getMessage().contains("out of bounds memory access"), e.getMessage());
          results.add("trap");
          instance.close(); // a trap breaks its instance
          instance = null;
        }
      }
    } finally {
      if (instance != null) {
        instance.close();
      }
    }
    assertTrue(results.contains("trap") && results.stream().filter(r -> !r.equals("trap")).count() > 300, results.toString());
    return results;
  }

  /**
   * Chicory 1.7.5's interpreter adds the static offset of i32.store8, i64.store8 and i64.store32 to
   * the address in 32 bits, so an address at or above 4 GiB - offset wraps to a small one and the
   * store lands there instead of trapping (its other loads and stores check).
   */
  private static boolean interpreterWraps(String access, long offset, int addr) {
    return Integer.toUnsignedLong(addr) + offset >= 1L << 32
        && (access.equals("i32_store8") || access.equals("i64_store8") || access.equals("i64_store32"));
  }

  private static String call(Runnable store) {
    store.run();
    return "stored";
  }
}
