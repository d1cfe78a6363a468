package dev.skiff.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.skiff.Engine;
import dev.skiff.GuestTimeoutException;
import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RunawayGuests;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** Compiled code checks for stops with an invokedynamic of its own, except where that would make a method huge. */
class ShadedPatchTest {
  private static final String INSTANCE = "Lcom/dylibso/chicory/runtime/Instance;";

  @Test
  void checksBecomeInvokedynamicsUnlessTheMethodWouldPassTheHugeLimit() {
    ClassWriter writer = new ClassWriter(0);
    writer.visit(Opcodes.V11, Opcodes.ACC_FINAL, "Generated", null, "java/lang/Object", null);
    method(writer, "small", 40, 3);
    method(writer, "endsAtTheLimit", HugeMethods.LIMIT - 2, 1); // an invokedynamic is 2 bytes longer
    method(writer, "wouldPassTheLimit", HugeMethods.LIMIT - 1, 1);
    method(writer, "alreadyHuge", HugeMethods.LIMIT + 10, 2);
    method(writer, "atTheJvmsLimit", 65_534, 1); // 65,535 bytes at most
    method(writer, "alsoAtTheJvmsLimit", 65_534, 1);
    writer.visitEnd();
    byte[] original = writer.toByteArray();

    byte[] patched = ShadedPatch.rewrite(original, null);

    assertEquals(Map.of("small", "3 indy", "endsAtTheLimit", "1 indy", "wouldPassTheLimit", "1 call",
        "alreadyHuge", "2 indy", "atTheJvmsLimit", "1 call", "alsoAtTheJvmsLimit", "1 call"), checks(patched));
    assertEquals(Map.of("small", "3 call", "endsAtTheLimit", "1 call", "wouldPassTheLimit", "1 call",
        "alreadyHuge", "2 call", "atTheJvmsLimit", "1 call", "alsoAtTheJvmsLimit", "1 call"), checks(original));
    assertEquals(List.of(new HugeMethods.Method("alreadyHuge", HugeMethods.LIMIT + 14),
        new HugeMethods.Method("atTheJvmsLimit", 65_534), new HugeMethods.Method("alsoAtTheJvmsLimit", 65_534)),
        HugeMethods.in(patched));
  }

