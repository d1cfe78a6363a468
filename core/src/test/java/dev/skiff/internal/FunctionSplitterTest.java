package dev.skiff.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.AnnotatedInstruction;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.OpCode;
import dev.skiff.testsupport.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Large functions are split into parts small enough for the JIT, into a module that validates and
 * computes what the whole module computes. Splitting every function into tiny parts, with few
 * parameters so that most inputs go through globals, exercises each way a part can end.
 */
class FunctionSplitterTest {
  /** Splits everything above 300 bytes into parts of 40-300 bytes, with at most 3 parameter slots. */
  private static final FunctionSplitter.Limits TINY = new FunctionSplitter.Limits(300, 200, 200, 300, 40, 3);
  /** Parts of 24-400 bytes, every input in a global. */
  private static final FunctionSplitter.Limits NO_PARAMETERS = new FunctionSplitter.Limits(400, 300, 300, 400, 24, 0);
  /** Tiny, with a dispatch moved only above three times the target (its other parts down to the target). */
  private static final FunctionSplitter.Limits DISPATCH_KEPT = new FunctionSplitter.Limits(300, 200, 600, 300, 40, 3);

  /** A program and the work whose result must not change, as a number. */
  record Program(String fixture, ToLongFunction<Instance> work) {
    @Override
    public String toString() {
      return fixture;
    }
  }

