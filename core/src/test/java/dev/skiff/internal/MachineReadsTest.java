package dev.skiff.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.Parser;
import dev.skiff.testsupport.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

class MachineReadsTest {
  private static final String INSTANCE = "Lcom/dylibso/chicory/runtime/Instance;";
  private static final int[] FIELDS = {3, 7}; // field 0 holds global 3, field 1 global 7

  @Test
  void aReadOfAGlobalInAFieldBecomesAGetfieldOfTheMachineLoadedFirstAndTheMethodStillVerifies() {
    // (long, double, instance): the instance is in slot 4, the machine goes after the loop's int in slot 5
    byte[] rewritten = MachineReads.in(Map.of("Guest", ClassFiles.withFunction("Guest", "(JD" + INSTANCE + ")I", m -> {
      padding(m);
      Label loop = new Label();
      m.visitInsn(Opcodes.ICONST_0);
      m.visitVarInsn(Opcodes.ISTORE, 5);
      m.visitLabel(loop); // a frame, which must hold the machine
      read(m, 4, 7);
      read(m, 4, 3);
      m.visitInsn(Opcodes.IADD);
      read(m, 4, 5); // not in a field: stays a call
      m.visitInsn(Opcodes.IADD);
      m.visitVarInsn(Opcodes.ISTORE, 5);
      m.visitVarInsn(Opcodes.ILOAD, 5);
      m.visitJumpInsn(Opcodes.IFLT, loop);
      m.visitVarInsn(Opcodes.ILOAD, 5);
    })), FIELDS).get("Guest");
    assertEquals(List.of("25 4", "182 getMachine", "192", "58 6", "3", "54 5", "25 6", "180 i1", "25 6", "180 i0", "96",
        "25 4", "184 readPrivateI32_5", "96", "54 5", "21 5", "155", "21 5", "172"), code(rewritten, "func_0"));
    assertDoesNotThrow(() -> ClassFiles.defined(rewritten, MachineReadsTest.class.getClassLoader()), "verified and initialized");
  }

  @Test
  void aMethodOfAtMostLargerThanBytesKeepsItsCalls() {
    byte[] guest = ClassFiles.withFunction("Guest", "(I" + INSTANCE + ")I", m -> {
      for (int i = 0; i < (MachineReads.LARGER_THAN - 8) / 5; i++) {
        read(m, 1, 3);
        m.visitInsn(Opcodes.POP);
      }
      m.visitInsn(Opcodes.ICONST_0);
    });
    assertArrayEquals(guest, MachineReads.in(Map.of("Guest", guest), FIELDS).get("Guest"));
  }

  @Test
  void aMethodTheReadsWouldTakePastHotSpotsLimitKeepsItsCalls() {
    int reads = (HugeMethods.LIMIT - 16) / 5; // each aload_3, invokestatic, pop: 5 bytes; then aload 5, getfield, pop: 6
    byte[] guest = ClassFiles.withFunction("Guest", "(III" + INSTANCE + ")I", m -> {
      m.visitInsn(Opcodes.ICONST_0);
      m.visitVarInsn(Opcodes.ISTORE, 4); // so the machine goes in slot 5, past the one-byte loads
      for (int i = 0; i < reads; i++) {
        read(m, 3, 3);
        m.visitInsn(Opcodes.POP);
      }
      m.visitInsn(Opcodes.ICONST_0);
    });
    assertEquals(List.of(), HugeMethods.in(guest), "below the limit before");
    assertArrayEquals(guest, MachineReads.in(Map.of("Guest", guest), FIELDS).get("Guest"));
  }

  @Test
  void splitLuasLoopReadsTheHandBacksFromTheMachinesFields() throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm("bench/lua.wasm"));
    int[] fields = {0};
    List<String> large = new ArrayList<>();
    ModuleCompiler.compile(Parser.parse(wasm), wasm).entry().classes.forEach((name, classFile) -> {
      if (name.equals(ShadedPatch.SHADED_COPY.replace('/', '.'))) {
        return;
      }
      ClassNode node = new ClassNode();
      new ClassReader(classFile).accept(node, 0);
      HugeMethods.in(classFile, MachineReads.LARGER_THAN).forEach(m -> {
        MethodNode method = node.methods.stream().filter(n -> n.name.equals(m.name())).findFirst().orElseThrow();
        long reads = 0;
        long calls = 0;
        for (AbstractInsnNode insn : method.instructions) {
          reads += insn instanceof FieldInsnNode f && f.owner.equals("dev/skiff/internal/GlobalsMachine") ? 1 : 0;
          calls += insn instanceof MethodInsnNode c && c.name.startsWith("readPrivateI32_") ? 1 : 0;
        }
        large.add(m.name() + " " + reads + " reads of fields, " + calls + " helper calls");
        fields[0] += (int) reads;
      });
    });
    assertEquals(1, large.size(), "only the loop is that long: " + large);
    assertTrue(fields[0] > 300, large.toString());
  }

  /** Enough {@code nop}s to make the method longer than {@link MachineReads#LARGER_THAN}. */
  private static void padding(MethodVisitor m) {
    for (int i = 0; i < MachineReads.LARGER_THAN; i++) {
      m.visitInsn(Opcodes.NOP);
    }
  }

  /** A read of global {@code global} as the typed helper call that PrivateGlobals redirects it to. */
  private static void read(MethodVisitor m, int instanceSlot, int global) {
    m.visitVarInsn(Opcodes.ALOAD, instanceSlot);
    m.visitMethodInsn(Opcodes.INVOKESTATIC, ShadedPatch.SHADED_COPY, "readPrivateI32_" + global, "(" + INSTANCE + ")I", false);
  }

  private static List<String> code(byte[] classFile, String methodName) {
    ClassNode node = new ClassNode();
    new ClassReader(classFile).accept(node, 0);
    MethodNode method = node.methods.stream().filter(m -> m.name.equals(methodName)).findFirst().orElseThrow();
    List<String> code = new ArrayList<>();
    for (AbstractInsnNode insn : method.instructions) {
      if (insn.getOpcode() <= Opcodes.NOP) {
        continue; // labels, frames and the padding
      }
      String operand = insn instanceof MethodInsnNode call ? " " + call.name
          : insn instanceof FieldInsnNode field ? " " + field.name
          : insn instanceof VarInsnNode local ? " " + local.var : "";
      code.add(insn.getOpcode() + operand);
    }
    return code;
  }
}
