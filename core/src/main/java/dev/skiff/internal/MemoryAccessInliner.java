package dev.skiff.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Copies the bodies of Chicory's memory load and store helpers into the generated functions that
 * call them, so that each access site has its own JIT profile.
 *
 * <p>Chicory 1.7.5 compiles a Wasm load to {@code invokestatic Shaded.memoryReadInt(base, offset,
 * memory)}, a helper shared by every access of every function, whose body is
 * {@code memory.readInt(getAddr(base, offset))}. Two things stop C2 inlining that chain where it
 * matters: the {@code Memory} interface has two loaded implementations (Chicory's
 * {@code Instance.Builder} links {@code ByteBufferMemory::new} as its default even when a factory is
 * given), so the call needs a type profile; and the profile and call counts C2 consults are those of
 * the shared helper, not of the site, so hot sites were judged "low call site frequency" and
 * "virtual call" and left as two calls per access. With the body at the site, the interface call is
 * profiled where it is (monomorphic: Skiff's memory) and counted with the loop around it.
 *
 * <p>The copied instructions are the helper's own, in the same order (arguments parked in fresh
 * locals, then the helper's loads, its {@code getAddr} call and its interface call), so traps and
 * results are unchanged. A helper whose body is not of that exact shape is left alone, and so is a
 * method the copies would push over the JVM's limits: 64 KiB of code, or the 8000 bytes above which
 * HotSpot does not JIT-compile a method ({@code -XX:HugeMethodLimit}) when it was below them.
 */
final class MemoryAccessInliner {
  private static final String MEMORY = "com/dylibso/chicory/runtime/Memory";
  /** HotSpot's default {@code HugeMethodLimit}: larger methods stay interpreted. */
  private static final int HUGE_METHOD = 8000;
  private static final int MAX_CODE = 65535;

  private MemoryAccessInliner() {}

  /**
   * The classes with the memory helpers inlined into their callers; {@code classes} maps binary
   * names (with dots) to class bytes and is not changed.
   */
  static Map<String, byte[]> inline(Map<String, byte[]> classes) {
    Map<String, Map<String, MethodNode>> helpers = new HashMap<>();
    for (Map.Entry<String, byte[]> e : classes.entrySet()) {
      Map<String, MethodNode> found = helpers(e.getValue());
      if (!found.isEmpty()) {
        helpers.put(e.getKey().replace('.', '/'), found);
      }
    }
    if (helpers.isEmpty()) {
      return classes;
    }
    Map<String, byte[]> out = new java.util.LinkedHashMap<>();
    classes.forEach((name, bytes) -> out.put(name, rewrite(bytes, helpers)));
    return out;
  }

  /** The memory helpers of a class, by name and descriptor, whose body this can copy. */
  private static Map<String, MethodNode> helpers(byte[] bytes) {
    ClassNode node = new ClassNode();
    new ClassReader(bytes).accept(node, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    Map<String, MethodNode> found = new HashMap<>();
    for (MethodNode m : node.methods) {
      if ((m.name.startsWith("memoryRead") || m.name.startsWith("memoryWrite"))
          && (m.access & Opcodes.ACC_STATIC) != 0 && m.tryCatchBlocks.isEmpty()
          && isCopyable(node.name, m)) {
        found.put(m.name + m.desc, m);
      }
    }
    return found;
  }

  /**
   * Whether {@code m} is exactly: loads of its arguments, {@code owner.getAddr(II)I}, loads, one
   * {@code Memory} interface call, return.
   */
  private static boolean isCopyable(String owner, MethodNode m) {
    int getAddr = 0;
    int memoryCalls = 0;
    boolean returned = false;
    for (AbstractInsnNode insn : m.instructions) {
      if (insn.getOpcode() < 0) {
        continue; // labels, line numbers
      }
      if (returned) {
        return false;
      }
      if (insn instanceof VarInsnNode && isLoad(insn.getOpcode())) {
        continue;
      }
      if (insn instanceof MethodInsnNode) {
        MethodInsnNode call = (MethodInsnNode) insn;
        if (call.getOpcode() == Opcodes.INVOKESTATIC && call.owner.equals(owner)
            && call.name.equals("getAddr") && call.desc.equals("(II)I") && memoryCalls == 0) {
          getAddr++;
          continue;
        }
        if (call.getOpcode() == Opcodes.INVOKEINTERFACE && call.owner.equals(MEMORY) && getAddr == 1) {
          memoryCalls++;
          continue;
        }
        return false;
      }
      if (insn.getOpcode() >= Opcodes.IRETURN && insn.getOpcode() <= Opcodes.RETURN) {
        returned = true;
        continue;
      }
      return false;
    }
    return getAddr == 1 && memoryCalls == 1 && returned;
  }

  private static boolean isLoad(int opcode) {
    return opcode >= Opcodes.ILOAD && opcode <= Opcodes.ALOAD;
  }

  private static byte[] rewrite(byte[] bytes, Map<String, Map<String, MethodNode>> helpers) {
    Set<String> kept = new HashSet<>(); // methods left as they were: name + desc
    while (true) {
      ClassNode node = new ClassNode();
      new ClassReader(bytes).accept(node, 0);
      boolean changed = false;
      for (MethodNode m : node.methods) {
        if (!kept.contains(m.name + m.desc)) {
          changed |= inlineCalls(m, helpers);
        }
      }
      if (!changed) {
        return bytes;
      }
      ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
      node.accept(writer);
      byte[] result = writer.toByteArray();
      Map<String, Integer> before = codeSizes(bytes);
      Map<String, Integer> after = codeSizes(result);
      boolean fits = true;
      for (Map.Entry<String, Integer> e : after.entrySet()) {
        int was = before.getOrDefault(e.getKey(), 0);
        int now = e.getValue();
        if (now != was && (now > MAX_CODE || (was <= HUGE_METHOD && now > HUGE_METHOD))) {
          kept.add(e.getKey());
          fits = false;
        }
      }
      if (fits) {
        return result;
      }
    }
  }

  /** Replaces each call of a copyable helper in {@code m} with the helper's body; whether any was. */
  private static boolean inlineCalls(MethodNode m, Map<String, Map<String, MethodNode>> helpers) {
    boolean changed = false;
    int scratch = m.maxLocals; // every site parks its arguments in the same locals, past the method's own
    for (AbstractInsnNode insn : m.instructions.toArray()) {
      if (insn.getOpcode() != Opcodes.INVOKESTATIC) {
        continue;
      }
      MethodInsnNode call = (MethodInsnNode) insn;
      Map<String, MethodNode> ofOwner = helpers.get(call.owner);
      MethodNode helper = ofOwner == null ? null : ofOwner.get(call.name + call.desc);
      if (helper == null) {
        continue;
      }
      m.instructions.insert(call, body(helper, m, scratch));
      m.instructions.remove(call);
      changed = true;
    }
    return changed;
  }

  /**
   * The helper's body for one call site of {@code caller}: the arguments, on the stack, stored in the
   * locals from {@code base} (which no frame of the caller holds), then the helper's instructions up to
   * its return, loading those locals. The sequence has no branches, so the caller's frames stay valid.
   */
  private static InsnList body(MethodNode helper, MethodNode caller, int base) {
    Type[] args = Type.getArgumentTypes(helper.desc);
    int[] slotOf = new int[args.length];
    int slot = 0;
    for (int i = 0; i < args.length; i++) {
      slotOf[i] = slot;
      slot += args[i].getSize();
    }
    caller.maxLocals = Math.max(caller.maxLocals, base + slot);
    InsnList list = new InsnList();
    for (int i = args.length - 1; i >= 0; i--) {
      list.add(new VarInsnNode(args[i].getOpcode(Opcodes.ISTORE), base + slotOf[i]));
    }
    for (AbstractInsnNode insn : helper.instructions) {
      int op = insn.getOpcode();
      if (op < 0 || (op >= Opcodes.IRETURN && op <= Opcodes.RETURN)) {
        continue;
      }
      if (insn instanceof VarInsnNode) {
        list.add(new VarInsnNode(op, base + ((VarInsnNode) insn).var));
      } else {
        MethodInsnNode c = (MethodInsnNode) insn;
        list.add(new MethodInsnNode(c.getOpcode(), c.owner, c.name, c.desc, c.itf));
      }
    }
    return list;
  }

  /** The code length of each method of a class file, by name + descriptor. */
  private static Map<String, Integer> codeSizes(byte[] bytes) {
    ClassReader reader = new ClassReader(bytes);
    char[] buf = new char[reader.getMaxStringLength()];
    int p = reader.header + 6;
    p += 2 + 2 * reader.readUnsignedShort(p); // interfaces
    int fields = reader.readUnsignedShort(p);
    p += 2;
    for (int i = 0; i < fields; i++) {
      p = skipMember(reader, p);
    }
    int methods = reader.readUnsignedShort(p);
    p += 2;
    Map<String, Integer> sizes = new HashMap<>();
    for (int i = 0; i < methods; i++) {
      String key = reader.readUTF8(p + 2, buf) + reader.readUTF8(p + 4, buf);
      int attributes = reader.readUnsignedShort(p + 6);
      int a = p + 8;
      for (int j = 0; j < attributes; j++) {
        if ("Code".equals(reader.readUTF8(a, buf))) {
          sizes.put(key, reader.readInt(a + 10));
        }
        a += 6 + reader.readInt(a + 2);
      }
      p = a;
    }
    return sizes;
  }

  private static int skipMember(ClassReader reader, int p) {
    int attributes = reader.readUnsignedShort(p + 6);
    int a = p + 8;
    for (int j = 0; j < attributes; j++) {
      a += 6 + reader.readInt(a + 2);
    }
    return a;
  }

  /** For tests: the names of the helpers {@link #inline} would copy out of {@code classes}. */
  static List<String> copyableHelpers(Map<String, byte[]> classes) {
    List<String> names = new java.util.ArrayList<>();
    classes.values().forEach(b -> names.addAll(helpers(b).keySet()));
    names.sort(null);
    return names;
  }
}
