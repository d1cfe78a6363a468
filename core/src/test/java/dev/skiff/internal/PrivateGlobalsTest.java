package dev.skiff.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.skiff.Engine;
import dev.skiff.Skiff;
import dev.skiff.WasmInstance;
import dev.skiff.testsupport.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Globals that only a module's own code sees live in its machine's array ({@link PrivateGlobals}); an
 * exported one stays with Chicory's global instance, and a module whose code reaches globals in any
 * other way keeps all of them there.
 */
class PrivateGlobalsTest {
  private static final String INSTANCE = "Lcom/dylibso/chicory/runtime/Instance;";

  @Test
  void theDefinedNumberGlobalsThatAreNotExportedArePrivate() throws IOException {
    assertEquals(bits(0, 2), PrivateGlobals.of(module("core/globals_shared.wasm")), "$base and $total, not $counter");
    assertEquals(bits(0, 1, 2, 3, 4), PrivateGlobals.of(module("core/globals.wasm")));
  }

  @Test
  void compiledCodeReachesPrivateGlobalsInTheMachineAndTheExportedOneAsBefore() throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm("core/globals_shared.wasm"));
    ModuleCompiler.Compiled compiled = ModuleCompiler.compile(Parser.parse(wasm), wasm);
    Map<String, Integer> sites = new TreeMap<>();
    for (byte[] classFile : compiled.entry().classes.values()) {
      new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
          return new MethodVisitor(Opcodes.ASM9) {
            int constant = -1;

            @Override
            public void visitInsn(int opcode) {
              constant = opcode >= Opcodes.ICONST_0 && opcode <= Opcodes.ICONST_5 ? opcode - Opcodes.ICONST_0 : constant;
            }

            @Override
            public void visitMethodInsn(int opcode, String owner, String callee, String desc, boolean isInterface) {
              if (owner.equals(ShadedPatch.SHADED_COPY) && callee.matches("(read|write)(Private)?Global")) {
                sites.merge(callee + " " + constant, 1, Integer::sum);
              }
            }
          };
        }
      }, 0);
    }
    assertEquals(Map.of("readGlobal 1", 2, "writeGlobal 1", 1, "readPrivateGlobal 0", 1, "readPrivateGlobal 2", 2,
        "writePrivateGlobal 2", 1), sites);
  }

  @Test
  void privateAndExportedGlobalsKeepTheirValuesPerInstance(@TempDir Path store) {
    try (Skiff skiff = Skiff.builder().store(store).build()) {
      var artifact = skiff.pull(Fixtures.wasm("core/globals_shared.wasm").toString());
      for (Engine engine : Engine.values()) {
        try (WasmInstance a = artifact.runner().engine(engine).instantiate();
            WasmInstance b = artifact.runner().engine(engine).instantiate()) {
          assertEquals(1_000 + 10, a.function("step").callLong(3), engine.toString());
          assertEquals(2_000 + 10 + 8, a.function("step").callLong(1), engine.toString());
          assertEquals(1_000 + 107, b.function("step").callLong(100), engine.toString());
          assertEquals(3_000 + 18 + 7, a.function("step").callLong(0), engine.toString());
        }
      }
    }
  }

  @Test
  void aGlobalReachedWithoutAConstantIndexLeavesEveryGlobalToTheGlobalInstances() {
    Map<String, byte[]> constant = Map.of("C", guestClass(false));
    Map<String, byte[]> computed = Map.of("C", guestClass(true));
    Map<String, byte[]> rewritten = PrivateGlobals.rewrite(constant, bits(0));
    assertTrue(new String(rewritten.get("C"), java.nio.charset.StandardCharsets.ISO_8859_1).contains("readPrivateGlobal"));
    assertSame(computed, PrivateGlobals.rewrite(computed, bits(0)));
  }

  /** A class whose one method reads global 0 with a constant index, then (when {@code computed}) one from a local. */
  private static byte[] guestClass(boolean computed) {
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
    writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "C", null, "java/lang/Object", null);
    MethodVisitor m = writer.visitMethod(Opcodes.ACC_STATIC, "func_0", "(I" + INSTANCE + ")J", null, null);
    m.visitCode();
    m.visitInsn(Opcodes.ICONST_0);
    m.visitVarInsn(Opcodes.ALOAD, 1);
    m.visitMethodInsn(Opcodes.INVOKESTATIC, ShadedPatch.SHADED_COPY, "readGlobal", "(I" + INSTANCE + ")J", false);
    if (computed) {
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 1);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, ShadedPatch.SHADED_COPY, "readGlobal", "(I" + INSTANCE + ")J", false);
      m.visitInsn(Opcodes.LADD);
    }
    m.visitInsn(Opcodes.LRETURN);
    m.visitMaxs(0, 0);
    m.visitEnd();
    writer.visitEnd();
    return writer.toByteArray();
  }

  private static WasmModule module(String fixture) throws IOException {
    return Parser.parse(Files.readAllBytes(Fixtures.wasm(fixture)));
  }

  private static BitSet bits(int... indices) {
    BitSet set = new BitSet();
    for (int i : indices) {
      set.set(i);
    }
    return set;
  }
}
