package dev.skiff.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.skiff.Engine;
import dev.skiff.Skiff;
import dev.skiff.WasmInstance;
import dev.skiff.testsupport.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Globals that only a module's own code sees live in its machine's array ({@link PrivateGlobals}), the
 * i32 ones reached through typed helpers; an exported one stays with Chicory's global instance, and a
 * module whose code reaches globals in any other way, or has an interpreted function, keeps all of
 * them there.
 */
class PrivateGlobalsTest {
  /** The class file format's largest {@code constant_pool_count}. */
  private static final int MAX_CONSTANT_POOL_COUNT = 65_535;
  private static final String INSTANCE = "Lcom/dylibso/chicory/runtime/Instance;";
  private static final String SHADED = ShadedPatch.SHADED_COPY.replace('/', '.');
  private static final Set<String> PRIVATE_ACCESSORS = Set.of("privateValue", "setPrivateValue");
  private static final String READ = "(I" + INSTANCE + ")J";
  private static final String WRITE = "(JI" + INSTANCE + ")V";
  private static final String INT_READ = "(" + INSTANCE + ")I";
  private static final String INT_WRITE = "(I" + INSTANCE + ")V";

  @Test
  void theDefinedNumberGlobalsThatAreNotExportedArePrivate() throws IOException {
    assertEquals(bits(0, 2), PrivateGlobals.of(module("core/globals_shared.wasm")), "$base and $total, not $counter");
    assertEquals(bits(0, 1, 2, 3, 4), PrivateGlobals.of(module("core/globals.wasm")));
    assertEquals(bits(5, 6), PrivateGlobals.of(module("core/globals_kinds.wasm")),
        "not the imported, exported, reference or vector ones");
  }

