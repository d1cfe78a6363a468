package dev.skiff.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.OpcodeImpl;
import com.dylibso.chicory.wasm.Parser;
import dev.skiff.testsupport.Fixtures;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

class CompareJumpsTest {
  private static final String OPCODE_IMPL = Type.getInternalName(OpcodeImpl.class);
  /** The jumps a comparison can be tested by: the jump, and how many {@code i32.eqz}s come first. */
  private static final int[][] SHAPES = {{Opcodes.IFNE, 0}, {Opcodes.IFEQ, 0}, {Opcodes.IFNE, 1}, {Opcodes.IFEQ, 1},
      {Opcodes.IFNE, 2}};
  private static final Object[] INTS = {0, 1, -1, 2, -2, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE + 1,
      Integer.MAX_VALUE - 1};
  private static final Object[] LONGS = {0L, 1L, -1L, 2L, Long.MIN_VALUE, Long.MAX_VALUE, 0xffff_ffffL, 1L << 32,
      Long.MIN_VALUE + 1};
  private static final Object[] FLOATS = {0f, -0f, 1f, -1f, Float.NaN, Float.intBitsToFloat(0xffc0_0001),
      Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE};
  private static final Object[] DOUBLES = {0d, -0d, 1d, -1d, Double.NaN, Double.longBitsToDouble(0xfff8_0000_0000_0001L),
      Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE};

  /**
   * Every comparison of Chicory's {@code OpcodeImpl}, tested by each shape of jump, with the calls
   * fused away and the class verified, takes the branch that Chicory's own result takes, on each pair
   * of edge values (NaNs, signed zeros, infinities, the extremes both signed and unsigned).
   */
  @Test
  void everyFusedComparisonJumpsAsChicorysResultWould() throws ReflectiveOperationException {
    List<Method> comparisons = new ArrayList<>();
    for (Method m : OpcodeImpl.class.getMethods()) {
      if (Modifier.isStatic(m.getModifiers()) && m.getReturnType() == int.class
          && m.getName().matches("[IF](32|64)_(EQZ|EQ|NE|LT|GT|LE|GE)(_[SU])?")) {
        comparisons.add(m);
      }
    }
    assertEquals(2 + 4 * 6 + 2 * 4, comparisons.size(), "eqz of both integers, and six tests of each type and sign");
    byte[] made = tests(comparisons);
    byte[] fused = rewritten(made, true);
    assertEquals(Map.of(), opcodeImplCalls(fused), "every comparison fused");
    Class<?> tests = define(fused);
    int cases = 0;
    for (Method comparison : comparisons) {
      Object[] values = values(comparison.getParameterTypes()[0]);
      for (int[] shape : SHAPES) {
        Method test = tests.getDeclaredMethod(testName(comparison, shape), comparison.getParameterTypes());
        for (Object a : values) {
          for (Object b : comparison.getParameterCount() == 1 ? new Object[] {null} : values) {
            Object[] args = b == null ? new Object[] {a} : new Object[] {a, b};
            boolean holds = ((int) comparison.invoke(null, args) != 0) ^ (shape[1] % 2 == 1);
            int expected = holds == (shape[0] == Opcodes.IFNE) ? 1 : 0;
            assertEquals(expected, (int) test.invoke(null, args), () -> test.getName() + Arrays.toString(args));
            cases++;
          }
        }
      }
    }
    assertTrue(cases > 10_000, "cases: " + cases);
  }

