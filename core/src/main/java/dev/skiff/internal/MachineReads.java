package dev.skiff.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassTooLargeException;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Reads of typed private globals kept in the machine's int fields ({@link PrivateGlobals#intFields}),
 * made in the guest method itself: each {@code readPrivateI32_}<i>n</i>{@code (instance)} call becomes a
 * {@code getfield} of a local that the method loads with its instance's {@link GlobalsMachine} first.
 *
 * <p>C2 inlines into a method a budget of 8,000 bytes of bytecode, the method's own size included
 * ({@code DesiredMethodLimit}). Split Lua's loop method is 7,456 bytes and leaves 544 for its
 * callees, so its 359 reads of the parts' hand-backs, 16 budget bytes each as calls of Shaded's
 * helpers, stayed calls (three of them 8% of Lua's time, compiled on their own). A {@code getfield}
 * is no call, and the rewrite adds one byte a read (the local's {@code aload} is two bytes, the
 * instance's often one; three past slot 255, which the size guard below covers). Only methods longer
 * than {@link #LARGER_THAN} are rewritten, and one that this would take past {@link HugeMethods#LIMIT}
 * or the JVM's 64 KB keeps its calls. Only for code whose typed helpers read the fields: not after
 * {@link PrivateGlobals#settle} undoes them.
 */
final class MachineReads {
  /**
   * The methods rewritten are longer than this: their own size leaves C2 less than 1,000 bytes of its
   * budget, too little for the helper calls of their reads. A smaller method inlines the hottest of
   * them itself, and there the rewrite, which frees budget for other callees and makes the method
   * longer (its first instructions, a byte a read), made SQLite slower: 1.16x the time with every
   * method rewritten, 1.10x with those above 4,000 bytes (its VDBE loop among them).
   */
  static final int LARGER_THAN = 7_000;

  private MachineReads() {}

  /**
   * {@code classes} with the reads of the globals {@code fields} names (field k holds global
   * {@code fields[k]}, ascending as {@link PrivateGlobals#intFields} lists them) made in the methods;
   * the copy of Shaded as it is.
   */
  static Map<String, byte[]> in(Map<String, byte[]> classes, int[] fields) {
    if (fields.length == 0) {
      return classes;
    }
    Map<String, byte[]> rewritten = new LinkedHashMap<>();
    String shaded = ShadedPatch.SHADED_COPY.replace('/', '.');
    classes.forEach((name, classFile) -> rewritten.put(name, name.equals(shaded) ? classFile : in(classFile, fields)));
    return rewritten;
  }

  private static byte[] in(byte[] classFile, int[] fields) {
    Set<String> large = new HashSet<>();
    Set<String> keep = new HashSet<>(); // already above HotSpot's limit: not compiled, so left as they are
    for (HugeMethods.Method m : HugeMethods.in(classFile, LARGER_THAN)) {
      large.add(m.name());
      if (m.length() > HugeMethods.LIMIT) {
        keep.add(m.name());
      }
    }
    if (large.isEmpty()) {
      return classFile;
    }
    while (true) { // each round keeps one more method as it was, so it ends
      ClassNode node = new ClassNode();
      new ClassReader(classFile).accept(node, ClassReader.EXPAND_FRAMES);
      boolean changed = false;
      for (MethodNode method : node.methods) {
        changed |= large.contains(method.name) && !keep.contains(method.name) && rewrite(method, fields);
      }
      if (!changed) {
        return classFile;
      }
      ClassWriter writer = new ClassWriter(0);
      byte[] rewritten;
      try {
        node.accept(writer);
        rewritten = writer.toByteArray();
      } catch (MethodTooLargeException e) {
        if (!keep.add(e.getMethodName())) {
          return classFile;
        }
        continue;
      } catch (ClassTooLargeException e) { // the constants added overflow the pool: the reads stay calls
        return classFile;
      }
      List<String> huge = new ArrayList<>();
      HugeMethods.in(rewritten).forEach(m -> huge.add(m.name()));
      if (keep.containsAll(huge)) {
        return rewritten;
      }
      keep.addAll(huge); // generated method names are unique within a class
    }
  }

  /** Rewrites the field reads of a static method whose last parameter is the instance; true if it rewrote one. */
  private static boolean rewrite(MethodNode method, int[] fields) {
    Type[] parameters = Type.getArgumentTypes(method.desc);
    if ((method.access & Opcodes.ACC_STATIC) == 0 || parameters.length == 0
        || !parameters[parameters.length - 1].getInternalName().equals(PrivateGlobals.INSTANCE_CLASS)) {
      return false;
    }
    // the sizes count a receiver's slot too, which a static method has not: its last slot is one less
    int instance = (Type.getArgumentsAndReturnSizes(method.desc) >> 2) - 2;
    int machine = method.maxLocals;
    boolean changed = false;
    for (AbstractInsnNode insn = method.instructions.getFirst(); insn != null; insn = insn.getNext()) {
      if (insn instanceof MethodInsnNode call && call.getOpcode() == Opcodes.INVOKESTATIC
          && call.owner.equals(ShadedPatch.SHADED_COPY) && call.name.startsWith(PrivateGlobals.INT_READ)
          && call.desc.equals(PrivateGlobals.INT_READ_TYPE)
          && call.getPrevious() instanceof VarInsnNode load && load.getOpcode() == Opcodes.ALOAD && load.var == instance) {
        // the field numbers the machine fills, as the typed helpers find them
        int field = Arrays.binarySearch(fields, Integer.parseInt(call.name.substring(PrivateGlobals.INT_READ.length())));
        if (field >= 0) {
          load.var = machine;
          FieldInsnNode read = new FieldInsnNode(Opcodes.GETFIELD, PrivateGlobals.MACHINE, "i" + field, "I");
          method.instructions.set(call, read);
          insn = read;
          changed = true;
        }
      }
    }
    if (!changed) {
      return false;
    }
    for (AbstractInsnNode insn : method.instructions) {
      if (insn instanceof FrameNode frame) {
        frame.local = withMachine(frame.local, machine);
      }
    }
    InsnList prologue = new InsnList();
    prologue.add(new VarInsnNode(Opcodes.ALOAD, instance));
    prologue.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, PrivateGlobals.INSTANCE_CLASS, "getMachine",
        PrivateGlobals.GET_MACHINE, false));
    prologue.add(new TypeInsnNode(Opcodes.CHECKCAST, PrivateGlobals.MACHINE));
    prologue.add(new VarInsnNode(Opcodes.ASTORE, machine));
    method.instructions.insert(prologue);
    method.maxLocals = machine + 1;
    method.maxStack = Math.max(method.maxStack, 1);
    return true;
  }

  /** A frame's locals (expanded: a long or double one entry for two slots) with the machine in slot {@code machine}. */
  private static List<Object> withMachine(List<Object> locals, int machine) {
    List<Object> with = new ArrayList<>(locals == null ? List.of() : locals);
    int slots = 0;
    for (Object local : with) {
      slots += local == Opcodes.LONG || local == Opcodes.DOUBLE ? 2 : 1;
    }
    while (slots++ < machine) {
      with.add(Opcodes.TOP);
    }
    with.add(PrivateGlobals.MACHINE);
    return with;
  }
}
