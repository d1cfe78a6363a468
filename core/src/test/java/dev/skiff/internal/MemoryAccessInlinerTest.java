package dev.skiff.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.skiff.testsupport.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The classes Skiff keeps from Chicory's compiler call no memory access helper any more: each access
 * site has the helper's body (MemoryEdgesTest and the rest of the suite check what those accesses do).
 */
class MemoryAccessInlinerTest {
  private static Map<String, byte[]> compiled(String fixture) throws IOException {
    byte[] bytes = Files.readAllBytes(Fixtures.wasm(fixture));
    WasmModule module = Parser.parse(bytes);
    return ModuleCompiler.compile(module, bytes).classes;
  }

  /** Calls from generated functions to a memoryRead or memoryWrite helper, as "caller -> helper". */
  private static List<String> helperCalls(Map<String, byte[]> classes) {
    List<String> calls = new ArrayList<>();
    classes.values().forEach(b -> new ClassReader(b).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
        return new MethodVisitor(Opcodes.ASM9) {
          @Override
          public void visitMethodInsn(int op, String owner, String callee, String d, boolean itf) {
            if (callee.startsWith("memoryRead") || callee.startsWith("memoryWrite")) {
              calls.add(name + " -> " + callee);
            }
          }
        };
      }
    }, 0));
    return calls;
  }

  @Test
  void everyPlainLoadAndStoreHelperOfThisChicoryIsCopied() throws IOException {
    // the twelve plain (non-atomic) helpers of Chicory 1.7.5; another shape would leave calls behind
    List<String> copyable = MemoryAccessInliner.copyableHelpers(compiled("core/memory_edges.wasm"));
    List<String> plain = new ArrayList<>();
    for (String h : copyable) {
      if (!h.startsWith("memoryAtomic")) {
        plain.add(h.substring(0, h.indexOf('(')));
      }
    }
    assertEquals(List.of("memoryReadByte", "memoryReadDouble", "memoryReadFloat", "memoryReadInt",
        "memoryReadLong", "memoryReadShort", "memoryWriteByte", "memoryWriteDouble", "memoryWriteFloat",
        "memoryWriteInt", "memoryWriteLong", "memoryWriteShort"), plain);
  }

  @Test
  void generatedFunctionsCallNoLoadOrStoreHelper() throws IOException {
    for (String fixture : List.of("core/memory_edges.wasm", "bench/kernels.wasm")) {
      List<String> calls = helperCalls(compiled(fixture));
      // only the helpers' own definitions in the Shaded class may remain; they call no helper
      assertTrue(calls.isEmpty(), fixture + ": " + calls);
    }
  }
}
