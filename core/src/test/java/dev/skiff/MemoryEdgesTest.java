package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testsupport.Fixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both engines agree on memory accesses at the edges (the end of memory, 2 GiB, 4 GiB, offsets that
 * wrap), on the default memory cap and on what Chicory cannot hold (memories of 2 GiB and more,
 * tables above 10^7 elements), which fail with a limit error before the guest starts. Every load and
 * store width at the edges is {@link MemoryModesTest}'s, in both of the flat memory's modes.
 */
class MemoryEdgesTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  @TempDir static Path store;
  static Skiff skiff;

  @BeforeAll
  static void open() {
    skiff = Skiff.builder().store(store).build();
  }

  @AfterAll
  static void close() {
    skiff.close();
  }

  private static WasmArtifact fixture(String name) {
    return skiff.pull(Fixtures.wasm(name).toString());
  }

  /** Runs {@code body} on a fresh instance of memory_edges.wasm under {@code engine}. */
  private static void withEdges(Engine engine, Consumer<Limits.Builder> limits, Consumer<WasmInstance> body) {
    try (WasmInstance instance = fixture("core/memory_edges.wasm").runner().engine(engine)
        .limits(l -> limits.accept(l.timeout(TIMEOUT))).instantiate()) {
      body.accept(instance);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Engine.class, names = {"INTERPRETER", "COMPILER"})
  void accessesInsideMemoryWorkAndAllOthersTrap(Engine engine) {
    withEdges(engine, l -> { }, i -> {
      i.function("store").callVoid(65532, 0x01020304);
      assertEquals(0x01020304, i.function("load").callInt(65532));
      assertEquals(0x01020304, i.function("load_offset32").callInt(65500));
    });
    // every one of these is outside the 64 KiB memory; each trap breaks its instance, so one each
    int[][] traps = {
        {65533, 0}, {0x7ffffffc, 0}, {0x80000000, 0}, {0xfffffffc, 0}, {-1, 0},
        {65504, 32}, {-16, 32}, {-32, 32}, // -32 + 32 wraps to 0 in 32 bits, but is 4 GiB in Wasm
        {0x10, 0x7ffffff0}, {0x7fffffff, 0x7ffffff0}};
    for (int[] t : traps) {
      String function = t[1] == 0 ? "load" : t[1] == 32 ? "load_offset32" : "load_offset_2gib";
      withEdges(engine, l -> { }, i -> {
        GuestTrapException e = assertThrows(GuestTrapException.class, () -> i.function(function).callInt(t[0]),
            engine + " " + function + " at " + Integer.toUnsignedString(t[0]));
        assertTrue(e.getMessage().contains("out of bounds memory access"), e.getMessage());
      });
    }
  }

  @ParameterizedTest
  @EnumSource(value = Engine.class, names = {"INTERPRETER", "COMPILER"})
  void growingStopsAtTheDefaultCapAndAtARaisedOrLoweredOne(Engine engine) {
    withEdges(engine, l -> { }, i -> {
      assertEquals(-1, i.function("grow").callInt(16384), "1 GiB + 64 KiB is above the default cap");
      assertEquals(1, i.function("grow").callInt(1));
      i.function("store").callVoid(2 * 65536 - 4, 7);
      assertEquals(7, i.function("load").callInt(2 * 65536 - 4));
    });
    withEdges(engine, l -> l.maxMemory(2 * 65536), i -> {
      assertEquals(1, i.function("grow").callInt(1));
      assertEquals(-1, i.function("grow").callInt(1));
    });
  }

  @ParameterizedTest
  @EnumSource(value = Engine.class, names = {"INTERPRETER", "COMPILER"})
  void aMemoryOfFourGibFailsBeforeStartingInEitherEngine(Engine engine) {
    // issue 13: the interpreter trapped at 2 GiB where the compiler seemed right (it drops the
    // static offset at and above 2 GiB), so Skiff refuses what Chicory cannot address
    LimitExceededException e = assertThrows(LimitExceededException.class,
        () -> fixture("core/memory_4gib.wasm").runner().engine(engine).limits(l -> l.timeout(TIMEOUT)).instantiate());
    assertTrue(e.getMessage().contains("65536 pages") && e.getMessage().contains("2 GiB - 64 KiB"), e.getMessage());
  }

  @Test
  void anInitialMemoryAboveTheDefaultCapSaysHowToRaiseIt() {
    LimitExceededException e = assertThrows(LimitExceededException.class,
        () -> fixture("core/memory_1gib.wasm").runner().limits(l -> l.timeout(TIMEOUT)).instantiate());
    assertTrue(e.getMessage().contains("16385 pages") && e.getMessage().contains("Limits.maxMemory")
        && e.getMessage().contains("--max-memory"), e.getMessage());
    assertEquals(1L << 30, Limits.DEFAULT.maxMemoryBytes());
    assertThrows(IllegalArgumentException.class, () -> Limits.builder().maxMemory(Limits.MAX_MEMORY + 65536));
  }

  @Test
  void aTableAboveWhatChicoryHoldsIsALimitNotAnUnsupportedFeature() {
    LimitExceededException e = assertThrows(LimitExceededException.class,
        () -> fixture("core/table_huge.wasm").runner().instantiate());
    assertTrue(e.getMessage().contains("table of 100000000 elements")
        && e.getMessage().contains("at most 10000000"), e.getMessage());
  }
}
