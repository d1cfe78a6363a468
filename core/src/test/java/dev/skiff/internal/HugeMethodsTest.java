package dev.skiff.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.internal.Compiler;
import com.dylibso.chicory.compiler.internal.CompilerResult;
import com.dylibso.chicory.wasm.Parser;
import dev.skiff.testsupport.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** Generated methods above HotSpot's huge-method limit are found, and the notice names them. */
class HugeMethodsTest {
  @Test
  void findsTheMethodsAboveTheLimitAndNoOther() {
    ClassWriter writer = new ClassWriter(0);
    writer.visit(Opcodes.V17, Opcodes.ACC_FINAL, "Sizes", null, "java/lang/Object", null);
    writer.visitField(Opcodes.ACC_STATIC | Opcodes.ACC_FINAL, "L", "J", null, 1L << 40).visitEnd(); // an attribute
    method(writer, "atTheLimit", HugeMethods.LIMIT);
    method(writer, "aboveTheLimit", HugeMethods.LIMIT + 1);
    method(writer, "small", 40);
    writer.visitEnd();
    assertEquals(List.of(new HugeMethods.Method("aboveTheLimit", HugeMethods.LIMIT + 1)),
        HugeMethods.in(writer.toByteArray()));
  }

  /** A static method of exactly {@code length} bytes of code, with constants of each width in the pool. */
  private static void method(ClassWriter writer, String name, int length) {
    MethodVisitor m = writer.visitMethod(Opcodes.ACC_STATIC, name, "()V", null, null);
    m.visitCode();
    m.visitLdcInsn(name + " " + length); // ldc: 2 bytes (a string and its UTF-8 entry)
    m.visitInsn(Opcodes.POP);
    m.visitLdcInsn(1.5 * length); // ldc2_w: 3 bytes (a double: two entries)
    m.visitInsn(Opcodes.POP2);
    for (int i = 2 + 1 + 3 + 1 + 1; i < length; i++) {
      m.visitInsn(Opcodes.NOP);
    }
    m.visitInsn(Opcodes.RETURN);
    m.visitMaxs(2, 0);
    m.visitEnd();
  }

  @Test
  void luasInterpreterLoopCompilesAboveTheLimitAndTheNoticeSaysWhatToDo() throws IOException {
    List<HugeMethods.Method> huge = hugeMethods("bench/lua.wasm");
    assertTrue(huge.stream().anyMatch(m -> m.name().startsWith("func_")), "luaV_execute and others: " + huge);
    String notice = new ModuleCompiler.HugeFunctionNotice(
        Parser.parse(Fixtures.wasm("bench/lua.wasm")), "sha256:0123").message(huge);
    HugeMethods.Method first = huge.stream().filter(m -> m.name().startsWith("func_")).findFirst().orElseThrow();
    assertTrue(notice.startsWith("Module sha256:0123 has compiled functions larger than HotSpot JIT-compiles"), notice);
    assertTrue(notice.contains("function " + first.name().substring("func_".length()) + ": "
        + String.format(Locale.ROOT, "%,d", first.length()) + " bytes"), notice);
    assertTrue(notice.contains("-XX:-DontCompileHugeMethods"), notice);
  }

  @Test
  void printfsCoreIsOneAndTheNoticeNamesItWhenTheModuleHasNames() throws IOException {
    List<HugeMethods.Method> huge = hugeMethods("core/deep_trap.wasm"); // built with a name section
    assertEquals(1, huge.size(), huge.toString());
    String notice = new ModuleCompiler.HugeFunctionNotice(
        Parser.parse(Fixtures.wasm("core/deep_trap.wasm")), "sha256:0123").message(huge);
    assertTrue(notice.contains(" (printf_core): " + String.format(Locale.ROOT, "%,d", huge.get(0).length()) + " bytes"),
        notice);
  }

  @Test
  void theNoticeLeavesOutTheEntryFromTheHostWhichRunsOncePerCall() {
    assertEquals(List.of(new HugeMethods.Method("call_indirect_0", HugeMethods.LIMIT + 1),
        new HugeMethods.Method("func_3", HugeMethods.LIMIT + 1)),
        ModuleCompiler.HugeFunctionNotice.slowing(hugeClass("Dispatch", "call_dispatch_0", "call_indirect_0", "func_3")));
    assertEquals(List.of(), ModuleCompiler.HugeFunctionNotice.slowing(hugeClass("CompiledMachineMachineCall", "call")));
    assertEquals(List.of(new HugeMethods.Method("call", HugeMethods.LIMIT + 1)),
        ModuleCompiler.HugeFunctionNotice.slowing(hugeClass("Other", "call")), "a call method of another class");
  }

  /** A class of {@code methods}, each one byte above the limit. */
  private static byte[] hugeClass(String name, String... methods) {
    ClassWriter writer = new ClassWriter(0);
    writer.visit(Opcodes.V17, Opcodes.ACC_FINAL, name, null, "java/lang/Object", null);
    for (String method : methods) {
      method(writer, method, HugeMethods.LIMIT + 1);
    }
    writer.visitEnd();
    return writer.toByteArray();
  }

  @Test
  void readsTheFlagOfThisJvm() {
    assertTrue(HugeMethods.skipped(), "the tests run on HotSpot with its default -XX:+DontCompileHugeMethods");
  }

  @Test
  void aClassFileTheReaderDoesNotFollowIsLeftAlone() throws IOException {
    ModuleCompiler.HugeFunctionNotice notice =
        new ModuleCompiler.HugeFunctionNotice(Parser.parse(Fixtures.wasm("core/loop.wasm")), "sha256:0123");
    notice.inspect(new byte[] {(byte) 0xCA, (byte) 0xFE, 0, 0, 0, 61, 0x7f}); // cut short: no exception
  }

  @Test
  void aSmallModuleHasNone() throws IOException {
    assertEquals(List.of(), hugeMethods("core/loop.wasm"));
  }

  /** The huge methods of Chicory's code for the fixture whole (Skiff splits such functions first). */
  private static List<HugeMethods.Method> hugeMethods(String fixture) throws IOException {
    Path wasm = Fixtures.wasm(fixture);
    CompilerResult result = Compiler.builder(Parser.parse(wasm)).withInterpreterFallback(InterpreterFallback.SILENT)
        .build().compile();
    List<HugeMethods.Method> huge = new ArrayList<>();
    result.collector().classBytes().values().forEach(bytes -> huge.addAll(HugeMethods.in(bytes)));
    return huge;
  }
}