  @Test
  void aGuestThatLoopsForeverInPartsOfASplitFunctionIsStoppedByTheTimeout(@TempDir Path store)
      throws Exception {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm("core/split_loop.wasm"));
    WasmModule whole = Parser.parse(wasm);
    ModuleCompiler.Compiled compiled = ModuleCompiler.compile(whole, wasm);
    assertTrue(compiled.module().functionSection().functionCount() > whole.functionSection().functionCount(),
        "its loop is split into parts");
    assertEquals(Set.of(), compiled.entry().interpreted, "every part compiled");
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try (Skiff skiff = Skiff.builder().store(store).build()) {
      // compiled first, so that the timeout covers the guest's code, not its compile
      WasmArtifact artifact = skiff.pull(Fixtures.wasm("core/split_loop.wasm").toString()).compile();
      Future<GuestTimeoutException> run = caller.submit(() -> assertThrows(GuestTimeoutException.class,
          () -> artifact.runner().engine(Engine.COMPILER).limits(l -> l.timeout(Duration.ofSeconds(2))).run()));
      // its top frames: at first the guest may still be defining the classes its code uses
      Predicate<List<String>> inCompiledCode = r -> r.size() == 1 && r.get(0).contains("chicory.$gen.");
      List<String> running = List.of();
      for (long end = System.nanoTime() + Duration.ofMillis(1_500).toNanos();
          !inCompiledCode.test(running) && System.nanoTime() < end; ) {
        Thread.sleep(10);
        running = RunawayGuests.running();
      }
      assertTrue(inCompiledCode.test(running), "the check sees the guest in compiled code while it runs: " + running);
      GuestTimeoutException stopped = run.get(60, TimeUnit.SECONDS);
      assertTrue(stopped.getMessage().contains("ran longer than its timeout of PT2S"), stopped.getMessage());
    } finally {
      caller.shutdownNow();
    }
    RunawayGuests.assertNoneWithin(Duration.ofSeconds(20));
  }

  @Test
  void classesOlderThanInvokedynamicAreLeftAsTheyAre() {
    ClassWriter writer = new ClassWriter(0);
    writer.visit(Opcodes.V1_6, Opcodes.ACC_FINAL, "Old", null, "java/lang/Object", null);
    method(writer, "small", 40, 1);
    writer.visitEnd();
    byte[] original = writer.toByteArray();
    assertSame(original, ShadedPatch.rewrite(original, null));
  }

  @Test
  void privateGlobalsAreRedirectedAlsoInMethodsThatKeepTheirChecks() {
    for (int version : new int[] {Opcodes.V11, Opcodes.V1_6}) {
      ClassWriter writer = new ClassWriter(0);
      writer.visit(version, Opcodes.ACC_FINAL, "Generated", null, "java/lang/Object", null);
      method(writer, "small", 40, 3, true);
      method(writer, "atTheJvmsLimit", 65_534, 1, true);
      writer.visitEnd();

      byte[] patched = ShadedPatch.rewrite(writer.toByteArray(), new PrivateGlobals(BitSet.valueOf(new long[] {1}), new BitSet()));

      String small = version == Opcodes.V11 ? "3 indy" : "3 call";
      assertEquals(Map.of("small", small, "atTheJvmsLimit", "1 call"), checks(patched), "version " + version);
      assertEquals(Map.of("small", "readPrivateGlobal", "atTheJvmsLimit", "readPrivateGlobal"), globalCalls(patched),
          "version " + version);
    }
  }

  @Test
  void theCheckSiteIsHandedOnlyToCompiledGuestCode() {
    IllegalCallerException refused = assertThrows(IllegalCallerException.class,
        () -> GuestInterrupts.checkSite(MethodHandles.lookup(), "checkInterruption", MethodType.methodType(void.class)));
    assertEquals("the interrupt check's call site is for compiled guest code only", refused.getMessage());
  }

  @Test
  void everyCheckOfACompiledModuleIsAnInvokedynamic() throws IOException {
    // none of Lua's methods is near the huge-method limit once FunctionSplitter has split it
    byte[] wasm = Files.readAllBytes(Fixtures.wasm("bench/lua.wasm"));
    ModuleCompiler.Compiled compiled = ModuleCompiler.compile(Parser.parse(wasm), wasm);
    int indys = 0;
    for (byte[] classFile : compiled.entry().classes.values()) {
      for (Map.Entry<String, String> method : checks(classFile).entrySet()) {
        assertFalse(method.getValue().endsWith("call"), method.getKey() + " still calls the check");
        indys += Integer.parseInt(method.getValue().split(" ")[0]);
      }
    }
    assertTrue(indys > 1000, "Lua's loops and calls check for stops: " + indys);
  }

  @Test
  void theExactnessSiteIsHandedOnlyToCompiledGuestCode() {
    IllegalCallerException refused = assertThrows(IllegalCallerException.class,
        () -> MemoryExactness.site(MethodHandles.lookup(), "assumed", MethodType.methodType(boolean.class)));
    assertEquals("the memory exactness call site is for compiled guest code only", refused.getMessage());
  }

  @Test
  void theLoadsAndStoresTestExactnessThroughItsCallSite() throws IOException {
    byte[] wasm = Files.readAllBytes(Fixtures.wasm("bench/kernels.wasm"));
    ModuleCompiler.Compiled compiled = ModuleCompiler.compile(Parser.parse(wasm), wasm);
    byte[] shaded = compiled.entry().classes.get(ShadedPatch.SHADED_COPY.replace('/', '.'));
    Map<String, Integer> sites = new TreeMap<>();
    new ClassReader(shaded).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        return new MethodVisitor(Opcodes.ASM9) {
          @Override
          public void visitMethodInsn(int opcode, String owner, String callee, String desc, boolean isInterface) {
            assertFalse(callee.equals("assumed"), name + " still calls MemoryExactness.assumed");
          }

          @Override
          public void visitInvokeDynamicInsn(String callee, String desc, Handle bootstrap, Object... arguments) {
            if (callee.equals("assumed")) {
              assertEquals("dev/skiff/internal/MemoryExactness", bootstrap.getOwner());
              assertEquals("site", bootstrap.getName());
              assertEquals("()Z", desc);
              sites.merge(name, 1, Integer::sum);
            }
          }
        };
      }
    }, 0);
    assertEquals(12, sites.size(), "every load and store width: " + sites);
    sites.forEach((name, n) -> {
      assertTrue(name.matches("memory(Read|Write)(Byte|Short|Int|Long|Float|Double)"), name);
      assertEquals(1, n, name);
    });
  }

  @Test
  void aClassHoldsNoMoreInvokedynamicsThanHotSpotCanIndex() {
    ClassWriter writer = new ClassWriter(0);
    writer.visit(Opcodes.V11, Opcodes.ACC_FINAL, "Generated", null, "java/lang/Object", null);
    int strings = 300;
    MethodVisitor m = writer.visitMethod(Opcodes.ACC_STATIC, "strings", "()V", null, null);
    m.visitCode();
    for (int i = 0; i < strings; i++) {
      m.visitLdcInsn("constant " + i);
      m.visitInsn(Opcodes.POP);
    }
    m.visitInsn(Opcodes.RETURN);
    m.visitMaxs(1, 0);
    m.visitEnd();
    int checks = 1_000; // 5,001 bytes a method once rewritten, below the huge-method limit
    int methods = (ShadedPatch.RESOLVED_REFERENCES_AT_MOST + 5_000) / checks;
    for (int i = 0; i < methods; i++) {
      method(writer, "func_" + i, 3 * checks + 1, checks);
    }
    writer.visitEnd();

    byte[] patched = ShadedPatch.rewrite(writer.toByteArray(), null);

    int calls = 0;
    int indys = 0;
    for (int[] callsAndIndys : checkCounts(patched).values()) { // the last method to get invokedynamics holds both
      calls += callsAndIndys[0];
      indys += callsAndIndys[1];
    }
    assertEquals(ShadedPatch.RESOLVED_REFERENCES_AT_MOST - strings, indys);
    assertEquals(methods * checks - indys, calls);
  }

  /** A static method of {@code length} bytes of code holding {@code checks} calls of Shaded's check. */
  private static void method(ClassWriter writer, String name, int length, int checks) {
    method(writer, name, length, checks, false);
  }

  /**
   * A static method of {@code length} bytes of code holding {@code checks} calls of Shaded's check and,
   * if {@code readsGlobal}, a read of global 0 as Chicory emits it.
   */
  private static void method(ClassWriter writer, String name, int length, int checks, boolean readsGlobal) {
    MethodVisitor m = writer.visitMethod(Opcodes.ACC_STATIC, name, "(" + INSTANCE + ")V", null, null);
    m.visitCode();
    for (int i = 0; i < checks; i++) {
      m.visitMethodInsn(Opcodes.INVOKESTATIC, ShadedPatch.SHADED_COPY, "checkInterruption", "()V", false);
    }
    int used = 3 * checks + 1;
    if (readsGlobal) {
      m.visitInsn(Opcodes.ICONST_0);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, ShadedPatch.SHADED_COPY, "readGlobal", "(I" + INSTANCE + ")J", false);
      m.visitInsn(Opcodes.POP2);
      used += 6;
    }
    for (int i = used; i < length; i++) {
      m.visitInsn(Opcodes.NOP);
    }
    m.visitInsn(Opcodes.RETURN);
    m.visitMaxs(2, 1);
    m.visitEnd();
  }

  /** For each method calling a global helper of Shaded's copy, the helper's name. */
  private static Map<String, String> globalCalls(byte[] classFile) {
    Map<String, String> found = new TreeMap<>();
    ClassFiles.forEachCall(classFile, (method, owner, callee) -> {
      if (callee.contains("Global")) {
        found.merge(method, callee, (a, b) -> a + " " + b);
      }
    });
    return found;
  }

  /**
   * For each method holding a check: how many, and whether they are calls or invokedynamics bootstrapped
   * by {@link GuestInterrupts#checkSite} (a mix fails).
   */
  private static Map<String, String> checks(byte[] classFile) {
    Map<String, String> found = new TreeMap<>();
    checkCounts(classFile).forEach((name, n) -> {
      assertTrue(n[0] == 0 || n[1] == 0, name + ": " + n[0] + " calls and " + n[1] + " invokedynamics");
      found.put(name, n[0] > 0 ? n[0] + " call" : n[1] + " indy");
    });
    return found;
  }

  /**
   * For each method holding a check: its calls of Shaded's check and its invokedynamics bootstrapped by
   * {@link GuestInterrupts#checkSite}.
   */
  private static Map<String, int[]> checkCounts(byte[] classFile) {
    Map<String, int[]> found = new TreeMap<>();
    new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        return new MethodVisitor(Opcodes.ASM9) {
          @Override
          public void visitMethodInsn(int opcode, String owner, String callee, String desc, boolean isInterface) {
            if (callee.equals("checkInterruption")) {
              found.computeIfAbsent(name, m -> new int[2])[0]++;
            }
          }

          @Override
          public void visitInvokeDynamicInsn(String callee, String desc, Handle bootstrap, Object... arguments) {
            if (callee.equals("assumed")) {
              return; // the memory helpers' test of exactness: theLoadsAndStoresTestExactnessThroughItsCallSite
            }
            assertEquals("checkSite", bootstrap.getName());
            assertEquals("dev/skiff/internal/GuestInterrupts", bootstrap.getOwner());
            found.computeIfAbsent(name, m -> new int[2])[1]++;
          }
        };
      }
    }, ClassReader.SKIP_FRAMES);
    return found;
  }
}
