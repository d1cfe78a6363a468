package dev.skiff.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.Parser;
import dev.skiff.Engine;
import dev.skiff.GuestTrapException;
import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.WasmInstance;
import dev.skiff.testsupport.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

class IndirectCallsTest {
  private static final String FIXTURE = "core/indirect_calls.wasm";
  private static final String TABLE_SET = "core/indirect_calls_table_set.wasm";

  @Test
  void eachCallIndirectOfTheCompiledCodeIsLinkedByIndirectCalls() throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm(FIXTURE));
    Map<String, byte[]> classes = ModuleCompiler.compile(Parser.parse(wasm), wasm).entry().classes;
    List<String> sites = new ArrayList<>();
    List<String> calls = new ArrayList<>();
    classes.values().forEach(classFile -> new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        return new MethodVisitor(Opcodes.ASM9) {
          @Override
          public void visitInvokeDynamicInsn(String site, String type, Handle bootstrap, Object... arguments) {
            if (site.startsWith("call_indirect_")) {
              sites.add(site + " " + bootstrap.getOwner() + "." + bootstrap.getName());
            }
          }

          @Override
          public void visitMethodInsn(int opcode, String owner, String callee, String type, boolean isInterface) {
            if (callee.startsWith("call_indirect_")) {
              calls.add(callee);
            }
          }
        };
      }
    }, 0));
    String bootstrap = " dev/skiff/internal/IndirectCalls.site";
    assertEquals(List.of("call_indirect_0" + bootstrap, "call_indirect_0" + bootstrap, "call_indirect_2" + bootstrap),
        sites.stream().sorted().toList(), "apply, applyOther and callNullary");
    assertEquals(List.of(), calls, "no call of Chicory's call_indirect_N is left");
  }

  @Test
  void aModuleWithAFunctionLeftToTheInterpreterKeepsChicorysCalls() throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm(FIXTURE));
    assertTrue(IndirectCalls.of(Parser.parse(wasm), false).caches());
    assertFalse(IndirectCalls.of(Parser.parse(wasm), true).caches());
  }

  @Test
  void eachTableWriteOfTheCopyOfShadedFirstEndsTheCaches() throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm(TABLE_SET));
    byte[] shaded = ModuleCompiler.compile(Parser.parse(wasm), wasm).entry().classes.get(ShadedPatch.SHADED_COPY.replace('/', '.'));
    List<String> firsts = new ArrayList<>();
    new ClassReader(shaded).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        if (!IndirectCalls.TABLE_WRITES.contains(name)) {
          return null;
        }
        return new MethodVisitor(Opcodes.ASM9) {
          private boolean first = true;

          @Override
          public void visitInvokeDynamicInsn(String site, String type, Handle bootstrap, Object... arguments) {
            if (first) {
              firsts.add(name + " " + site + " " + bootstrap.getName());
            }
            first = false;
          }

          @Override
          public void visitInsn(int opcode) {
            first = false;
          }

          @Override
          public void visitVarInsn(int opcode, int local) {
            first = false;
          }

          @Override
          public void visitMethodInsn(int opcode, String owner, String callee, String type, boolean isInterface) {
            first = false;
          }
        };
      }
    }, 0);
    assertEquals(IndirectCalls.TABLE_WRITES.stream().sorted().map(name -> name + " tablesChanged tableWrite").toList(),
        firsts.stream().sorted().toList());
  }

  @Test
  void aSiteCallsTheFunctionOfEachCallsEntryAndTrapsAsChicoryDoes(@TempDir Path store) {
    for (int round = 0; round < 2; round++) { // the second loads the code the first compiled from the store's cache
      try (Skiff skiff = Skiff.builder().store(store).build()) {
        WasmArtifact artifact = skiff.pull(Fixtures.wasm(FIXTURE).toString());
        for (Engine engine : Engine.values()) {
          String where = engine + ", round " + round;
          try (WasmInstance a = artifact.runner().engine(engine).instantiate();
              WasmInstance b = artifact.runner().engine(engine).instantiate()) {
            // the first call links apply's site to double; each later entry must still reach its own function
            assertEquals(14, a.function("apply").callInt(0, 7), where);
            assertEquals(49, a.function("apply").callInt(1, 7), where);
            assertEquals(10, b.function("apply").callInt(0, 5), where);
            assertEquals(25, b.function("apply").callInt(1, 5), where);
            // count adds to the global of the instance it runs in, through the site linked by the other
            assertEquals(3, a.function("apply").callInt(3, 3), where);
            assertEquals(4, b.function("apply").callInt(3, 4), where);
            assertEquals(13, a.function("apply").callInt(3, 10), where);
            assertEquals(8, b.function("apply").callInt(3, 4), where);
            assertEquals(144, b.function("applyOther").callInt(1, -12), where);
            assertEquals(-2, b.function("applyOther").callInt(0, -1), where);
            // an imported function in the table is called the way Chicory compiled it, the module's own directly
            assertEquals(0, a.function("callNullary").callInt(5), where);
            assertEquals(7, a.function("callNullary").callInt(6), where);
            assertEquals(0, b.function("callNullary").callInt(5), where);
          }
          // entries of another type, empty or past the table trap at linked sites (a trap ends its instance)
          for (String function : List.of("apply", "applyOther", "callNullary")) {
            for (int entry : new int[] {function.equals("callNullary") ? 0 : 5, 2, 4, 8, -1}) {
              try (WasmInstance trapping = artifact.runner().engine(engine).instantiate()) {
                Number[] arguments = function.equals("callNullary") ? new Number[] {entry} : new Number[] {entry, 1};
                assertThrows(GuestTrapException.class, () -> trapping.function(function).callInt(arguments),
                    where + ", " + function + ", entry " + entry);
              }
            }
          }
          try (WasmInstance after = artifact.runner().engine(engine).instantiate()) {
            assertEquals(2, after.function("apply").callInt(0, 1), where);
            assertEquals(9, after.function("applyOther").callInt(1, 3), where);
            assertEquals(7, after.function("callNullary").callInt(6), where);
          }
        }
      }
    }
  }

  @Test
  void aModuleWhoseCodeSetsItsTableCallsWhatTheEntryHoldsNow(@TempDir Path store) {
    try (Skiff skiff = Skiff.builder().store(store).build()) {
      WasmArtifact artifact = skiff.pull(Fixtures.wasm(TABLE_SET).toString());
      for (Engine engine : Engine.values()) {
        try (WasmInstance a = artifact.runner().engine(engine).instantiate();
            WasmInstance b = artifact.runner().engine(engine).instantiate()) {
          assertEquals(14, a.function("apply").callInt(0, 7), engine.toString());
          assertEquals(14, b.function("apply").callInt(0, 7), engine.toString());
          a.function("copy").callVoid(0, 1);
          assertEquals(49, a.function("apply").callInt(0, 7), engine + ": entry 0 is square now");
          assertEquals(14, b.function("apply").callInt(0, 7), engine + ": the other instance's table is its own");
        }
      }
    }
  }
}
