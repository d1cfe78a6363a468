package dev.skiff.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ImportMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.skiff.Engine;
import dev.skiff.GuestTrapException;
import dev.skiff.Skiff;
import dev.skiff.WasmFunction;
import dev.skiff.WasmInstance;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.wasi.internal.ExactnessAssumption;
import dev.skiff.wasi.internal.FlatMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every load and store width, at the end of memory, at 2 and 4 GiB and with offsets that wrap, gives
 * the same values and the same traps in compiled code as in Chicory's interpreter, in both modes of a
 * module's compiled code: while it may assume its memories exact (the array's bounds test is the only
 * one) and once a memory of its own has ended that (it tests the memory's size too, which matters when
 * the array has room beyond the memory). The assumption is the module's: a memory that grows one page
 * at a time ends it for the code it was given to, and for no other module's.
 */
class MemoryModesTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final int PAGE = Memory.PAGE_SIZE;
  @TempDir static Path store;
  private static WasmModule module;
  private static ModuleCompiler.Compiled compiled;
  private static List<String> interpreted;

  @BeforeAll
  static void interpretTheAccesses() throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm("core/memory_widths.wasm"));
    module = Parser.parse(wasm);
    compiled = ModuleCompiler.compile(module, wasm);
    try (Skiff skiff = Skiff.builder().store(store).build()) {
      interpreted = widthsRun(skiffInstances(skiff, Engine.INTERPRETER), true);
    }
  }

  @Test
  void compiledCodeOnExactMemoriesAgreesWithTheInterpreter() {
    try (Skiff skiff = Skiff.builder().store(store).build()) {
      assertAgree(widthsRun(skiffInstances(skiff, Engine.COMPILER), false), "exact");
    }
    Code code = new Code();
    assertAgree(widthsRun(code.instances(limits -> new FlatMemory(limits)), false), "exact, linked here");
    assertTrue(code.exactness().holds(), "the guests grew a few pages, exactly");
  }

  @Test
  void compiledCodeOnMemoriesWithRoomTestsTheSizeAndAgreesWithTheInterpreter() {
    Code code = new Code();
    // the array is five pages and a bit; the guest grows its memory into it to four pages
    assertAgree(widthsRun(code.instances(limits -> new FlatMemory(limits, new byte[5 * PAGE + 24], null, null)), false),
        "with room");
    assertFalse(code.exactness().holds(), "a memory with room ended the assumption before the code ran");
  }

  @Test
  void aMemoryGrownOnePageAtATimeEndsItsOwnModulesAssumptionOnly() {
    Code grower = new Code();
    Code neighbour = new Code();
    Instance growing = grower.instantiate(FlatMemory::new);
    Instance beside = neighbour.instantiate(FlatMemory::new);
    FlatMemory memory = (FlatMemory) growing.memory();
    assertEquals(List.of(grower.exactness()), memory.assumptions());
    long copied = 0;
    int pages = 1;
    while (copied + (long) pages * PAGE <= (long) FlatMemory.EXACT_COPIES * (pages + 1) * PAGE) {
      assertEquals(pages, growing.export("grow").apply(1)[0]);
      copied += (long) pages * PAGE;
      pages++;
      assertEquals(pages * PAGE, memory.bytes.length, "exact after growing to " + pages + " pages");
      assertTrue(memory.exact() && grower.exactness().holds());
    }
    assertEquals(pages, growing.export("grow").apply(1)[0]);
    assertEquals(129, pages, "the grow to 130 pages would copy more than 64 times 130 pages");
    assertFalse(memory.exact());
    assertFalse(grower.exactness().holds(), "the grower's code tests sizes from now on");
    assertTrue(memory.bytes.length > memory.size, "room reserved: " + memory.bytes.length);
    int room = memory.bytes.length;
    assertEquals(pages + 1, growing.export("grow").apply(1)[0]);
    assertEquals(room, memory.bytes.length, "grown into the room, no copy");
    // the grown memory traps at its size, not at its array's end, in the grower's deoptimized code
    int size = memory.size;
    WasmRuntimeException trap = assertThrows(WasmRuntimeException.class,
        () -> growing.export("i32_load").apply(size - 2));
    assertTrue(trap.getMessage().contains("out of bounds memory access"), trap.getMessage());

    assertTrue(neighbour.exactness().holds(), "another module's code still assumes its memories exact");
    assertTrue(((FlatMemory) beside.memory()).exact());
    assertEquals(0, beside.export("i32_load").apply(PAGE - 4)[0]);
    assertThrows(WasmRuntimeException.class, () -> beside.export("i32_load").apply(PAGE - 3));
    // What the neighbour's code links to, not only what its assumption says: given room behind its
    // memory's back (which the runtime never does), code that still assumes exactness reads past the
    // size into the room, where code linked to an ended assumption (one site for all modules, say) traps.
    FlatMemory besideMemory = (FlatMemory) beside.memory();
    besideMemory.bytes = Arrays.copyOf(besideMemory.bytes, PAGE + 8);
    assertEquals(0, beside.export("i32_load").apply(PAGE - 3)[0], "the neighbour's code is linked to its own assumption");
    Instance besideAgain = neighbour.instantiate(FlatMemory::new);
    FlatMemory againMemory = (FlatMemory) besideAgain.memory();
    againMemory.bytes = Arrays.copyOf(againMemory.bytes, PAGE + 8);
    assertEquals(0, besideAgain.export("i64_load").apply(PAGE - 4)[0], "also where it links after the grower grew");
    // a new instance of the grower's module runs its sized code, on an exact memory, correctly
    assertAgree(widthsRun(grower.instances(FlatMemory::new), false), "after the grower's memory grew");
  }

  @Test
  void codeReliesOnAnImportedMemoryAsOnItsOwn() throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm("core/imported_memory.wasm"));
    ModuleCompiler.Compiled importer = ModuleCompiler.compile(Parser.parse(wasm), wasm);
    FlatMemory exported = new FlatMemory(new MemoryLimits(1, 65536));
    Instance instance = importing(importer, exported);
    List<ExactnessAssumption> relying = exported.assumptions();
    assertEquals(1, relying.size(), "the importer's code relies on the memory it imports");
    assertTrue(relying.get(0).holds());
    while (exported.exact()) { // grown by its owner, from the host, a page at a time
      exported.grow(1);
    }
    assertFalse(relying.get(0).holds(), "the importer's code tests sizes from now on");
    assertTrue(exported.bytes.length > exported.size, "room reserved");
    int size = exported.size;
    assertEquals(0, instance.export("i32_load").apply(size - 4)[0]);
    assertThrows(WasmRuntimeException.class, () -> instance.export("i32_load").apply(size - 2));

    FlatMemory roomy = new FlatMemory(new MemoryLimits(1, 65536), new byte[2 * PAGE], null, null);
    Instance beside = importing(importer, roomy);
    assertFalse(roomy.assumptions().get(0).holds(), "an imported memory with room ends another load's assumption at once");
    assertThrows(WasmRuntimeException.class, () -> beside.export("i32_load").apply(PAGE - 2));
  }

  /** An instance of a new load of {@code importer}, importing {@code memory} as env.memory. */
  private static Instance importing(ModuleCompiler.Compiled importer, FlatMemory memory) {
    return Instance.builder(importer.module())
        .withMachineFactory(ModuleCompiler.factory(importer.entry(), importer.module(), "imported_memory"))
        .withImportValues(ImportValues.builder().addMemory(new ImportMemory("env", "memory", memory)).build())
        .build();
  }

  /** One load of the compiled module: code with an exactness assumption of its own. */
  private static final class Code {
    private final Function<Instance, Machine> machines =
        ModuleCompiler.factory(compiled.entry(), compiled.module(), "memory_widths");
    private ExactnessAssumption exactness;

    Instance instantiate(Function<MemoryLimits, Memory> memories) {
      Instance instance = Instance.builder(compiled.module()).withMachineFactory(machines)
          .withMemoryFactory(memories).build();
      List<ExactnessAssumption> relying = ((FlatMemory) instance.memory()).assumptions();
      assertEquals(1, relying.size(), "the code relies on its memory");
      if (exactness == null) {
        exactness = relying.get(0);
      }
      assertTrue(relying.get(0) == exactness, "one assumption for all the module's instances");
      return instance;
    }

    ExactnessAssumption exactness() {
      return exactness;
    }

    Instances instances(Function<MemoryLimits, Memory> memories) {
      return () -> {
        Instance instance = instantiate(memories);
        return new Target() {
          @Override
          public String access(String function, int addr, long value, boolean store) {
            try {
              if (store) {
                instance.export(function).apply(addr, value);
                return "stored";
              }
              return Long.toHexString(instance.export(function).apply(addr)[0]);
            } catch (WasmRuntimeException e) {
              assertTrue(e.getMessage().contains("out of bounds memory access"), e.getMessage());
              return "trap";
            }
          }

          @Override
          public int grow(int pages) {
            return (int) instance.export("grow").apply(pages)[0];
          }

          @Override
          public void close() {}
        };
      };
    }
  }

  private static Instances skiffInstances(Skiff skiff, Engine engine) {
    return () -> {
      WasmInstance instance = skiff.pull(Fixtures.wasm("core/memory_widths.wasm").toString()).runner().engine(engine)
          .limits(l -> l.timeout(TIMEOUT)).instantiate();
      return new Target() {
        @Override
        public String access(String function, int addr, long value, boolean store) {
          WasmFunction f = instance.function(function);
          try {
            if (store) {
              f.callVoid(addr, value);
              return "stored";
            }
            return Long.toHexString(f.callLong(addr));
          } catch (GuestTrapException e) {
            assertTrue(e.getMessage().contains("out of bounds memory access"), e.getMessage());
            return "trap";
          }
        }

        @Override
        public int grow(int pages) {
          return instance.function("grow").callInt(pages);
        }

        @Override
        public void close() {
          instance.close();
        }
      };
    };
  }

  /** Makes instances of memory_widths.wasm, each of one page. */
  private interface Instances {
    Target make();
  }

  /** One instance: an access's value, "stored" or "trap". */
  private interface Target extends AutoCloseable {
    String access(String function, int addr, long value, boolean store);

    /** Grows the memory by {@code pages}: the pages it had. */
    int grow(int pages);

    @Override
    void close();
  }

  private static void assertAgree(List<String> compiledResults, String mode) {
    for (int n = 0; n < interpreted.size(); n++) {
      assertEquals(interpreted.get(n), compiledResults.get(n), "access " + n + ", " + mode);
    }
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

  /**
   * One seeded sequence of accesses on memory_widths.wasm, each instance grown to four pages: each
   * access's value, "stored" or "trap". A trap breaks its instance, so the next access gets a new one.
   */
  private static List<String> widthsRun(Instances instances, boolean interpreter) {
    Random random = new Random(14);
    int[] far = {-1, -4, -7, -8, 0x7fffffff, 0x7ffffff9, 0x80000000, WIDTHS_MEMORY, WIDTHS_MEMORY + 1};
    List<String> results = new ArrayList<>();
    Target instance = null;
    try {
      for (int n = 0; n < 1000; n++) {
        if (instance == null) {
          instance = instances.make();
          for (int pages = 1; pages < WIDTHS_MEMORY / 65536; pages++) {
            assertEquals(pages, instance.grow(1), "pages before growing");
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
        String function = access[0] + OFFSET_SUFFIXES[offsetKind];
        String what = function + " at " + Integer.toUnsignedString(addr);
        if (interpreter && interpreterWraps(access[0], offset, addr)) {
          results.add("trap"); // the compiler's run checks that it does trap
          instance.close();
          instance = null;
          continue;
        }
        String result = instance.access(function, addr, value, access[0].contains("store"));
        results.add(result);
        assertEquals(end > WIDTHS_MEMORY, result.equals("trap"), what);
        if (result.equals("trap")) {
          instance.close();
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
}