  @Test
  void compiledCodeReachesPrivateGlobalsInTheMachineAndTheExportedOneAsBefore() throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm("core/globals_shared.wasm"));
    ModuleCompiler.Compiled compiled = ModuleCompiler.compile(Parser.parse(wasm), wasm);
    Map<String, Integer> sites = new TreeMap<>();
    for (byte[] classFile : compiled.entry().classes.values()) {
      globalCalls(classFile).forEach(site -> sites.merge(site, 1, Integer::sum));
    }
    assertEquals(Map.of("readGlobal 1", 2, "writeGlobal 1", 1, "readPrivateI32_0", 1, "readPrivateGlobal 2", 2,
        "writePrivateGlobal 2", 1), sites, "$base an i32, typed; $total an i64");
    assertEquals(Set.of("global", "privateValue", "setPrivateValue"), machineCalls(compiled.entry().classes.get(SHADED)));
  }

  @Test
  void privateAndExportedGlobalsKeepTheirValuesPerInstance(@TempDir Path store) {
    try (Skiff skiff = Skiff.builder().store(store).build()) {
      var artifact = skiff.pull(Fixtures.wasm("core/globals_shared.wasm").toString());
      for (Engine engine : Engine.values()) {
        try (WasmInstance a = artifact.runner().engine(engine).instantiate();
            WasmInstance b = artifact.runner().engine(engine).instantiate()) {
          assertEquals(1_000 + 10, a.function("step").callLong(3), engine.toString());
          assertEquals(2_000 + 10 + 8, a.function("step").callLong(1), engine.toString());
          assertEquals(1_000 + 107, b.function("step").callLong(100), engine.toString());
          assertEquals(3_000 + 18 + 7, a.function("step").callLong(0), engine.toString());
        }
      }
    }
  }

  @Test
  void theFirstTypedGlobalsLiveInTheMachinesIntFieldsTheRestInItsArray(@TempDir Path store) throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm("core/globals_many.wasm"));
    int globals = 36; // i32 global k is Wasm global k + 2, after an i64 and an exported i32
    int[] fields = PrivateGlobals.forModule(Parser.parse(wasm)).intFields();
    assertEquals(GlobalsMachine.INT_FIELDS, fields.length, globals + " typed globals, as many in fields as there are");
    assertEquals(List.of(2, 33), List.of(fields[0], fields[31]));
    byte[] shaded = ModuleCompiler.compile(Parser.parse(wasm), wasm).entry().classes.get(SHADED);
    assertEquals(List.of("readPrivateI32_33" + INT_READ, "25", "182 getMachine", "192", "180 i31", "172"),
        code(shaded, name -> name.equals("readPrivateI32_33")));
    assertEquals(List.of("readPrivateI32_34" + INT_READ, "18", "25", "184 privateValue", "136", "172"),
        code(shaded, name -> name.equals("readPrivateI32_34")));
    int[] added = {0, 0};
    for (int round = 0; round < 2; round++) { // the second loads the code the first compiled from the store's cache
      try (Skiff skiff = Skiff.builder().store(store).build()) {
        var artifact = skiff.pull(Fixtures.wasm("core/globals_many.wasm").toString());
        for (Engine engine : Engine.values()) {
          added[0] = 0;
          added[1] = 0;
          try (WasmInstance a = artifact.runner().engine(engine).instantiate();
              WasmInstance b = artifact.runner().engine(engine).instantiate()) {
            for (int by : new int[] {3, -5, 1_000_000, 7}) {
              int which = by == 7 ? 1 : 0;
              added[which] += by;
              long expected = 5 + added[which];
              for (int k = 0; k < globals; k++) { // global k starts at -1000 k - 1 and grows by (k + 1) per unit
                expected += (k + 1L) * (-k * 1000 - 1 + (k + 1) * added[which]);
              }
              assertEquals(expected, (which == 0 ? a : b).function("step").callLong(by), engine + ", round " + round + ", by " + by);
            }
          }
        }
      }
    }
  }

  @Test
  void aModuleWithAnInterpretedFunctionKeepsItsGlobalsWithTheGlobalInstances(@TempDir Path store) throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm("core/globals_interpreted.wasm"));
    ModuleCompiler.Compiled compiled = ModuleCompiler.compile(Parser.parse(wasm), wasm);
    assertEquals(Set.of(2), compiled.entry().interpreted, "addMany is interpreted");
    assertEquals(Set.of("global", "globalValue", "setGlobalValue"), machineCalls(compiled.entry().classes.get(SHADED)),
        "every private helper reaches the global instances");
    try (Skiff skiff = Skiff.builder().store(store).build()) {
      var artifact = skiff.pull(Fixtures.wasm("core/globals_interpreted.wasm").toString());
      for (Engine engine : Engine.values()) {
        try (WasmInstance instance = artifact.runner().engine(engine).instantiate()) {
          assertEquals(5, instance.function("add").callLong(5), engine.toString());
          assertEquals(1, instance.function("calls").callInt(), engine.toString());
          assertEquals(5 + 6_000 * 2, instance.function("addMany").callLong(2), engine.toString());
          assertEquals(2, instance.function("calls").callInt(), engine.toString());
          assertEquals(5 + 12_000 + 1, instance.function("add").callLong(1), engine.toString());
          assertEquals(3, instance.function("calls").callInt(), engine.toString());
        }
      }
    }
  }

  @Test
  void theRewrittenClassCallsTheMachinesArrayAndStillVerifies() {
    Map<String, byte[]> rewritten = compile(Map.of("Guest", guestClass("Guest", null)), bits(0), bits(), Set.of());
    assertEquals(List.of("readPrivateGlobal 0"), globalCalls(rewritten.get("Guest")));
    assertVerifiesAndInitializes(rewritten.get("Guest"));
    assertEquals(PRIVATE_ACCESSORS, privateAccessors(rewritten.get(SHADED)), "not undone");
  }

  @Test
  void anI32AccessIsTypedInEveryShapeAndDropsItsConversionInChicorysOwn() {
    Map<String, byte[]> classes = Map.of("Guest", method("Guest", m -> {
      read(m, 0); // global 0, an i32: typed
      m.visitInsn(Opcodes.L2I);
      m.visitInsn(Opcodes.POP);
      read(m, 0); // not converted: typed, converted back
      m.visitInsn(Opcodes.POP2);
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitInsn(Opcodes.I2L);
      write(m, 0); // typed
      m.visitInsn(Opcodes.LCONST_1);
      write(m, 0); // no conversion before it: typed, after one
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitInsn(Opcodes.I2L);
      write(m, 1); // global 1, an i64: untyped
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitInsn(Opcodes.I2L);
      write(m, 2); // not private
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitInsn(Opcodes.I2L); // held back, then let go
      m.visitInsn(Opcodes.POP2);
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitInsn(Opcodes.I2L); // of another value, before a typed read
      read(m, 0);
      m.visitInsn(Opcodes.L2I);
      m.visitInsn(Opcodes.POP);
      m.visitInsn(Opcodes.POP2);
      Label join = new Label();
      read(m, 0); // flow joins between the read and its conversion: typed, converted back
      m.visitJumpInsn(Opcodes.GOTO, join);
      m.visitLabel(join);
      m.visitInsn(Opcodes.L2I);
      m.visitInsn(Opcodes.POP);
    }));
    Map<String, byte[]> rewritten = compile(classes, bits(0, 1), bits(0), Set.of());
    byte[] expected = method("Guest", m -> {
      callShaded(m, "readPrivateI32_0", INT_READ);
      m.visitInsn(Opcodes.POP);
      callShaded(m, "readPrivateI32_0", INT_READ);
      m.visitInsn(Opcodes.I2L);
      m.visitInsn(Opcodes.POP2);
      m.visitVarInsn(Opcodes.ILOAD, 0);
      callShaded(m, "writePrivateI32_0", INT_WRITE);
      m.visitInsn(Opcodes.LCONST_1);
      m.visitInsn(Opcodes.L2I);
      callShaded(m, "writePrivateI32_0", INT_WRITE);
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitInsn(Opcodes.I2L);
      m.visitInsn(Opcodes.ICONST_1);
      callShaded(m, "writePrivateGlobal", WRITE);
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitInsn(Opcodes.I2L);
      write(m, 2);
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitInsn(Opcodes.I2L);
      m.visitInsn(Opcodes.POP2);
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitInsn(Opcodes.I2L);
      callShaded(m, "readPrivateI32_0", INT_READ);
      m.visitInsn(Opcodes.POP);
      m.visitInsn(Opcodes.POP2);
      callShaded(m, "readPrivateI32_0", INT_READ);
      m.visitInsn(Opcodes.I2L);
      Label join = new Label();
      m.visitJumpInsn(Opcodes.GOTO, join);
      m.visitLabel(join);
      m.visitInsn(Opcodes.L2I);
      m.visitInsn(Opcodes.POP);
    });
    assertEquals(code(expected), code(rewritten.get("Guest")));
    assertVerifiesAndInitializes(rewritten.get("Guest"));
  }

  @Test
  void aGlobalReachedAnyOtherWayLeavesEveryGlobalWithTheGlobalInstances() {
    Map<String, byte[]> computed = classes(m -> { // an index from a local
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 1);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, ShadedPatch.SHADED_COPY, "readGlobal", READ, false);
      m.visitInsn(Opcodes.POP2);
    });
    Map<String, byte[]> joined = classes(m -> { // index 1 or 0, as flow joins before the instance
      Label zero = new Label();
      Label join = new Label();
      m.visitVarInsn(Opcodes.ILOAD, 0);
      m.visitJumpInsn(Opcodes.IFEQ, zero);
      m.visitInsn(Opcodes.ICONST_1);
      m.visitJumpInsn(Opcodes.GOTO, join);
      m.visitLabel(zero);
      m.visitInsn(Opcodes.ICONST_0);
      m.visitLabel(join);
      m.visitVarInsn(Opcodes.ALOAD, 1);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, ShadedPatch.SHADED_COPY, "readGlobal", READ, false);
      m.visitInsn(Opcodes.POP2);
    });
    Map<String, byte[]> throughTheInstance = classes(m -> {
      m.visitVarInsn(Opcodes.ALOAD, 1);
      m.visitInsn(Opcodes.ICONST_0);
      m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "com/dylibso/chicory/runtime/Instance", "global",
          "(I)Lcom/dylibso/chicory/runtime/GlobalInstance;", false);
      m.visitInsn(Opcodes.POP);
    });
    Map<String, byte[]> anotherHelper = classes(m -> {
      m.visitInsn(Opcodes.ICONST_0);
      m.visitVarInsn(Opcodes.ALOAD, 1);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, ShadedPatch.SHADED_COPY, "readGlobalRef", "(I" + INSTANCE + ")I", false);
      m.visitInsn(Opcodes.POP);
    });
    List<Map<String, byte[]>> shapes = List.of(computed, joined, throughTheInstance, anotherHelper);
    for (int shape = 0; shape < shapes.size(); shape++) {
      Map<String, byte[]> kept = compile(shapes.get(shape), bits(0), bits(0), Set.of());
      assertEquals(Set.of(), privateAccessors(kept.get(SHADED)), "shape " + shape);
      assertEquals(List.of("readPrivateI32_0"), globalCalls(kept.get("Guest")), "reaching the instances through the copy");
    }
    Map<String, byte[]> plain = Map.of("Guest", guestClass("Guest", null));
    assertEquals(Set.of(), privateAccessors(compile(plain, bits(0), bits(0), Set.of(3)).get(SHADED)),
        "an interpreted function reads the instances");
    assertEquals(List.of("readGlobal 0"), globalCalls(compile(plain, bits(), bits(), Set.of()).get("Guest")));
  }

  @Test
  void aClassWhoseRedirectsDoNotFitItsConstantPoolLeavesEveryGlobalWithTheGlobalInstances() {
    ClassReader guest = new ClassReader(guestClass("Crowded", null));
    ClassWriter writer = new ClassWriter(guest, 0);
    guest.accept(new ClassVisitor(Opcodes.ASM9, writer) {
      @Override
      public void visitEnd() { // a name per field, and their type: a pool one entry short of full
        for (int f = guest.getItemCount() + 1; f < MAX_CONSTANT_POOL_COUNT - 1; f++) {
          super.visitField(Opcodes.ACC_STATIC, "f" + f, "I", null, null).visitEnd();
        }
        super.visitEnd();
      }
    }, 0);
    byte[] crowded = writer.toByteArray();
    // the redirect's name, its name and type and its method reference would take three entries more
    assertEquals(MAX_CONSTANT_POOL_COUNT - 1, new ClassReader(crowded).getItemCount());
    Map<String, byte[]> classes = new LinkedHashMap<>();
    classes.put("Guest", guestClass("Guest", null));
    classes.put("Crowded", crowded);
    Map<String, byte[]> kept = compile(classes, bits(0), bits(0), Set.of());
    assertSame(classes.get("Crowded"), kept.get("Crowded"), "as Chicory made it");
    assertEquals(Set.of(), privateAccessors(kept.get(SHADED)), "the copy of Shaded undone");
  }

  @Test
  void theUndoneCopyOfShadedDiffersOnlyInTheAccessorsItCallsAndStillVerifies() {
    byte[] shaded = shadedCopy();
    byte[] undone = compile(Map.of(), bits(0), bits(0), Set.of(1)).get(SHADED);
    Predicate<String> typed = name -> name.matches("(read|write)PrivateI32_[0-9]+");
    assertEquals(code(shaded, typed.negate()).stream().map(line -> line.replace(" privateValue", " globalValue")
        .replace(" setPrivateValue", " setGlobalValue")).toList(), code(undone, typed.negate()));
    // the typed helpers of global 0 reach the machine's first int field, and once undone its global instance
    assertEquals(List.of("readPrivateI32_0" + INT_READ, "25", "182 getMachine", "192", "180 i0", "172",
        "writePrivateI32_0" + INT_WRITE, "25", "182 getMachine", "192", "21", "181 i0", "177"), code(shaded, typed));
    assertEquals(List.of("readPrivateI32_0" + INT_READ, "18", "25", "184 globalValue", "136", "172",
        "writePrivateI32_0" + INT_WRITE, "21", "133", "18", "25", "184 setGlobalValue", "177"), code(undone, typed));
    assertEquals(PRIVATE_ACCESSORS, privateAccessors(shaded));
    assertEquals(Set.of(), privateAccessors(undone));
    ClassLoader parent = getClass().getClassLoader(); // it calls Chicory and Skiff
    assertDoesNotThrow(() -> ClassFiles.defined(undone, parent), "verified and initialized");
    assertSame(shaded, PrivateGlobals.renamed(shaded, Map.of("noSuchName", "other")), "nothing to rename");
  }

  /** Defines {@code classFile} in a loader of its own and initializes it, which verifies it. */
  private static void assertVerifiesAndInitializes(byte[] classFile) {
    assertDoesNotThrow(() -> ClassFiles.defined(classFile, null), "verified and initialized");
  }

  /**
   * {@code classes} as a compile keeps them, with the copy of Shaded of a compile of
   * {@code globals_shared.wasm}: each rewritten as the collector does, then settled.
   */
  private static Map<String, byte[]> compile(Map<String, byte[]> classes, BitSet globals, BitSet ints,
      Set<Integer> interpreted) {
    PrivateGlobals privateGlobals = new PrivateGlobals(globals, ints);
    Map<String, byte[]> rewritten = new LinkedHashMap<>();
    classes.forEach((name, classFile) -> rewritten.put(name, ShadedPatch.rewrite(classFile, privateGlobals)));
    rewritten.put(SHADED, shadedCopy());
    return privateGlobals.settle(rewritten, interpreted);
  }

  /** The copy of Shaded of a compile of {@code globals_shared.wasm}, which calls the private accessors. */
  private static byte[] shadedCopy() {
    try {
      byte[] wasm = Files.readAllBytes(Fixtures.wasm("core/globals_shared.wasm"));
      return ModuleCompiler.compile(Parser.parse(wasm), wasm).entry().classes.get(SHADED);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The methods of {@link GlobalsMachine} that {@code classFile} calls. */
  private static Set<String> machineCalls(byte[] classFile) {
    Set<String> calls = new TreeSet<>();
    ClassFiles.forEachCall(classFile, (method, owner, callee) -> {
      if (owner.equals("dev/skiff/internal/GlobalsMachine")) {
        calls.add(callee);
      }
    });
    return calls;
  }

  /** Which of the accessors of the machine's private array {@code shaded} calls. */
  private static Set<String> privateAccessors(byte[] shaded) {
    Set<String> calls = machineCalls(shaded);
    calls.retainAll(PRIVATE_ACCESSORS);
    return calls;
  }

  /** A read of global {@code index} as Chicory emits it, less its conversion. */
  private static void read(MethodVisitor m, int index) {
    m.visitInsn(Opcodes.ICONST_0 + index);
    callShaded(m, "readGlobal", READ);
  }

  /** A write of global {@code index} as Chicory emits it, after its conversion. */
  private static void write(MethodVisitor m, int index) {
    m.visitInsn(Opcodes.ICONST_0 + index);
    callShaded(m, "writeGlobal", WRITE);
  }

  /** The instance (slot 1), then a call of helper {@code name} of the copy of Shaded. */
  private static void callShaded(MethodVisitor m, String name, String descriptor) {
    m.visitVarInsn(Opcodes.ALOAD, 1);
    m.visitMethodInsn(Opcodes.INVOKESTATIC, ShadedPatch.SHADED_COPY, name, descriptor, false);
  }

  /** A class {@code name} with one method {@code func_0(int, Instance)} of {@code code}. */
  private static byte[] method(String name, Consumer<MethodVisitor> code) {
    return ClassFiles.withFunction(name, "(I" + INSTANCE + ")V", code);
  }

  /** The instructions of every method of {@code classFile}: opcodes, and the methods called. */
  private static List<String> code(byte[] classFile) {
    return code(classFile, name -> true);
  }

  /** The code of the methods of {@code classFile} whose names {@code methods} accepts. */
  private static List<String> code(byte[] classFile, Predicate<String> methods) {
    ClassNode node = new ClassNode();
    new ClassReader(classFile).accept(node, 0);
    List<String> code = new ArrayList<>();
    for (MethodNode method : node.methods) {
      if (!methods.test(method.name)) {
        continue;
      }
      code.add(method.name + method.desc);
      for (AbstractInsnNode insn : method.instructions) {
        String operand = insn instanceof MethodInsnNode call ? " " + call.name
            : insn instanceof FieldInsnNode field ? " " + field.name : "";
        code.add(insn.getOpcode() + operand);
      }
    }
    return code;
  }

  /** A class that reads global 0 as Chicory does, and one whose method also does {@code more}. */
  private static Map<String, byte[]> classes(Consumer<MethodVisitor> more) {
    Map<String, byte[]> classes = new LinkedHashMap<>();
    classes.put("Guest", guestClass("Guest", null));
    classes.put("Other", guestClass("Other", more));
    return classes;
  }

  /**
   * A class with one method that reads global 0 in a loop (so it has frames) with Chicory's shape of
   * access, then does {@code more}.
   */
  private static byte[] guestClass(String name, Consumer<MethodVisitor> more) {
    return method(name, m -> {
      Label loop = new Label();
      m.visitLabel(loop);
      read(m, 0);
      m.visitInsn(Opcodes.L2I);
      m.visitJumpInsn(Opcodes.IFNE, loop);
      if (more != null) {
        more.accept(m);
      }
    });
  }


  /**
   * The global helpers of Chicory's Shaded copy that {@code classFile} calls, in order, each with the
   * index that the last {@code iconst} before it pushed (a typed one's is in its name).
   */
  private static List<String> globalCalls(byte[] classFile) {
    List<String> calls = new ArrayList<>();
    new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        return new MethodVisitor(Opcodes.ASM9) {
          int constant = -1;

          @Override
          public void visitInsn(int opcode) {
            constant = opcode >= Opcodes.ICONST_0 && opcode <= Opcodes.ICONST_5 ? opcode - Opcodes.ICONST_0 : constant;
          }

          @Override
          public void visitMethodInsn(int opcode, String owner, String callee, String desc, boolean isInterface) {
            if (owner.equals(ShadedPatch.SHADED_COPY) && callee.matches("(read|write)(Private)?Global")) {
              calls.add(callee + " " + constant);
            } else if (owner.equals(ShadedPatch.SHADED_COPY) && callee.matches("(read|write)PrivateI32_[0-9]+")) {
              calls.add(callee); // its index is in its name
            }
          }
        };
      }
    }, 0);
    return calls;
  }

  private static WasmModule module(String fixture) throws IOException {
    return Parser.parse(Files.readAllBytes(Fixtures.wasm(fixture)));
  }

  private static BitSet bits(int... indices) {
    BitSet set = new BitSet();
    for (int i : indices) {
      set.set(i);
    }
    return set;
  }
}