  static Stream<Arguments> programs() {
    List<Program> programs = List.of(
        new Program("bench/kernels.wasm", i -> {
          call(i, "fill", 42);
          return call(i, "hash", 1 << 16) * 31 + call(i, "sieve", 100_000) * 17 + call(i, "fib", 20) * 7
              + call(i, "matmul", 24);
        }),
        new Program("bench/zlib.wasm", i -> {
          call(i, "zlib_fill", 7);
          return call(i, "zlib_deflate", 64 << 10) << 32 ^ call(i, "zlib_inflate", 0);
        }),
        new Program("bench/lua.wasm", i -> {
          assertEquals(0, call(i, "lua_setup", 0), "the script loads");
          return call(i, "lua_run", 400);
        }),
        new Program("bench/sqlite.wasm", i -> call(i, "sqlite_run", 100)),
        new Program("bench/bulk.wasm", i -> call(i, "bulk", 2)));
    List<Arguments> arguments = new ArrayList<>();
    for (Program program : programs) {
      arguments.add(Arguments.of(program, TINY));
      arguments.add(Arguments.of(program, DISPATCH_KEPT));
      if (!program.fixture().equals("bench/bulk.wasm")) { // its functions are below 400 bytes
        arguments.add(Arguments.of(program, NO_PARAMETERS));
      }
    }
    return arguments.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("programs")
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a wrong split can loop for ever
  void aProgramSplitComputesWhatItComputedWhole(Program program, FunctionSplitter.Limits limits) throws IOException {
    byte[] bytes = Files.readAllBytes(Fixtures.wasm(program.fixture()));
    WasmModule whole = Parser.parse(bytes);
    FunctionSplitter.Result split = FunctionSplitter.split(whole, bytes, limits);
    assertNotNull(split, program.fixture() + " has functions above " + limits.splitAbove() + " bytes");
    assertTrue(split.parts() >= split.functionsSplit() && split.functionsSplit() > 0, split.toString());
    WasmModule parts = Parser.parse(split.bytes()); // validates every body
    assertEquals(whole.functionSection().functionCount() + split.parts(), parts.functionSection().functionCount());
    assertEveryPartIsCalled(whole, parts);
    assertEquals(run(whole, program), run(parts, program), program.fixture());
  }

  /** No part is left behind uncalled (by a round of splitting that was undone, say). */
  private static void assertEveryPartIsCalled(WasmModule whole, WasmModule parts) {
    int imports = parts.importSection().count(ExternalType.FUNCTION);
    int firstPart = imports + whole.functionSection().functionCount();
    BitSet called = new BitSet();
    for (FunctionBody body : parts.codeSection().functionBodies()) {
      for (AnnotatedInstruction instruction : body.instructions()) {
        if (instruction.opcode() == OpCode.CALL) {
          called.set((int) instruction.operand(0));
        }
      }
    }
    int count = imports + parts.functionSection().functionCount();
    for (int function = firstPart; function < count; function++) {
      assertTrue(called.get(function), "part " + function + " is never called");
    }
  }

  private static long run(WasmModule module, Program program) {
    Instance instance = Instance.builder(module).withStart(false)
        .withMachineFactory(MachineFactoryCompiler.compile(module)).build();
    for (int e = 0; e < module.exportSection().exportCount(); e++) {
      if (module.exportSection().getExport(e).name().equals("_initialize")) {
        instance.export("_initialize").apply();
      }
    }
    return program.work().applyAsLong(instance);
  }

  private static long call(Instance instance, String function, long argument) {
    long[] result = instance.export(function).apply(argument);
    return result == null || result.length == 0 ? 0 : result[0];
  }

  @Test
  void aModuleWhoseSplitLeavesAMethodAboveHotSpotsLimitIsSplitDeeper() throws IOException {
    byte[] bytes = Files.readAllBytes(Fixtures.wasm("bench/lua.wasm"));
    WasmModule whole = Parser.parse(bytes);
    FunctionSplitter.Limits shallow = new FunctionSplitter.Limits(5_500, 7_000, 7_000, 3_300, 64, 24);
    assertNotEquals(List.of(), ModuleCompiler.slowing(ModuleCompiler.compile(whole, bytes, shallow, shallow)),
        "this split leaves Lua's loop above the limit");
    ModuleCompiler.Compiled compiled = ModuleCompiler.compile(whole, bytes, shallow, FunctionSplitter.Limits.DEEPER);
    assertEquals(List.of(), ModuleCompiler.slowing(compiled));
    assertEquals(whole.functionSection().functionCount() + FunctionSplitter.split(whole, bytes, FunctionSplitter.Limits.DEEPER).parts(),
        compiled.module().functionSection().functionCount(), "split deeper");
  }

  @Test
  void atTheDefaultsLuaAndSqliteCompileWithNoMethodAboveHotSpotsLimitAndNoNotice() throws IOException {
    for (String fixture : List.of("bench/lua.wasm", "bench/sqlite.wasm")) {
      byte[] bytes = Files.readAllBytes(Fixtures.wasm(fixture));
      WasmModule whole = Parser.parse(bytes);
      ModuleCompiler.Compiled compiled = ModuleCompiler.compile(whole, bytes);
      assertEquals(List.of(), ModuleCompiler.slowing(compiled), fixture);
      FunctionSplitter.Result split = FunctionSplitter.split(whole, bytes);
      assertFalse(Arrays.equals(split.bytes(), FunctionSplitter.split(whole, bytes, FunctionSplitter.Limits.DEEPER).bytes()),
          fixture + ": the splits differ");
      assertEquals(whole.functionSection().functionCount() + split.parts(),
          compiled.module().functionSection().functionCount(), fixture + " was split at the defaults, not deeper");
    }
  }

  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aSplitThatSavesNothingEndsAndComputesTheSame() throws IOException {
    byte[] bytes = Files.readAllBytes(Fixtures.wasm("core/wide-locals.wasm"));
    WasmModule whole = Parser.parse(bytes);
    FunctionSplitter.Result split = FunctionSplitter.split(whole, bytes); // ends (the timeout)
    assertNotNull(split, "g is split");
    WasmModule parts = Parser.parse(split.bytes());
    assertEveryPartIsCalled(whole, parts);
    for (int n = 0; n < 4; n++) {
      int argument = n;
      Program program = new Program("core/wide-locals.wasm", i -> call(i, "f", argument) * 31 + call(i, "g", argument));
      assertEquals(run(whole, program), run(parts, program), "f(" + n + ") and g(" + n + ")");
    }
  }

  @Test
  void aModuleWithoutLargeFunctionsIsLeftAlone() throws IOException {
    byte[] bytes = Files.readAllBytes(Fixtures.wasm("core/loop.wasm"));
    assertNull(FunctionSplitter.split(Parser.parse(bytes), bytes));
  }
}
