package dev.skiff.internal;

import com.dylibso.chicory.compiler.internal.ByteClassCollector;
import com.dylibso.chicory.compiler.internal.Shaded;
import dev.skiff.wasi.internal.FlatMemory;
import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.SimpleRemapper;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Chicory's {@link Shaded} with the memory load and store helpers of {@link FlatMemoryAccess} and the
 * global helpers of {@link GlobalAccess}, and the generated classes with their interrupt checks
 * inlined. Chicory copies {@code Shaded} into every compiled module, reading its bytecode through the
 * class collector: {@link Collector} hands it this patched bytecode instead, so the copy is made with
 * Chicory's own renaming; each generated class the collector receives is rewritten by
 * {@link #inlineInterruptChecks}. After the compile, {@link PrivateGlobals} turns the accesses of
 * globals that only the module sees into calls of two helpers added here.
 */
final class ShadedPatch {
  private static final String CHECK_INTERRUPTION = "checkInterruption";
  /** Chicory's copy of {@code Shaded} in the classes it generates (its default class names). */
  static final String SHADED_COPY = "com/dylibso/chicory/$gen/CompiledMachineShaded";
  private static final Handle BOOTSTRAP = bootstrap(GuestInterrupts.class, "checkSite");
  private static final String FLAT_MEMORY = Type.getInternalName(FlatMemory.class);
  private static final Handle EXACTNESS = bootstrap(MemoryExactness.class, "site");
  private static final byte[] PATCHED = patch();

  private ShadedPatch() {}

  /** The {@code invokedynamic} bootstrap {@code owner.name(Lookup, String, MethodType)}. */
  private static Handle bootstrap(Class<?> owner, String name) {
    return new Handle(Opcodes.H_INVOKESTATIC, Type.getInternalName(owner), name, MethodType.methodType(CallSite.class,
        MethodHandles.Lookup.class, String.class, MethodType.class).toMethodDescriptorString(), false);
  }

  /**
   * The collector that compiles modules with the patched helpers, and keeps the generated classes with
   * their interrupt checks inlined (see {@link #inlineInterruptChecks}).
   */
  static final class Collector extends ByteClassCollector {
    @Override
    public byte[] resolve(Class<?> clazz) {
      return clazz == Shaded.class ? PATCHED.clone() : super.resolve(clazz);
    }

    @Override
    public void put(String name, byte[] bytes) {
      super.put(name, inlineInterruptChecks(bytes));
    }

    @Override
    public void putMainClass(String name, byte[] bytes) {
      super.putMainClass(name, inlineInterruptChecks(bytes));
    }
  }

  /**
   * {@code classFile} with each call of Shaded's {@code checkInterruption}, which Chicory puts before
   * every call and on every loop back-edge, replaced by an {@code invokedynamic} linked to the call
   * site of {@link GuestInterrupts#CHECK} ({@link GuestInterrupts#checkSite}). C2 inlines the target of
   * such a site, a no-op while no stop is pending, whatever it has inlined into the method before, and a
   * call to the helper only within its inlining budget: in an interpreter's loop, which uses the budget
   * up, each back-edge and call otherwise made a call that does nothing (Lua's loop spent 11% of its
   * time in them). A method that would grow past {@link HugeMethods#LIMIT} (two bytes a site) or the
   * JVM's 64 KB keeps its calls.
   */
  static byte[] inlineInterruptChecks(byte[] classFile) {
    if (new ClassReader(classFile).readUnsignedShort(6) < Opcodes.V1_7) {
      return classFile; // no invokedynamic before class file version 51
    }
    Set<String> keep = new HashSet<>();
    List<HugeMethods.Method> huge = HugeMethods.in(classFile);
    while (true) { // each round keeps at least one more method as it is, so it ends
      byte[] rewritten;
      try {
        rewritten = inlineInterruptChecks(classFile, keep);
      } catch (MethodTooLargeException e) { // ASM names one such method at a time
        if (!keep.add(e.getMethodName())) {
          return classFile;
        }
        continue;
      }
      if (rewritten == null) {
        return classFile; // no check to inline
      }
      Set<String> newlyHuge = new HashSet<>();
      HugeMethods.in(rewritten).forEach(m -> newlyHuge.add(m.name()));
      huge.forEach(m -> newlyHuge.remove(m.name()));
      if (newlyHuge.isEmpty()) {
        return rewritten;
      }
      if (!keep.addAll(newlyHuge)) { // generated method names are unique within a class (func_N, ...)
        return classFile;
      }
    }
  }

  /** One rewrite, leaving the methods named in {@code keep} as they are; null if nothing changed. */
  private static byte[] inlineInterruptChecks(byte[] classFile, Set<String> keep) {
    ClassReader reader = new ClassReader(classFile);
    ClassWriter writer = new ClassWriter(reader, 0);
    boolean[] changed = {false};
    reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        MethodVisitor method = super.visitMethod(access, name, descriptor, signature, exceptions);
        if (keep.contains(name)) {
          return method;
        }
        return new MethodVisitor(Opcodes.ASM9, method) {
          @Override
          public void visitMethodInsn(int opcode, String owner, String callee, String calleeDescriptor, boolean isInterface) {
            if (opcode == Opcodes.INVOKESTATIC && callee.equals(CHECK_INTERRUPTION) && calleeDescriptor.equals("()V")
                && owner.equals(SHADED_COPY)) {
              super.visitInvokeDynamicInsn(CHECK_INTERRUPTION, "()V", BOOTSTRAP);
              changed[0] = true;
            } else {
              super.visitMethodInsn(opcode, owner, callee, calleeDescriptor, isInterface);
            }
          }
        };
      }
    }, 0);
    return changed[0] ? writer.toByteArray() : null;
  }

  private static byte[] patch() {
    Map<String, MethodNode> helpers = helpers();
    ClassReader reader = new ClassReader(new ByteClassCollector().resolve(Shaded.class));
    // COMPUTE_MAXS, not frames: Chicory's copy of these bytes computes its own
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
    Set<String> replaced = new HashSet<>();
    reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        MethodNode helper = helpers.get(name + descriptor);
        if (helper == null) {
          return super.visitMethod(access, name, descriptor, signature, exceptions);
        }
        replaced.add(name + descriptor);
        helper.accept(super.visitMethod(access, name, descriptor, signature, exceptions));
        return null; // Chicory's body is dropped
      }

      @Override
      public void visitEnd() {
        // the out-of-line halves and the private globals' helpers are new methods of Shaded; every other
        // helper must have replaced one
        helpers.forEach((key, helper) -> {
          if (replaced.contains(key)) {
            return;
          }
          if (!helper.name.endsWith("OutOfLine") && !PrivateGlobals.HELPERS.contains(helper.name)) {
            throw new IllegalStateException("Chicory's Shaded has no " + key
                + ": this Skiff does not match Chicory " + Versions.CHICORY);
          }
          helper.accept(super.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, helper.name, helper.desc, null, null));
        });
        super.visitEnd();
      }
    }, ClassReader.SKIP_FRAMES);
    return writer.toByteArray();
  }

  /**
   * {@code method} with each call of {@code FlatMemory.allExact()} replaced by an {@code invokedynamic}
   * linked to {@link FlatMemory#exactness} ({@link MemoryExactness#site}), whose constant target C2
   * folds where a call's result it would have to test on every access.
   */
  private static void linkExactness(MethodNode method) {
    for (AbstractInsnNode insn : method.instructions.toArray()) {
      if (insn instanceof MethodInsnNode) {
        MethodInsnNode call = (MethodInsnNode) insn;
        if (call.getOpcode() == Opcodes.INVOKESTATIC && call.owner.equals(FLAT_MEMORY) && call.name.equals("allExact")
            && call.desc.equals("()Z")) {
          method.instructions.set(call, new InvokeDynamicInsnNode("allExact", "()Z", EXACTNESS));
        }
      }
    }
  }

  /**
   * The static methods of FlatMemoryAccess and GlobalAccess by name and descriptor, their calls to their
   * own class renamed to Shaded.
   */
  private static Map<String, MethodNode> helpers() {
    Map<String, MethodNode> helpers = new HashMap<>();
    String to = Type.getInternalName(Shaded.class);
    for (Class<?> source : List.of(FlatMemoryAccess.class, GlobalAccess.class)) {
      ClassNode template = new ClassNode();
      String from = Type.getInternalName(source);
      new ClassReader(new ByteClassCollector().resolve(source))
          .accept(new ClassRemapper(template, new SimpleRemapper(Opcodes.ASM9, from, to)), ClassReader.SKIP_FRAMES | ClassReader.SKIP_DEBUG);
      for (MethodNode m : template.methods) {
        if ((m.access & Opcodes.ACC_STATIC) != 0) {
          linkExactness(m);
          helpers.put(m.name + m.desc, m);
        }
      }
    }
    return helpers;
  }
}
