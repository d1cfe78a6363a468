package dev.skiff.internal;

import org.objectweb.asm.AnnotationVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.TypePath;

/**
 * A streaming rewrite of a few instructions of a method's code, which may hold instructions back until
 * it knows their shape: every instruction, label, frame, line number or try-catch block it does not
 * handle first lets them go ({@link #release}), so that nothing is reordered around a label or frame,
 * where flow joins, or any other instruction. The events ASM visits before or after the code carry
 * nothing held (a method never ends with a push or a call held back). A subclass
 * overrides the events it handles, calls {@code super} for the others and writes what it emits to
 * {@link #mv} directly.
 */
abstract class Peephole extends MethodVisitor {
  Peephole(MethodVisitor next) {
    super(Opcodes.ASM9, next);
  }

  /** Writes what is held back, as it came, to {@link #mv}. */
  abstract void release();

  @Override
  public void visitInsn(int opcode) {
    release();
    super.visitInsn(opcode);
  }

  @Override
  public void visitIntInsn(int opcode, int operand) {
    release();
    super.visitIntInsn(opcode, operand);
  }

  @Override
  public void visitLdcInsn(Object value) {
    release();
    super.visitLdcInsn(value);
  }

  @Override
  public void visitVarInsn(int opcode, int slot) {
    release();
    super.visitVarInsn(opcode, slot);
  }

  @Override
  public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
    release();
    super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
  }

  @Override
  public void visitLabel(Label label) {
    release();
    super.visitLabel(label);
  }

  @Override
  public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
    release(); // ASM visits a label before each frame already; kept so that no join is ever missed
    super.visitFrame(type, numLocal, local, numStack, stack);
  }

  @Override
  public void visitLineNumber(int line, Label start) {
    release();
    super.visitLineNumber(line, start);
  }

  @Override
  public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
    release();
    super.visitFieldInsn(opcode, owner, name, descriptor);
  }

  @Override
  public void visitTypeInsn(int opcode, String type) {
    release();
    super.visitTypeInsn(opcode, type);
  }

  @Override
  public void visitJumpInsn(int opcode, Label label) {
    release();
    super.visitJumpInsn(opcode, label);
  }

  @Override
  public void visitIincInsn(int slot, int increment) {
    release();
    super.visitIincInsn(slot, increment);
  }

  @Override
  public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
    release();
    super.visitInvokeDynamicInsn(name, descriptor, bootstrap, arguments);
  }

  @Override
  public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
    release();
    super.visitTableSwitchInsn(min, max, dflt, labels);
  }

  @Override
  public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
    release();
    super.visitLookupSwitchInsn(dflt, keys, labels);
  }

  @Override
  public void visitMultiANewArrayInsn(String descriptor, int dimensions) {
    release();
    super.visitMultiANewArrayInsn(descriptor, dimensions);
  }

  @Override
  public AnnotationVisitor visitInsnAnnotation(int typeRef, TypePath typePath, String descriptor, boolean visible) {
    release(); // it annotates the instruction just visited, which must be written first
    return super.visitInsnAnnotation(typeRef, typePath, descriptor, visible);
  }

  @Override
  public void visitTryCatchBlock(Label start, Label end, Label handler, String type) {
    release();
    super.visitTryCatchBlock(start, end, handler, type);
  }

  @Override
  public void visitMaxs(int maxStack, int maxLocals) {
    release();
    super.visitMaxs(maxStack, maxLocals);
  }
}