  @Test
  void comparisonsWhoseResultIsAValueOrFlowsToAJoinStayCalls() throws ReflectiveOperationException {
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
    writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "Values", null, "java/lang/Object", null);
    MethodVisitor value = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "notLessThan", "(II)I", null, null);
    value.visitCode();
    value.visitVarInsn(Opcodes.ILOAD, 0);
    value.visitVarInsn(Opcodes.ILOAD, 1);
    value.visitMethodInsn(Opcodes.INVOKESTATIC, OPCODE_IMPL, "I32_LT_S", "(II)I", false);
    value.visitMethodInsn(Opcodes.INVOKESTATIC, OPCODE_IMPL, "I32_EQZ", "(I)I", false);
    value.visitInsn(Opcodes.IRETURN);
    value.visitMaxs(0, 0);
    value.visitEnd();
    // a != 0 && a < b: the comparison's result and a 0 join right before the jump
    MethodVisitor joined = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "joined", "(II)I", null, null);
    joined.visitCode();
    Label zero = new Label();
    Label join = new Label();
    Label taken = new Label();
    joined.visitVarInsn(Opcodes.ILOAD, 0);
    joined.visitJumpInsn(Opcodes.IFEQ, zero);
    joined.visitVarInsn(Opcodes.ILOAD, 0);
    joined.visitVarInsn(Opcodes.ILOAD, 1);
    joined.visitMethodInsn(Opcodes.INVOKESTATIC, OPCODE_IMPL, "I32_LT_S", "(II)I", false);
    joined.visitLabel(join);
    joined.visitJumpInsn(Opcodes.IFNE, taken);
    joined.visitInsn(Opcodes.ICONST_0);
    joined.visitInsn(Opcodes.IRETURN);
    joined.visitLabel(taken);
    joined.visitInsn(Opcodes.ICONST_1);
    joined.visitInsn(Opcodes.IRETURN);
    joined.visitLabel(zero);
    joined.visitInsn(Opcodes.ICONST_0);
    joined.visitJumpInsn(Opcodes.GOTO, join);
    joined.visitMaxs(0, 0);
    joined.visitEnd();
    writer.visitEnd();
    byte[] made = writer.toByteArray();
    byte[] rewritten = rewritten(made, false);
    assertEquals(Map.of("I32_LT_S", 2, "I32_EQZ", 1), opcodeImplCalls(rewritten));
    Class<?> values = define(rewritten);
    Method notLessThan = values.getMethod("notLessThan", int.class, int.class);
    assertEquals(0, notLessThan.invoke(null, 1, 2));
    assertEquals(1, notLessThan.invoke(null, 2, 1));
    Method nonZeroAndLessThan = values.getMethod("joined", int.class, int.class);
    assertEquals(0, nonZeroAndLessThan.invoke(null, 0, 5));
    assertEquals(1, nonZeroAndLessThan.invoke(null, 1, 2));
    assertEquals(0, nonZeroAndLessThan.invoke(null, 2, 1));
  }

  @Test
  void aCompiledModuleJumpsOnNoComparisonCall() throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm("bench/json.wasm"));
    ModuleCompiler.Compiled compiled = ModuleCompiler.compile(Parser.parse(wasm), wasm);
    int unfused = 0;
    int fusedUnsigned = 0;
    for (byte[] classFile : compiled.entry().classes.values()) {
      int[] jumps = comparisonJumps(classFile);
      unfused += jumps[0];
      fusedUnsigned += jumps[1];
    }
    assertEquals(0, unfused, "comparison calls that a jump tests");
    assertTrue(fusedUnsigned > 100, "cJSON's unsigned tests, fused: " + fusedUnsigned);
  }

  /** A class with a method per comparison and shape that returns 1 where its jump is taken, 0 where not. */
  private static byte[] tests(List<Method> comparisons) {
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
    writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "Comparisons", null, "java/lang/Object", null);
    for (Method comparison : comparisons) {
      String descriptor = Type.getMethodDescriptor(comparison);
      for (int[] shape : SHAPES) {
        MethodVisitor m = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, testName(comparison, shape), descriptor, null, null);
        m.visitCode();
        int slot = 0;
        for (Class<?> parameter : comparison.getParameterTypes()) {
          Type type = Type.getType(parameter);
          m.visitVarInsn(type.getOpcode(Opcodes.ILOAD), slot);
          slot += type.getSize();
        }
        m.visitMethodInsn(Opcodes.INVOKESTATIC, OPCODE_IMPL, comparison.getName(), descriptor, false);
        for (int i = 0; i < shape[1]; i++) {
          m.visitMethodInsn(Opcodes.INVOKESTATIC, OPCODE_IMPL, "I32_EQZ", "(I)I", false);
        }
        Label taken = new Label();
        m.visitJumpInsn(shape[0], taken);
        m.visitInsn(Opcodes.ICONST_0);
        m.visitInsn(Opcodes.IRETURN);
        m.visitLabel(taken);
        m.visitInsn(Opcodes.ICONST_1);
        m.visitInsn(Opcodes.IRETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
      }
    }
    writer.visitEnd();
    return writer.toByteArray();
  }

  private static String testName(Method comparison, int[] shape) {
    return comparison.getName() + "_" + "eqz".repeat(shape[1]) + (shape[0] == Opcodes.IFNE ? "ifne" : "ifeq");
  }

  private static Object[] values(Class<?> type) {
    return type == int.class ? INTS : type == long.class ? LONGS : type == float.class ? FLOATS : DOUBLES;
  }

  /**
   * {@code classFile} through {@link ShadedPatch}'s pass, which for these classes (no checks, no
   * globals) is {@link CompareJumps} alone, checking whether it reported a change: the pass hands back
   * the class file itself when nothing changed.
   */
  private static byte[] rewritten(byte[] classFile, boolean changes) {
    byte[] rewritten = ShadedPatch.rewrite(classFile, null);
    assertEquals(changes, rewritten != classFile);
    return rewritten;
  }

  private static Class<?> define(byte[] classFile) throws ClassNotFoundException {
    return ClassFiles.defined(classFile, CompareJumpsTest.class.getClassLoader());
  }

  /** The calls of OpcodeImpl's methods in {@code classFile}, by name. */
  private static Map<String, Integer> opcodeImplCalls(byte[] classFile) {
    Map<String, Integer> calls = new TreeMap<>();
    ClassFiles.forEachCall(classFile, (method, owner, callee) -> {
      if (owner.equals(OPCODE_IMPL)) {
        calls.merge(callee, 1, Integer::sum);
      }
    });
    return calls;
  }

  /**
   * In {@code classFile}, the calls of an OpcodeImpl comparison that an {@code ifne} or {@code ifeq}
   * tests next, and the calls of {@code Integer.compareUnsigned} that a jump tests next (fused ones).
   */
  private static int[] comparisonJumps(byte[] classFile) {
    int[] jumps = {0, 0};
    new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        return new Peephole(null) {
          /** 1 after a comparison's call, 2 after compareUnsigned, else 0. */
          private int after;

          @Override
          void release() {
            after = 0;
          }

          @Override
          public void visitMethodInsn(int opcode, String owner, String callee, String desc, boolean isInterface) {
            after = owner.equals(OPCODE_IMPL) && callee.matches("[IF](32|64)_(EQZ|EQ|NE|LT|GT|LE|GE)(_[SU])?") ? 1
                : owner.equals("java/lang/Integer") && callee.equals("compareUnsigned") ? 2 : 0;
          }

          @Override
          public void visitJumpInsn(int opcode, Label label) {
            if (after == 1 && (opcode == Opcodes.IFNE || opcode == Opcodes.IFEQ)) {
              jumps[0]++;
            } else if (after == 2) {
              jumps[1]++;
            }
            release();
          }
        };
      }
    }, 0);
    return jumps;
  }
}
