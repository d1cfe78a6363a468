package dev.skiff.wasi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.skiff.wasi.internal.FlatMemory;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link InstanceTemplate}: a recycled memory is byte for byte a fresh instance's, and the shared host
 * functions serve the world of whichever instance calls them.
 */
class InstanceTemplateTest {
  private static final int PAGE = Memory.PAGE_SIZE;

  @Test
  void aRecycledMemoryIsTheFreshInstancesMemoryAgain() {
    WasmModule module = Guests.module("hello.wasm");
    MemoryLimits limits = module.memorySection().orElseThrow().getMemory(0).limits();
    InstanceTemplate template = InstanceTemplate.of(module, limits).orElseThrow();
    // the reference: Chicory's own memory and instantiation (zeroing, then the data segments)
    byte[] fresh;
    try (WasiPreview1 wasi = WasiPreview1.create(WasiOptions.builder().build())) {
      fresh = Instance.builder(module).withStart(false)
          .withImportValues(ImportValues.builder().addFunction(wasi.toHostFunctions(module)).build())
          .build().memory().readBytes(0, limits.initialPages() * PAGE);
    }
    Random random = new Random(7);
    Memory previous = null;
    for (int round = 0; round < 5; round++) {
      Memory m = template.memory(null);
      assertEquals(limits.initialPages(), m.pages(), "round " + round);
      assertArrayEquals(fresh, m.readBytes(0, m.pages() * PAGE), "round " + round);
      assertTrue(((FlatMemory) m).exact(), "a recycled memory is exact, so its module's code stays so");
      if (previous != null) {
        Memory old = previous;
        assertThrows(WasmRuntimeException.class, () -> old.read(0), "a recycled memory is empty");
      }
      // a guest's leftovers everywhere, in the initial pages and, every other round, in pages it grew
      // (a grown array is dropped, not recycled)
      if (round % 2 == 1) {
        m.grow(1 + random.nextInt(3));
      }
      byte[] junk = new byte[m.pages() * PAGE];
      random.nextBytes(junk);
      m.write(0, junk);
      template.recycle(m);
      previous = m;
    }
  }

  @Test
  void theSharedFunctionsServeTheWorldOfTheCallingInstance() {
    WasmModule module = Guests.module("hello.wasm");
    MemoryLimits limits = module.memorySection().orElseThrow().getMemory(0).limits();
    InstanceTemplate template = InstanceTemplate.of(module, limits).orElseThrow();
    ImportValues imports = ImportValues.builder().addFunction(template.hostFunctions()).build();
    WasiPreview1 alice = world("alice");
    WasiPreview1 bob = world("bob");
    Instance a = instance(module, template, imports, alice);
    Instance b = instance(module, template, imports, bob);
    assertNotSame(a.memory(), b.memory());
    b.export("_start").apply();
    a.export("_start").apply();
    assertEquals("Hello from Wasm, alice!\nargv[0]=alice\n",
        new String(alice.capturedStdout(), StandardCharsets.UTF_8));
    assertEquals("Hello from Wasm, bob!\nargv[0]=bob\n", new String(bob.capturedStdout(), StandardCharsets.UTF_8));
    template.recycle(a.memory());
    // an instance whose memory no world made: a host bug, said as such, not a guest errno
    Instance orphan = Instance.builder(module).withImportValues(imports).withStart(false).build();
    assertThrows(IllegalStateException.class, () -> orphan.export("_start").apply());
  }

  @Test
  void onlyModulesWithOneMemoryAndPreview1ImportsFitATemplate() {
    WasmModule segments = Guests.module("wasi/memory_segments.wasm");
    InstanceTemplate t = InstanceTemplate.of(segments, new MemoryLimits(1, 2)).orElseThrow();
    assertSame(segments, t.module());
    Memory m = t.memory(null);
    assertEquals(1, m.read(PAGE - 2));
    assertEquals(2, m.read(PAGE - 1));
    assertTrue(InstanceTemplate.of(Guests.module("wasi/memory_multi.wasm"), new MemoryLimits(1, 2)).isEmpty());
    // WasmEdge's socket functions are made per world
    assertTrue(InstanceTemplate.of(Guests.module("net/wasmedge_imports.wasm"), new MemoryLimits(2, 100)).isEmpty());
    assertTrue(InstanceTemplate.of(segments, new MemoryLimits(1, 2, true)).isEmpty(), "shared memory");
    assertFalse(InstanceTemplate.of(Guests.module("hello.wasm"), new MemoryLimits(2, 100)).isEmpty());
    // the CGI guests whose isolation WasmHandlerTest checks run in recycled memories
    for (String guest : new String[] {"serving/echo.wasm", "serving/misbehave.wasm"}) {
      WasmModule cgi = Guests.module(guest);
      assertFalse(InstanceTemplate.of(cgi, cgi.memorySection().orElseThrow().getMemory(0).limits()).isEmpty(), guest);
    }
  }

  private static WasiPreview1 world(String name) {
    return WasiPreview1.create(WasiOptions.builder().args(java.util.List.of(name)).env("GREETING_NAME", name)
        .stdout(Output.capture(4096)).build());
  }

  private static Instance instance(WasmModule module, InstanceTemplate template, ImportValues imports,
      WasiPreview1 world) {
    return Instance.builder(module).withImportValues(imports).withMemoryFactory(l -> template.memory(world))
        .withStart(false).build();
  }
}
