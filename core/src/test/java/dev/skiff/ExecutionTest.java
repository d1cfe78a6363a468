package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RunawayGuests;
import dev.skiff.wasi.Output;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Execution behaviour with real compiled guests from local files: limits, traps, linking, typed calls. */
class ExecutionTest {
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

  @ParameterizedTest
  @EnumSource(Engine.class)
  void guestThatLoopsForeverIsStoppedByTheTimeout(Engine engine) throws InterruptedException {
    WasmArtifact loop = fixture("core/loop.wasm");
    if (engine == Engine.COMPILER) {
      loop.compile(); // first, so that the timeout covers the guest's code, not its compile
    }
    long start = System.nanoTime();
    GuestTimeoutException e = assertThrows(GuestTimeoutException.class,
        () -> loop.runner().engine(engine).limits(l -> l.timeout(Duration.ofMillis(300))).run());
    assertTrue(e.getMessage().contains("ran longer than its timeout of PT0.3S"), e.getMessage());
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos());
    RunawayGuests.assertNoneWithin(Duration.ofSeconds(20));
  }

  @Test
  void guestThatGrowsMemoryWithoutEndHitsTheCap() {
    RunResult r = fixture("core/grow.wasm").runner()
        .stdout(Output.capture(4096))
        .limits(l -> l.maxMemory(16L << 20).timeout(Duration.ofSeconds(60)))
        .run();
    assertEquals(3, r.exitCode());
    int mib = Integer.parseInt(r.stdoutText().replaceAll("\\D+", ""));
    assertTrue(mib >= 10 && mib < 16, r.stdoutText());
  }

  @Test
  void initialMemoryAboveTheCapFailsBeforeStarting() {
    // hello.wasm declares 2 pages (128 KiB) at start; a one-page cap cannot hold it
    LimitExceededException e = assertThrows(LimitExceededException.class, () ->
        fixture("hello.wasm").runner().limits(l -> l.maxMemory(65536)).run());
    assertTrue(e.getMessage().contains("above the cap of 1 pages"), e.getMessage());
  }

  @Test
  void trappingGuestGivesATrapWithOutputKept() {
    GuestTrapException e = assertThrows(GuestTrapException.class, () ->
        fixture("core/trap.wasm").runner().run());
    assertTrue(e.getMessage().contains("trapped"), e.getMessage());
  }

  @Test
  void aTrapInCompiledCodeNamesTheWasmFunctionsOnItsStack() {
    GuestTrapException e = assertThrows(GuestTrapException.class, () ->
        fixture("core/trap.wasm").runner().engine(Engine.COMPILER).run());
    // trap.wasm has no name section: unnamed functions go by index, exports by their export name
    assertTrue(e.getMessage().matches(".*trapped: .* \\(in Wasm func \\d+ <- func \\d+ <- _start\\)"),
        e.getMessage());
  }

  @Test
  void aTrapInTheInterpreterNamesTheWasmFunctionsToo() {
    GuestTrapException e = assertThrows(GuestTrapException.class, () ->
        fixture("core/trap.wasm").runner().engine(Engine.INTERPRETER).run());
    assertTrue(e.getMessage().matches(".*trapped: .* \\(in Wasm func \\d+ <- func \\d+ <- _start\\)"),
        e.getMessage());
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"core/deep_trap.wasm", "core/deep_trap_dwarf5.wasm"})
  void aTrapInADebugBuildGivesTheSourceLineOfEveryFrame(String wasm) {
    // deep_trap.c, built with clang -g (DWARF 4, and 5): main -> sum_to -> lookup -> checked_index -> trap
    GuestTrapException e = assertThrows(GuestTrapException.class, () ->
        fixture(wasm).runner().engine(Engine.INTERPRETER).run());
    assertTrue(e.getMessage().contains("trapped: Trapped on unreachable instruction (in Wasm checked_index"
        + " at core/deep_trap.c:7 <- lookup at core/deep_trap.c:13 <- sum_to at core/deep_trap.c:19"
        + " <- __original_main at core/deep_trap.c:28 <- _start at "), e.getMessage());
  }

  @Test
  void aTrapInCompiledCodeOfADebugBuildNamesTheSourceFiles() {
    GuestTrapException e = assertThrows(GuestTrapException.class, () ->
        fixture("core/deep_trap.wasm").runner().engine(Engine.COMPILER).run());
    assertTrue(e.getMessage().contains("(in Wasm checked_index in core/deep_trap.c <- lookup in core/deep_trap.c"
        + " <- sum_to in core/deep_trap.c <- __original_main in core/deep_trap.c <- _start in "), e.getMessage());
  }

  @Test
  void nonZeroExitIsAResult() {
    RunResult r = fixture("hello.wasm").runner().args("--exit=42").run();
    assertEquals(42, r.exitCode());
  }

  @Test
  void missingImportsAreAllListed() {
    LinkException e = assertThrows(LinkException.class, () -> fixture("core/needs_host.wasm").runner().run());
    assertEquals(List.of(new WasmImport("host", "answer", ExternalKind.FUNCTION),
        new WasmImport("host", "log_number", ExternalKind.FUNCTION)), e.unresolvedImports());
  }

  @Test
  void callerHostFunctionsSitBesideWasi() {
    AtomicInteger logged = new AtomicInteger();
    RunResult r = fixture("core/needs_host.wasm").runner()
        .hostFunctions(
            new HostFunction("host", "answer", FunctionType.returning(ValType.I32), (inst, args) -> new long[] {42}),
            new HostFunction("host", "log_number", FunctionType.accepting(ValType.I32), (inst, args) -> {
              logged.set((int) args[0]);
              return null;
            }))
        .stdout(Output.capture(1024))
        .run();
    assertEquals(0, r.exitCode());
    assertEquals(42, logged.get());
    assertEquals("host says 42\n", r.stdoutText());
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void reactorExportsAreTypedAndInitializeRuns(Engine engine) {
    try (WasmInstance i = fixture("core/calc.wasm").runner().engine(engine).instantiate()) {
      assertEquals(1, i.function("initialized").callInt());
      assertEquals(5, i.function("add").callInt(2, 3));
      assertEquals(6_000_000_000L, i.function("mul64").callLong(2, 3_000_000_000L));
      assertEquals(1.25, i.function("half").callDouble(2.5));
      assertEquals(7.5f, i.function("scale").callFloat(2.5f, 3));
      assertEquals(832040, i.function("fib").callInt(30));
      int p = i.function("alloc").callInt(16);
      i.writeString(p, "hello, wasm");
      assertEquals(9, i.function("upper").callInt(p, 11));
      assertEquals("HELLO, WASM", i.readString(p, 11));
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void globalsKeepTheirValuesPerInstance(Engine engine) {
    WasmArtifact globals = fixture("core/globals.wasm");
    try (WasmInstance a = globals.runner().engine(engine).instantiate();
        WasmInstance b = globals.runner().engine(engine).instantiate()) {
      assertEquals(1003, a.function("bump").callInt(2));
      assertEquals(1011, b.function("bump").callInt(10));
      assertEquals(1004, a.function("bump").callInt(1));
      assertEquals(5_000_000_007L, a.function("bumpLong").callLong(7));
      assertEquals(4_999_999_999L, b.function("bumpLong").callLong(-1));
      assertEquals(2.0f, a.function("bumpFloat").callFloat(1.5f));
      assertEquals(0.75, b.function("bumpDouble").callDouble(0.5));
      assertEquals(1.25, b.function("bumpDouble").callDouble(0.5));
      assertEquals(0.25, a.function("bumpDouble").callDouble(0.0));
    }
  }

  @Test
  void plainModuleWithoutWasi() {
    try (WasmInstance i = fixture("core/plain.wasm").runner().instantiate()) {
      assertEquals(1L << 40, i.function("square").callLong(1L << 20));
      assertEquals(65536, i.memorySize());
    }
  }

  @Test
  void wrongCallsAreMisuse() {
    try (WasmInstance i = fixture("core/calc.wasm").runner().instantiate()) {
      IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> i.function("nope"));
      assertTrue(missing.getMessage().contains("add"), missing.getMessage());
      assertThrows(IllegalArgumentException.class, () -> i.function("add").callInt(1));
      assertThrows(IllegalArgumentException.class, () -> i.function("add").callLong(1, 2));
      WasmFunction add = i.function("add");
      String signature = add.signature();
      assertEquals("Export 'add' takes 2 argument(s) " + signature + ", got 1",
          assertThrows(IllegalArgumentException.class, () -> add.callRaw(1)).getMessage());
      assertEquals("Export 'add' " + signature + ": parameter 1 is I32, but 4294967296 does not fit in 32 bits",
          assertThrows(IllegalArgumentException.class, () -> add.callRaw(1, 1L << 32)).getMessage());
      assertEquals(1, add.callRaw(2, 0xFFFF_FFFFL)[0], "an unsigned i32 fits: 2 + (-1)");
      assertEquals(-3, (int) add.callRaw(-1, -2)[0]);
    }
  }

  @Test
  void runOnAReactorSaysWhatToDo() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> fixture("core/calc.wasm").runner().run());
    assertTrue(e.getMessage().contains("use instantiate()"), e.getMessage());
  }

  @Test
  void runnersAreSingleUse() {
    Runner runner = fixture("hello.wasm").runner();
    runner.run();
    assertThrows(IllegalStateException.class, runner::run);
  }

  @Test
  void invalidModuleIsTyped(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.wasm");
    java.nio.file.Files.write(bad, new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 99, 99});
    WasmArtifact artifact = skiff.pull(bad.toString()); // a pull verifies and stores; parsing waits for use
    SkiffException e = assertThrows(SkiffException.class, artifact::exports);
    assertTrue(e instanceof InvalidModuleException, e.toString());
    assertThrows(InvalidModuleException.class, () -> artifact.runner().run());
  }

  @Test
  void sameModuleIsParsedOnce() {
    WasmArtifact a = fixture("core/calc.wasm");
    a.compile();
    WasmArtifact b = fixture("core/calc.wasm");
    assertTrue(b.isCompiled(), "a second pull of the same digest shares the compiled module");
  }
}
