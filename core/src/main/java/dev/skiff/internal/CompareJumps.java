package dev.skiff.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Fuses each comparison that a jump tests into the JVM's own compare-and-jump. Chicory compiles a Wasm
 * comparison ({@code i32.lt_u}, {@code f64.eq}, ...) to a call of {@code OpcodeImpl}'s method, which
 * returns 0 or 1, and a {@code br_if} or {@code if} on it to an {@code ifne} or {@code ifeq}: of the
 * 1,318 calls of {@code OpcodeImpl} in cJSON's compiled code, 1,089 go this way. C2 inlines each of
 * those calls only within the inlining budget it spends on the whole method, and leaves the rest,
 * often the memory helpers, as calls (JSON spent 5% of its time in out-of-line comparisons, and 15% in
 * out-of-line loads and stores). A fused pair is the code C2 makes of an inlined one, without the call
 * and up to 3 bytes of bytecode shorter (an unsigned test calls the JDK's {@code compareUnsigned},
 * which C2 inlines or turns into an intrinsic). An {@code i32.eqz} of a comparison negates the jump.
 * A comparison whose result is a value (stored, selected, returned) stays a call.
 *
 * <p>Floating-point tests use the {@code fcmp}/{@code dcmp} variant whose result for NaN fails the
 * test, as {@code OpcodeImpl} does, so that the negated jump of an {@code ifeq} holds for NaN.
 */
final class CompareJumps extends Peephole {
  private static final String OPCODE_IMPL = "com/dylibso/chicory/runtime/OpcodeImpl";
  private static final Map<String, Fused> FUSED = fused();
  /** Stack slots this rewrite may use beyond the method's own: {@code i64.eqz}'s zero. */
  private static final int EXTRA_STACK = 2;

  /**
   * A comparison as a jump: what runs on its operands first, and the jump taken when the comparison
   * holds.
   */
  private record Fused(Consumer<MethodVisitor> operands, int jumpIfTrue) {}

  private final boolean[] changed;
  /** The comparison held back, or null. */
  private Fused held;
  private String heldName;
  private String heldDescriptor;
  /** The {@code i32.eqz}s held back after it: each negates the jump. */
  private int negations;
  private boolean fusedLongZero;

  /** {@code next} with the comparisons that jumps test fused; sets {@code changed[0]} when there is one. */
  CompareJumps(MethodVisitor next, boolean[] changed) {
    super(next);
    this.changed = changed;
  }

  private static Map<String, Fused> fused() {
    Map<String, Fused> fused = new HashMap<>();
    Consumer<MethodVisitor> none = v -> {};
    Consumer<MethodVisitor> unsignedInts = v -> v.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Integer", "compareUnsigned", "(II)I", false);
    Consumer<MethodVisitor> longs = v -> v.visitInsn(Opcodes.LCMP);
    Consumer<MethodVisitor> unsignedLongs = v -> v.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
    fused.put("I32_EQZ(I)I", new Fused(none, Opcodes.IFEQ));
    fused.put("I64_EQZ(J)I", new Fused(v -> {
      v.visitInsn(Opcodes.LCONST_0);
      v.visitInsn(Opcodes.LCMP);
    }, Opcodes.IFEQ));
    fused.put("I32_EQ(II)I", new Fused(none, Opcodes.IF_ICMPEQ));
    fused.put("I32_NE(II)I", new Fused(none, Opcodes.IF_ICMPNE));
    fused.put("I64_EQ(JJ)I", new Fused(longs, Opcodes.IFEQ));
    fused.put("I64_NE(JJ)I", new Fused(longs, Opcodes.IFNE));
    orders(fused, "I32_", "_S(II)I", none, Opcodes.IF_ICMPLT, Opcodes.IF_ICMPGT, Opcodes.IF_ICMPLE, Opcodes.IF_ICMPGE);
    orders(fused, "I32_", "_U(II)I", unsignedInts, Opcodes.IFLT, Opcodes.IFGT, Opcodes.IFLE, Opcodes.IFGE);
    orders(fused, "I64_", "_S(JJ)I", longs, Opcodes.IFLT, Opcodes.IFGT, Opcodes.IFLE, Opcodes.IFGE);
    orders(fused, "I64_", "_U(JJ)I", unsignedLongs, Opcodes.IFLT, Opcodes.IFGT, Opcodes.IFLE, Opcodes.IFGE);
    floats(fused, "F32", "(FF)I", Opcodes.FCMPL, Opcodes.FCMPG);
    floats(fused, "F64", "(DD)I", Opcodes.DCMPL, Opcodes.DCMPG);
    return Map.copyOf(fused);
  }

