package dev.skiff.internal;

import java.util.function.Consumer;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/** What the tests of the bytecode rewrites read from class files, and how they load them. */
final class ClassFiles {
  private ClassFiles() {}

  /**
   * A class {@code name} with one static method {@code func_0} of {@code descriptor}, as Chicory names a
   * guest function: {@code code}, then the return its descriptor asks for; frames and sizes computed.
   */
  static byte[] withFunction(String name, String descriptor, Consumer<MethodVisitor> code) {
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
    writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, name, null, "java/lang/Object", null);
    MethodVisitor m = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "func_0", descriptor, null, null);
    m.visitCode();
    code.accept(m);
    m.visitInsn(Type.getReturnType(descriptor).getOpcode(Opcodes.IRETURN));
    m.visitMaxs(0, 0);
    m.visitEnd();
    writer.visitEnd();
    return writer.toByteArray();
  }

  /** A method call, seen in method {@code method} of a class file. */
  interface Call {
    void seen(String method, String owner, String callee);
  }

  /** Hands each method call in {@code classFile} to {@code call}, in order. */
  static void forEachCall(byte[] classFile, Call call) {
    new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        return new MethodVisitor(Opcodes.ASM9) {
          @Override
          public void visitMethodInsn(int opcode, String owner, String callee, String desc, boolean isInterface) {
            call.seen(name, owner, callee);
          }
        };
      }
    }, 0);
  }

  /**
   * {@code classFile}, defined in a loader of its own whose parent is {@code parent}, and initialized,
   * which verifies it.
   */
  static Class<?> defined(byte[] classFile, ClassLoader parent) throws ClassNotFoundException {
    String name = new ClassReader(classFile).getClassName().replace('/', '.');
    ClassLoader loader = new ClassLoader(parent) {
      {
        defineClass(name, classFile, 0, classFile.length);
      }
    };
    return Class.forName(name, true, loader);
  }
}
