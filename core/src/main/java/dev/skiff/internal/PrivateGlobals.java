package dev.skiff.internal;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Global;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The globals that only a module's own code sees (defined in it, of a number type, not exported: Skiff
 * links no global imports and hands out no global exports, but Chicory could) live in the instance's
 * {@link GlobalsMachine}'s array instead of Chicory's {@code GlobalInstance}s: compiled code reads one
 * of them as {@code machine.values[index]}, where Chicory's helpers and {@link GlobalAccess} go through
 * the instance's array of global instances to the value field, one dependent load more per access.
 * wasm-ld's stack pointer is one, and so are the scratch globals through which {@link FunctionSplitter}'s
 * parts hand back their outputs: split Lua makes about 46 million global accesses a call, SQLite 21
 * million.
 *
 * <p>One instance serves one compile. In the pass {@link ShadedPatch} makes over each generated class,
 * {@link #redirecting} turns each {@code readGlobal}/{@code writeGlobal} call whose index is a private
 * global into {@code readPrivateGlobal}/{@code writePrivateGlobal}, two helpers that {@link ShadedPatch}
 * adds to the module's copy of {@code Shaded}. The index must be the constant that Chicory pushes right
 * before the instance. If any access has another shape, or a function of the module is interpreted
 * (Chicory's interpreter reads the global instances), {@link #settle} undoes every redirect, so that
 * every access of a global goes to one place. A private global's {@code GlobalInstance} keeps the value
 * it had before the first call, so nothing outside the module's code may read it.
 */
final class PrivateGlobals {
  /** Chicory's helper for each of {@link #HELPERS}. */
  private static final Map<String, String> ORIGINALS =
      Map.of("readPrivateGlobal", "readGlobal", "writePrivateGlobal", "writeGlobal");
  /** The helpers {@link ShadedPatch} adds to {@code Shaded} for the redirected accesses. */
  static final Set<String> HELPERS = ORIGINALS.keySet();
  private static final String INSTANCE_CLASS = "com/dylibso/chicory/runtime/Instance";
  private static final String GLOBAL_INSTANCE_CLASS = "com/dylibso/chicory/runtime/GlobalInstance";
  private static final String INSTANCE = "L" + INSTANCE_CLASS + ";";
  private static final String SHADED_CLASS_NAME = ShadedPatch.SHADED_COPY.replace('/', '.');
  private static final String READ = "(I" + INSTANCE + ")J";
  private static final String WRITE = "(JI" + INSTANCE + ")V";
  private static final int CONSTANT_UTF8 = 1;

  private final BitSet globals;
  private boolean otherShape;

  /** For one compile of a module whose private globals are {@code globals} (see {@link #of}). */
  PrivateGlobals(BitSet globals) {
    this.globals = (BitSet) globals.clone();
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
   * array, setting {@code changed[0]} when it does, in front of {@code next}. Not for the module's copy
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
   * The generated classes, by name, to keep: {@code classes} as redirected, or, if a function is
   * {@code interpreted} or generated code reached a global in another way, with every redirect undone.
   */
  Map<String, byte[]> settle(Map<String, byte[]> classes, Set<Integer> interpreted) {
    if (!otherShape && interpreted.isEmpty()) {
      return classes;
    }
    Map<String, byte[]> undone = new LinkedHashMap<>();
    classes.forEach((name, classFile) -> undone.put(name, name.equals(SHADED_CLASS_NAME) ? classFile : undo(classFile)));
    return undone;
  }

  /**
   * {@code classFile} calling Chicory's helpers where it calls the private ones. A redirect only named
   * another method, so this renames the two names back in the constant pool: a copy of the bytes, not
   * another pass of ASM over a module's code, in the rare compile that needs it.
   */
  static byte[] undo(byte[] classFile) {
    ClassReader reader = new ClassReader(classFile);
    ByteArrayOutputStream out = new ByteArrayOutputStream(classFile.length);
    int copied = 0;
    for (int item = 1; item < reader.getItemCount(); item++) {
      int offset = reader.getItem(item); // just past the tag; 0 for the unused slot after a long or double
      if (offset == 0 || classFile[offset - 1] != CONSTANT_UTF8) {
        continue;
      }
      int end = offset + 2 + reader.readUnsignedShort(offset);
      String original = originalName(Arrays.copyOfRange(classFile, offset + 2, end));
      if (original != null) {
        byte[] name = original.getBytes(StandardCharsets.US_ASCII);
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

  /** The name of Chicory's helper for which {@code utf8} names the private one, or null. */
  private static String originalName(byte[] utf8) {
    return ORIGINALS.get(new String(utf8, StandardCharsets.US_ASCII)); // a mismatch for any non-ASCII name
  }

  /**
   * Follows the last instructions, so that a helper call knows whether its index is the constant pushed
   * right before the instance; a label or frame between them, where flow joins, is another shape.
   */
  private final class Redirecting extends MethodVisitor {
    private final boolean[] changed;
    private boolean constant;
    private boolean constantThenLoad;
    private int index;

    Redirecting(MethodVisitor next, boolean[] changed) {
      super(Opcodes.ASM9, next);
      this.changed = changed;
    }

    private void pushed(int value) {
      index = value;
      constant = true;
      constantThenLoad = false;
    }

    private void other() {
      constant = false;
      constantThenLoad = false;
    }

    @Override
    public void visitInsn(int opcode) {
      if (opcode >= Opcodes.ICONST_0 && opcode <= Opcodes.ICONST_5) {
        pushed(opcode - Opcodes.ICONST_0);
      } else {
        other();
      }
      super.visitInsn(opcode);
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
      if (opcode == Opcodes.BIPUSH || opcode == Opcodes.SIPUSH) {
        pushed(operand);
      } else {
        other();
      }
      super.visitIntInsn(opcode, operand);
    }

    @Override
    public void visitLdcInsn(Object value) {
      if (value instanceof Integer) {
        pushed((Integer) value);
      } else {
        other();
      }
      super.visitLdcInsn(value);
    }

    @Override
    public void visitVarInsn(int opcode, int slot) {
      boolean load = opcode == Opcodes.ALOAD && constant;
      other();
      constantThenLoad = load;
      super.visitVarInsn(opcode, slot);
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      String callee = redirect(opcode, owner, name, descriptor);
      other();
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
      if (opcode != Opcodes.INVOKESTATIC || !constantThenLoad) {
        otherShape = true;
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

    @Override
    public void visitLabel(Label label) {
      other();
      super.visitLabel(label);
    }

    @Override
    public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
      other(); // ASM visits a label before each frame already; kept so that no join is ever missed
      super.visitFrame(type, numLocal, local, numStack, stack);
    }

    @Override
    public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
      other();
      super.visitFieldInsn(opcode, owner, name, descriptor);
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
      other();
      super.visitTypeInsn(opcode, type);
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
      other();
      super.visitJumpInsn(opcode, label);
    }

    @Override
    public void visitIincInsn(int slot, int increment) {
      other();
      super.visitIincInsn(slot, increment);
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
      other();
      super.visitInvokeDynamicInsn(name, descriptor, bootstrap, arguments);
    }

    @Override
    public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
      other();
      super.visitTableSwitchInsn(min, max, dflt, labels);
    }

    @Override
    public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
      other();
      super.visitLookupSwitchInsn(dflt, keys, labels);
    }

    @Override
    public void visitMultiANewArrayInsn(String descriptor, int dimensions) {
      other();
      super.visitMultiANewArrayInsn(descriptor, dimensions);
    }
  }
}
