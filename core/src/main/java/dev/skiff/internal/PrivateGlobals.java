package dev.skiff.internal;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Global;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The globals that only a module's own code sees (defined in it, of a number type, not exported: Skiff
 * links no global imports and hands out no global exports, but Chicory could) live in the instance's
 * {@link GlobalsMachine} instead of Chicory's {@code GlobalInstance}s: compiled code reads one of them
 * as {@code machine.values[index]}, or for one of the first {@link GlobalsMachine#INT_FIELDS} i32 ones
 * as an int field of the machine, a load and a range test fewer, where Chicory's helpers and
 * {@link GlobalAccess} go through the instance's array of global instances to the value field.
 * wasm-ld's stack pointer is one, and so are the scratch globals through which {@link FunctionSplitter}'s
 * parts hand back their outputs: split Lua makes about 46 million global accesses a call, SQLite 21
 * million.
 *
 * <p>One instance serves one compile. In the pass {@link ShadedPatch} makes over each generated class,
 * {@link #redirecting} turns each {@code readGlobal}/{@code writeGlobal} call whose index is a private
 * global into a call of a helper of the module's copy of {@code Shaded}: for an i32 global one of its
 * own ({@link #withTypedHelpers}), which takes no index and no conversion, otherwise
 * {@code readPrivateGlobal}/{@code writePrivateGlobal}, which {@link ShadedPatch} adds. A typed global
 * is reached through its helpers alone, since most live in the machine's int fields, not its array: an
 * access without Chicory's conversion right beside it gets one written out. The index must be the
 * constant that Chicory pushes right before the instance. If any access has its index another way, or a
 * function of the module is interpreted (Chicory's interpreter reads the global instances),
 * {@link #settle} points every private helper at the global instances, so that every access of a
 * global goes to one place. A private global's {@code GlobalInstance} keeps the value it had before the
 * first call, so nothing outside the module's code may read it.
 */
final class PrivateGlobals {
  /** The helpers {@link ShadedPatch} adds to {@code Shaded} for the redirected accesses of untyped globals. */
  static final Set<String> HELPERS = Set.of("readPrivateGlobal", "writePrivateGlobal");
  static final String INSTANCE_CLASS = "com/dylibso/chicory/runtime/Instance";
  private static final String GLOBAL_INSTANCE_CLASS = "com/dylibso/chicory/runtime/GlobalInstance";
  private static final String INSTANCE = "L" + INSTANCE_CLASS + ";";
  private static final String SHADED_CLASS_NAME = ShadedPatch.SHADED_COPY.replace('/', '.');
  private static final String READ = "(I" + INSTANCE + ")J";
  private static final String WRITE = "(JI" + INSTANCE + ")V";
  private static final int CONSTANT_UTF8 = 1;
  /** The typed helpers of an i32 private global are these names followed by its index. */
  static final String INT_READ = "readPrivateI32_";
  private static final String INT_WRITE = "writePrivateI32_";
  static final String INT_READ_TYPE = "(" + INSTANCE + ")I";
  private static final String INT_WRITE_TYPE = "(I" + INSTANCE + ")V";
  static final String MACHINE = Type.getInternalName(GlobalsMachine.class);
  static final String GET_MACHINE = "()Lcom/dylibso/chicory/runtime/Machine;";
  /**
   * The typed globals of a module, at most: two methods each in the copy of {@code Shaded} keep it far
   * from a class file's 65,535 methods and constants (split Lua has 11 private i32 globals, split SQLite 19).
   */
  static final int TYPED_AT_MOST = 4_096;
  /** The machine's accessors of the private array, and of the global instances that replace them in an undo. */
  private static final Map<String, String> UNDONE_ACCESSORS =
      Map.of("privateValue", "globalValue", "setPrivateValue", "setGlobalValue");

  private final BitSet globals;
  private final BitSet ints;
  private boolean otherShape;

  /**
   * For one compile of a module whose private globals are {@code globals}, of which those in {@code ints}
   * are of type i32 and get typed helpers.
   */
  PrivateGlobals(BitSet globals, BitSet ints) {
    this.globals = (BitSet) globals.clone();
    this.ints = (BitSet) ints.clone();
    this.ints.and(globals);
  }

  /** For one compile of {@code module}: its first {@link #TYPED_AT_MOST} private i32 globals typed. */
  static PrivateGlobals forModule(WasmModule module) {
    BitSet globals = of(module);
    BitSet ints = new BitSet();
    int imported = Modules.importCount(module, ExternalType.GLOBAL);
    Global[] defined = module.globalSection().globals();
    globals.stream().filter(g -> defined[g - imported].valueType().equals(ValType.I32)).limit(TYPED_AT_MOST)
        .forEach(ints::set);
    return new PrivateGlobals(globals, ints);
  }

  /**
   * The typed globals that live in the machine's int fields, by field: the first
   * {@link GlobalsMachine#INT_FIELDS}. A compile's helpers and the machines of its code agree on them,
   * since both take them from the module ({@link #forModule}).
   */
  int[] intFields() {
    return ints.stream().limit(GlobalsMachine.INT_FIELDS).toArray();
  }

  /** The private globals of {@code module}, by Wasm index: defined in it, of a number type, not exported. */
  static BitSet of(WasmModule module) {
    int imported = Modules.importCount(module, ExternalType.GLOBAL);
    BitSet set = new BitSet();
    Global[] globals = module.globalSection().globals();
    for (int g = 0; g < globals.length; g++) {
      if (globals[g].valueType().isNumeric()) { // i32, i64, f32 or f64
        set.set(imported + g);
      }
    }
    for (int e = 0; e < module.exportSection().exportCount(); e++) {
      Export export = module.exportSection().getExport(e);
      if (export.exportType() == ExternalType.GLOBAL) {
        set.clear(export.index());
      }
    }
    return set;
  }

  /**
   * A visitor of a generated method that redirects its accesses of private globals to the machine's
   * helpers, setting {@code changed[0]} when it does, in front of {@code next}. Not for the module's copy
   * of {@code Shaded}, whose helpers are the global instances' one user.
   */
  MethodVisitor redirecting(MethodVisitor next, boolean[] changed) {
    return new Redirecting(next, changed);
  }

  /**
   * Leaves every global with the global instances, as when code reaches one another way: for a class
   * that could not be redirected.
   */
  void leaveAll() {
    otherShape = true;
  }

  /**
   * The generated classes, by name, to keep: {@code classes} as redirected, with the reads of the int
   * fields made in the methods ({@link MachineReads}), or, if a function is
   * {@code interpreted} or generated code reached a global in another way, with the copy of
   * {@code Shaded} calling the machine's accessors of the global instances where its private helpers
   * called those of its array, and its typed helpers made anew to do the same (no int field is read):
   * the redirected classes stay as they are.
   */
  Map<String, byte[]> settle(Map<String, byte[]> classes, Set<Integer> interpreted) {
    if (!otherShape && interpreted.isEmpty()) {
      return MachineReads.in(classes, intFields());
    }
    byte[] shaded = classes.get(SHADED_CLASS_NAME);
    if (shaded == null) { // the private helpers would keep their array: fail here, not in guest code
      throw new IllegalStateException("no " + SHADED_CLASS_NAME + " among the generated classes");
    }
    Map<String, byte[]> undone = new LinkedHashMap<>(classes);
    undone.put(SHADED_CLASS_NAME, renamed(withTypedHelpers(shaded, false), UNDONE_ACCESSORS));
    return undone;
  }

  /**
   * The module's copy of {@code Shaded} with a read and a write helper for each typed private global:
   * {@code readPrivateI32_}<i>n</i>{@code (Instance)int} and {@code writePrivateI32_}<i>n</i>{@code (int,
   * Instance)}. A redirected access calls one of them without the index and the conversion that
   * Chicory's helpers take, 2-4 bytes of bytecode less per access, which counts in an interpreter's
   * loop that must stay under HotSpot's 8,000 bytes (split Lua's, 360 accesses).
   */
  byte[] withTypedHelpers(byte[] shadedCopy) {
    return withTypedHelpers(shadedCopy, true);
  }

  /**
   * {@code shadedCopy} with the typed helpers it has replaced by new ones: those of the globals of
   * {@link #intFields} reach the machine's int fields if {@code inFields}, and every other one its
   * array ({@link GlobalsMachine#privateValue}), which the undo of {@link #settle} renames.
   */
  private byte[] withTypedHelpers(byte[] shadedCopy, boolean inFields) {
    if (ints.isEmpty()) {
      return shadedCopy;
    }
    int[] fields = inFields ? intFields() : new int[0];
    ClassReader reader = new ClassReader(shadedCopy);
    ClassWriter writer = new ClassWriter(reader, 0);
    reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        if (name.startsWith(INT_READ) || name.startsWith(INT_WRITE)) {
          return null; // made anew below
        }
        return super.visitMethod(access, name, descriptor, signature, exceptions);
      }

      @Override
      public void visitEnd() {
        ints.stream().forEach(index -> {
          MethodVisitor read = super.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, INT_READ + index, INT_READ_TYPE, null, null);
          MethodVisitor write = super.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, INT_WRITE + index, INT_WRITE_TYPE, null, null);
          int field = Arrays.binarySearch(fields, index); // the field numbers the machine fills
          if (field >= 0) {
            inField(read, write, "i" + field);
          } else {
            inArray(read, write, index);
          }
        });
        super.visitEnd();
      }
    }, 0);
    return writer.toByteArray();
  }

  /** Bodies of typed helpers that read and write the machine's int field {@code name}. */
  private static void inField(MethodVisitor read, MethodVisitor write, String name) {
    read.visitCode();
    read.visitVarInsn(Opcodes.ALOAD, 0);
    read.visitMethodInsn(Opcodes.INVOKEVIRTUAL, INSTANCE_CLASS, "getMachine", GET_MACHINE, false);
    read.visitTypeInsn(Opcodes.CHECKCAST, MACHINE);
    read.visitFieldInsn(Opcodes.GETFIELD, MACHINE, name, "I");
    read.visitInsn(Opcodes.IRETURN);
    read.visitMaxs(1, 1);
    read.visitEnd();
    write.visitCode();
    write.visitVarInsn(Opcodes.ALOAD, 1);
    write.visitMethodInsn(Opcodes.INVOKEVIRTUAL, INSTANCE_CLASS, "getMachine", GET_MACHINE, false);
    write.visitTypeInsn(Opcodes.CHECKCAST, MACHINE);
    write.visitVarInsn(Opcodes.ILOAD, 0);
    write.visitFieldInsn(Opcodes.PUTFIELD, MACHINE, name, "I");
    write.visitInsn(Opcodes.RETURN);
    write.visitMaxs(2, 2);
    write.visitEnd();
  }

  /** Bodies of typed helpers that read and write global {@code index} in the machine's array. */
  private static void inArray(MethodVisitor read, MethodVisitor write, int index) {
    read.visitCode();
    read.visitLdcInsn(index);
    read.visitVarInsn(Opcodes.ALOAD, 0);
    read.visitMethodInsn(Opcodes.INVOKESTATIC, MACHINE, "privateValue", READ, false);
    read.visitInsn(Opcodes.L2I);
    read.visitInsn(Opcodes.IRETURN);
    read.visitMaxs(2, 1);
    read.visitEnd();
    write.visitCode();
    write.visitVarInsn(Opcodes.ILOAD, 0);
    write.visitInsn(Opcodes.I2L);
    write.visitLdcInsn(index);
    write.visitVarInsn(Opcodes.ALOAD, 1);
    write.visitMethodInsn(Opcodes.INVOKESTATIC, MACHINE, "setPrivateValue", WRITE, false);
    write.visitInsn(Opcodes.RETURN);
    write.visitMaxs(4, 2);
    write.visitEnd();
  }

  /**
   * {@code classFile} with each name of its constant pool that is a key of {@code names} renamed to its
   * value: for the copy of {@code Shaded}, whose helpers then reach the global instances. A copy of the
   * bytes, not another pass of ASM, in the rare compile that needs it.
   */
  static byte[] renamed(byte[] classFile, Map<String, String> names) {
    ClassReader reader = new ClassReader(classFile);
    ByteArrayOutputStream out = new ByteArrayOutputStream(classFile.length);
    int copied = 0;
    for (int item = 1; item < reader.getItemCount(); item++) {
      int offset = reader.getItem(item); // just past the tag; 0 for the unused slot after a long or double
      if (offset == 0 || classFile[offset - 1] != CONSTANT_UTF8) {
        continue;
      }
      int end = offset + 2 + reader.readUnsignedShort(offset);
      // a mismatch for any non-ASCII name
      String renamed = names.get(new String(classFile, offset + 2, end - offset - 2, StandardCharsets.US_ASCII));
      if (renamed != null) {
        byte[] name = renamed.getBytes(StandardCharsets.US_ASCII);
        out.write(classFile, copied, offset - copied);
        out.write(name.length >>> 8);
        out.write(name.length);
        out.write(name, 0, name.length);
        copied = end;
      }
    }
    if (copied == 0) {
      return classFile;
    }
    out.write(classFile, copied, classFile.length - copied);
    return out.toByteArray();
  }

  /**
   * Holds back a constant, the instance's load after it and an {@code i2l} before it, so that an
   * access of a typed private global can drop its index and conversion; any other instruction, or a
   * label or frame between them, where flow joins, first lets what is held go (a typed read let go
   * gets its conversion back as an {@code i2l}).
   */
  private final class Redirecting extends Peephole {
    private static final int NONE = -1;
    private final boolean[] changed;
    /** An {@code i2l} held back, right before the constant. */
    private boolean conversion;
    /** The constant held back: its opcode (or {@link #NONE}), operand and value. */
    private int constantOpcode = NONE;
    private Object constantOperand;
    private int index;
    /** The slot of the {@code aload} held back after the constant, or {@link #NONE}. */
    private int instanceSlot = NONE;
    /** A typed read of private global {@link #index}, issued once an {@code l2i} follows, or with an {@code i2l} as it is let go. */
    private boolean intRead;

    Redirecting(MethodVisitor next, boolean[] changed) {
      super(next);
      this.changed = changed;
    }

    @Override
    void release() {
      if (intRead) { // the read's long is used as it is
        typedCall(INT_READ, INT_READ_TYPE);
        mv.visitInsn(Opcodes.I2L);
      } else {
        if (conversion) {
          mv.visitInsn(Opcodes.I2L);
        }
        if (constantOpcode != NONE) {
          emitConstant();
        }
        if (instanceSlot != NONE) {
          mv.visitVarInsn(Opcodes.ALOAD, instanceSlot);
        }
      }
      drop();
    }

    /** Forgets what is held back: written as it came, or replaced by a typed call. */
    private void drop() {
      conversion = false;
      constantOpcode = NONE;
      instanceSlot = NONE;
      intRead = false;
    }

    /** Calls typed helper {@code name} of private global {@link #index} on the instance held back. */
    private void typedCall(String name, String descriptor) {
      mv.visitVarInsn(Opcodes.ALOAD, instanceSlot);
      mv.visitMethodInsn(Opcodes.INVOKESTATIC, ShadedPatch.SHADED_COPY, name + index, descriptor, false);
      drop();
    }

    private void emitConstant() {
      if (constantOpcode == Opcodes.LDC) {
        mv.visitLdcInsn(constantOperand);
      } else if (constantOpcode == Opcodes.BIPUSH || constantOpcode == Opcodes.SIPUSH) {
        mv.visitIntInsn(constantOpcode, (Integer) constantOperand);
      } else {
        mv.visitInsn(constantOpcode);
      }
    }

    private void hold(int opcode, Object operand, int value) {
      boolean afterConversion = conversion && constantOpcode == NONE && instanceSlot == NONE && !intRead;
      if (!afterConversion) {
        release();
      }
      conversion = afterConversion;
      constantOpcode = opcode;
      constantOperand = operand;
      index = value;
    }

    @Override
    public void visitInsn(int opcode) {
      if (intRead && opcode == Opcodes.L2I) {
        typedCall(INT_READ, INT_READ_TYPE);
      } else if (opcode >= Opcodes.ICONST_0 && opcode <= Opcodes.ICONST_5) {
        hold(opcode, null, opcode - Opcodes.ICONST_0);
      } else if (opcode == Opcodes.I2L) {
        release();
        conversion = true;
      } else {
        super.visitInsn(opcode);
      }
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
      if (opcode == Opcodes.BIPUSH || opcode == Opcodes.SIPUSH) {
        hold(opcode, operand, operand);
      } else {
        super.visitIntInsn(opcode, operand);
      }
    }

    @Override
    public void visitLdcInsn(Object value) {
      if (value instanceof Integer) {
        hold(Opcodes.LDC, value, (Integer) value);
      } else {
        super.visitLdcInsn(value);
      }
    }

    @Override
    public void visitVarInsn(int opcode, int slot) {
      if (opcode == Opcodes.ALOAD && constantOpcode != NONE && instanceSlot == NONE && !intRead) {
        instanceSlot = slot;
      } else {
        super.visitVarInsn(opcode, slot);
      }
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      String callee = redirect(opcode, owner, name, descriptor);
      boolean redirected = !callee.equals(name); // so index and instance are the ones held back
      if (redirected && callee.equals("readPrivateGlobal") && ints.get(index)) {
        if (conversion) {
          mv.visitInsn(Opcodes.I2L); // of another value, before the index
          conversion = false;
        }
        intRead = true; // typed if an l2i follows
        return;
      }
      if (redirected && callee.equals("writePrivateGlobal") && ints.get(index)) {
        if (!conversion) {
          mv.visitInsn(Opcodes.L2I); // of a long made another way: the global keeps its low 32 bits, as in Chicory
        }
        typedCall(INT_WRITE, INT_WRITE_TYPE);
        return;
      }
      super.visitMethodInsn(opcode, owner, callee, descriptor, isInterface);
    }

    /** The method that a call of {@code owner.name} should call instead, or {@code name}. */
    private String redirect(int opcode, String owner, String name, String descriptor) {
      if ((owner.equals(INSTANCE_CLASS) && name.equals("global")) || owner.equals(GLOBAL_INSTANCE_CLASS)) {
        otherShape = true;
      }
      if (!owner.equals(ShadedPatch.SHADED_COPY) || !name.contains("Global")) {
        return name;
      }
      if (opcode != Opcodes.INVOKESTATIC || constantOpcode == NONE || instanceSlot == NONE || intRead) {
        otherShape = true; // the index is not the constant pushed right before the instance
        return name;
      }
      if (!globals.get(index)) {
        return name;
      }
      String redirected = name.equals("readGlobal") && descriptor.equals(READ) ? "readPrivateGlobal"
          : name.equals("writeGlobal") && descriptor.equals(WRITE) ? "writePrivateGlobal" : null;
      if (redirected == null) {
        otherShape = true; // another helper on a private global
        return name;
      }
      changed[0] = true;
      return redirected;
    }
  }
}
