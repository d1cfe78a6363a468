package dev.skiff.internal;

import com.dylibso.chicory.compiler.internal.ByteClassCollector;
import com.dylibso.chicory.compiler.internal.Shaded;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.SimpleRemapper;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Chicory's {@link Shaded} with the memory load and store helpers of {@link FlatMemoryAccess} and the
 * global helpers of {@link GlobalAccess}. Chicory copies {@code Shaded} into every compiled module,
 * reading its bytecode through the class collector: {@link Collector} hands it this patched bytecode
 * instead, so the copy is made with Chicory's own renaming and nothing else about the generated code
 * changes.
 */
final class ShadedPatch {
  private static final byte[] PATCHED = patch();

  private ShadedPatch() {}

  /** The collector that compiles modules with the patched helpers. */
  static final class Collector extends ByteClassCollector {
    @Override
    public byte[] resolve(Class<?> clazz) {
      return clazz == Shaded.class ? PATCHED.clone() : super.resolve(clazz);
    }
  }

  private static byte[] patch() {
    Map<String, MethodNode> helpers = helpers();
    ClassReader reader = new ClassReader(new ByteClassCollector().resolve(Shaded.class));
    // COMPUTE_MAXS, not frames: Chicory writes its copy as a version 48 class, which has none
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
        // the out-of-line halves are new methods of Shaded; every other helper must have replaced one
        helpers.forEach((key, helper) -> {
          if (replaced.contains(key)) {
            return;
          }
          if (!helper.name.endsWith("OutOfLine")) {
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
          helpers.put(m.name + m.desc, m);
        }
      }
    }
    return helpers;
  }
}