  /** An integer comparison's four orders, {@code prefix + "LT" + suffix} and so on. */
  private static void orders(Map<String, Fused> fused, String prefix, String suffix, Consumer<MethodVisitor> operands,
      int lt, int gt, int le, int ge) {
    fused.put(prefix + "LT" + suffix, new Fused(operands, lt));
    fused.put(prefix + "GT" + suffix, new Fused(operands, gt));
    fused.put(prefix + "LE" + suffix, new Fused(operands, le));
    fused.put(prefix + "GE" + suffix, new Fused(operands, ge));
  }

  /** A floating-point type's comparisons; {@code cmpl} gives -1 for NaN, {@code cmpg} 1. */
  private static void floats(Map<String, Fused> fused, String type, String descriptor, int cmpl, int cmpg) {
    fused.put(type + "_EQ" + descriptor, new Fused(v -> v.visitInsn(cmpl), Opcodes.IFEQ));
    fused.put(type + "_NE" + descriptor, new Fused(v -> v.visitInsn(cmpl), Opcodes.IFNE));
    fused.put(type + "_LT" + descriptor, new Fused(v -> v.visitInsn(cmpg), Opcodes.IFLT));
    fused.put(type + "_GT" + descriptor, new Fused(v -> v.visitInsn(cmpl), Opcodes.IFGT));
    fused.put(type + "_LE" + descriptor, new Fused(v -> v.visitInsn(cmpg), Opcodes.IFLE));
    fused.put(type + "_GE" + descriptor, new Fused(v -> v.visitInsn(cmpl), Opcodes.IFGE));
  }

  /** The jump taken when {@code jump} is not. */
  private static int negated(int jump) {
    // counted from IFEQ, each jump and its negation are 2n and 2n + 1: IFEQ/IFNE, IFLT/IFGE, IFGT/IFLE, IF_ICMP*
    return ((jump - Opcodes.IFEQ) ^ 1) + Opcodes.IFEQ;
  }

  @Override
  void release() {
    if (held != null) {
      mv.visitMethodInsn(Opcodes.INVOKESTATIC, OPCODE_IMPL, heldName, heldDescriptor, false);
      for (; negations > 0; negations--) {
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, OPCODE_IMPL, "I32_EQZ", "(I)I", false);
      }
      held = null;
    }
  }

  @Override
  public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
    Fused comparison = opcode == Opcodes.INVOKESTATIC && owner.equals(OPCODE_IMPL) ? FUSED.get(name + descriptor) : null;
    if (comparison == null) {
      super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
      return;
    }
    if (held != null && name.equals("I32_EQZ")) {
      negations++;
      return;
    }
    release();
    held = comparison;
    heldName = name;
    heldDescriptor = descriptor;
  }

  @Override
  public void visitJumpInsn(int opcode, Label label) {
    if (held == null || (opcode != Opcodes.IFNE && opcode != Opcodes.IFEQ)) {
      super.visitJumpInsn(opcode, label);
      return;
    }
    held.operands().accept(mv);
    boolean ifTrue = (opcode == Opcodes.IFNE) == (negations % 2 == 0);
    mv.visitJumpInsn(ifTrue ? held.jumpIfTrue() : negated(held.jumpIfTrue()), label);
    fusedLongZero |= heldName.equals("I64_EQZ");
    held = null;
    negations = 0;
    changed[0] = true;
  }

  @Override
  public void visitMaxs(int maxStack, int maxLocals) {
    release();
    mv.visitMaxs(fusedLongZero ? maxStack + EXTRA_STACK : maxStack, maxLocals);
  }
}
