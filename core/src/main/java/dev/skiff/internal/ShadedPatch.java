package dev.skiff.internal;

import com.dylibso.chicory.compiler.internal.ByteClassCollector;
import com.dylibso.chicory.compiler.internal.Shaded;
import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassTooLargeException;
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
 * inlined, their accesses of private globals redirected and their comparisons that jumps test fused
 * ({@link CompareJumps}). Chicory copies {@code Shaded} into every compiled module, reading its
 * bytecode through the class collector: {@link Collector} hands it this patched bytecode instead, so
 * the copy is made with Chicory's own renaming; each generated class the collector receives is
 * rewritten by {@link #rewrite}, one pass for all three changes.
 */
final class ShadedPatch {
  private static final String CHECK_INTERRUPTION = "checkInterruption";
  /** Chicory's copy of {@code Shaded} in the classes it generates (its default class names). */
  static final String SHADED_COPY = "com/dylibso/chicory/$gen/CompiledMachineShaded";
  private static final Handle BOOTSTRAP = bootstrap(GuestInterrupts.class, "checkSite");
  private static final String MEMORY_EXACTNESS = Type.getInternalName(MemoryExactness.class);
  private static final Handle EXACTNESS = bootstrap(MemoryExactness.class, "site");
  /**
   * The invokedynamic instructions and resolved constants that a rewritten class holds, at most. HotSpot
   * indexes a class's resolved references (one per such instruction, string, method handle, method type
   * and dynamic constant) with 16 bits and wraps past 65,535 without an error, so that a site then runs
   * another's target: SQLite's one class of 3,282 functions, with 68,602 sites once every load and store
   * was one too, trapped at wrong addresses or crashed the JVM (jmh-benchmarks/results/2026-12-07/
   * linked-accesses.md). The rest of a class's checks stay calls; the margin is for what else HotSpot
   * may keep there.
   */
  static final int RESOLVED_REFERENCES_AT_MOST = 65_535 - 1_024;
  private static final int CONSTANT_STRING = 8;
  private static final int CONSTANT_METHOD_HANDLE = 15;
  private static final int CONSTANT_METHOD_TYPE = 16;
  private static final int CONSTANT_DYNAMIC = 17;
  private static final byte[] PATCHED = patch();

  private ShadedPatch() {}

  /** The {@code invokedynamic} bootstrap {@code owner.name(Lookup, String, MethodType)}. */
  private static Handle bootstrap(Class<?> owner, String name) {
    return new Handle(Opcodes.H_INVOKESTATIC, Type.getInternalName(owner), name, MethodType.methodType(CallSite.class,
        MethodHandles.Lookup.class, String.class, MethodType.class).toMethodDescriptorString(), false);
  }

  /**
   * The collector that compiles modules with the patched helpers, and keeps the generated classes
   * rewritten (see {@link #rewrite}). Chicory makes several for one compile and merges them; all of one
   * compile share its {@link PrivateGlobals}.
   */
  static final class Collector extends ByteClassCollector {
    private final PrivateGlobals privateGlobals;

    Collector(PrivateGlobals privateGlobals) {
      this.privateGlobals = privateGlobals;
    }

    @Override
    public byte[] resolve(Class<?> clazz) {
      return clazz == Shaded.class ? PATCHED.clone() : super.resolve(clazz);
    }

    @Override
    public void put(String name, byte[] bytes) {
      super.put(name, rewrite(name, bytes));
    }

    @Override
    public void putMainClass(String name, byte[] bytes) {
      super.putMainClass(name, rewrite(name, bytes));
    }

    private byte[] rewrite(String name, byte[] bytes) {
      // the copy of Shaded holds the helpers that reach the global instances
      if (name.replace('.', '/').equals(SHADED_COPY)) {
        return privateGlobals.withTypedHelpers(ShadedPatch.rewrite(bytes, null));
      }
      return ShadedPatch.rewrite(bytes, privateGlobals);
    }
  }

  /**
   * {@code classFile} with its accesses of {@code privateGlobals} (if not null) redirected (see
   * {@link PrivateGlobals#redirecting}), its comparisons that jumps test fused ({@link CompareJumps}),
   * and each call of Shaded's {@code checkInterruption}, which
   * Chicory puts before every call and on every loop back-edge, replaced by an {@code invokedynamic}
   * linked to the call site of {@link GuestInterrupts#CHECK} ({@link GuestInterrupts#checkSite}). C2
   * inlines the target of such a site, a no-op while no stop is pending, whatever it has inlined into
   * the method before, and a call to the helper only within its inlining budget: in an interpreter's
   * loop, which uses the budget up, each back-edge and call otherwise made a call that does nothing
   * (Lua's loop spent 11% of its time in them). A class gets invokedynamics up to
   * {@link #RESOLVED_REFERENCES_AT_MOST} and keeps its other checks. A method that would grow past {@link HugeMethods#LIMIT}
   * (two bytes a site) or the JVM's 64 KB keeps its calls; a redirect or a fused jump never makes a
   * method larger.
   */
  static byte[] rewrite(byte[] classFile, PrivateGlobals privateGlobals) {
    // no invokedynamic before class file version 51
    boolean inline = new ClassReader(classFile).readUnsignedShort(6) >= Opcodes.V1_7;
    Set<String> keep = new HashSet<>();
    List<HugeMethods.Method> huge = inline ? HugeMethods.in(classFile) : List.of();
    while (true) { // each round keeps at least one more method's checks, or all of them, so it ends
      byte[] rewritten;
      try {
        rewritten = rewrite(classFile, inline ? keep::contains : method -> true, privateGlobals);
      } catch (MethodTooLargeException e) { // ASM names one such method at a time
        if (inline) {
          inline = keep.add(e.getMethodName());
          continue;
        }
        return asMade(classFile, privateGlobals); // redirects and fused jumps never make a method larger, but ASM may widen jumps
      } catch (ClassTooLargeException e) { // the names and call sites added overflow the constant pool
        return asMade(classFile, privateGlobals);
      }
      if (rewritten == null) {
        return classFile; // nothing to change
      }
      if (!inline) {
        return rewritten;
      }
      Set<String> newlyHuge = new HashSet<>();
      HugeMethods.in(rewritten).forEach(m -> newlyHuge.add(m.name()));
      huge.forEach(m -> newlyHuge.remove(m.name()));
      if (newlyHuge.isEmpty()) {
        return rewritten;
      }
      inline = keep.addAll(newlyHuge); // generated method names are unique within a class (func_N, ...)
    }
  }

  /** {@code classFile} as Chicory made it: its checks stay calls, and every global stays with its instance. */
  private static byte[] asMade(byte[] classFile, PrivateGlobals privateGlobals) {
    if (privateGlobals != null) {
      privateGlobals.leaveAll();
    }
    return classFile;
  }

  /** One rewrite, leaving the checks of the methods {@code keep} names as they are; null if nothing changed. */
  private static byte[] rewrite(byte[] classFile, Predicate<String> keep, PrivateGlobals privateGlobals) {
    ClassReader reader = new ClassReader(classFile);
    ClassWriter writer = new ClassWriter(reader, 0);
    boolean[] changed = {false};
    int[] sitesLeft = {RESOLVED_REFERENCES_AT_MOST - resolvedConstants(reader)};
    reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        MethodVisitor method = super.visitMethod(access, name, descriptor, signature, exceptions);
        if (!keep.test(name)) {
          method = inliningChecks(method, sitesLeft, changed);
        }
        if (privateGlobals != null) {
          method = privateGlobals.redirecting(method, changed);
        }
        return new CompareJumps(method, changed);
      }
    }, 0);
    return changed[0] ? writer.toByteArray() : null;
  }

  /**
   * {@code method}'s interrupt checks as invokedynamics while {@code sitesLeft[0]}, which each one counts
   * down, lasts; setting {@code changed[0]} when there is one.
   */
  private static MethodVisitor inliningChecks(MethodVisitor method, int[] sitesLeft, boolean[] changed) {
    return new MethodVisitor(Opcodes.ASM9, method) {
      @Override
      public void visitMethodInsn(int opcode, String owner, String callee, String calleeDescriptor, boolean isInterface) {
        if (opcode == Opcodes.INVOKESTATIC && callee.equals(CHECK_INTERRUPTION) && calleeDescriptor.equals("()V")
            && owner.equals(SHADED_COPY) && sitesLeft[0] > 0) {
          super.visitInvokeDynamicInsn(CHECK_INTERRUPTION, "()V", BOOTSTRAP);
          sitesLeft[0]--;
          changed[0] = true;
        } else {
          super.visitMethodInsn(opcode, owner, callee, calleeDescriptor, isInterface);
        }
      }

      @Override
      public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
        sitesLeft[0]--; // Chicory makes none, but one would count
        super.visitInvokeDynamicInsn(name, descriptor, bootstrap, arguments);
      }
    };
  }

  /**
   * The constants of {@code reader}'s class that HotSpot keeps among its resolved references beside the
   * invokedynamic instructions: strings, method handles, method types and dynamic constants.
   */
  private static int resolvedConstants(ClassReader reader) {
    int constants = 0;
    for (int item = 1; item < reader.getItemCount(); item++) {
      int offset = reader.getItem(item); // just past the tag; 0 for the unused slot after a long or double
      if (offset > 0) {
        int tag = reader.readByte(offset - 1);
        if (tag == CONSTANT_STRING || tag == CONSTANT_METHOD_HANDLE || tag == CONSTANT_METHOD_TYPE || tag == CONSTANT_DYNAMIC) {
          constants++;
        }
      }
    }
    return constants;
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
   * {@code method} with each call of {@link MemoryExactness#assumed} replaced by an {@code invokedynamic}
   * linked to the module's {@code ExactnessAssumption} ({@link MemoryExactness#site}), whose constant
   * target C2 folds where a call's result it would have to test on every access.
   */
  private static void linkExactness(MethodNode method) {
    for (AbstractInsnNode insn : method.instructions.toArray()) {
      if (insn instanceof MethodInsnNode) {
        MethodInsnNode call = (MethodInsnNode) insn;
        if (call.getOpcode() == Opcodes.INVOKESTATIC && call.owner.equals(MEMORY_EXACTNESS)
            && call.name.equals("assumed") && call.desc.equals("()Z")) {
          method.instructions.set(call, new InvokeDynamicInsnNode("assumed", "()Z", EXACTNESS));
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
