package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.internal.CompiledCodeCache;
import dev.skiff.testsupport.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiled code is cached on disk beside the store, so a second Skiff (or process) skips compiling. */
class CompiledCodeCacheTest {
  @TempDir Path store;

  private List<Path> cachedJars() throws Exception {
    Path compiled = store.resolve("compiled");
    if (!Files.isDirectory(compiled)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(compiled)) {
      return files.filter(p -> p.toString().endsWith(".jar"))
          .collect(Collectors.toList());
    }
  }

  @Test
  void compilerEngineFillsTheCacheAndAutoUsesItInAFreshSkiff() throws Exception {
    String calc = Fixtures.wasm("core/calc.wasm").toString();
    try (Skiff first = Skiff.builder().store(store).engine(Engine.COMPILER).build()) {
      try (WasmInstance i = first.pull(calc).runner().instantiate()) {
        assertEquals(5, i.function("add").callInt(2, 3));
      }
    }
    List<Path> jars = cachedJars();
    assertEquals(1, jars.size(), "one compiled jar: " + jars);
    assertTrue(jars.get(0).getParent().getFileName().toString().startsWith("chicory-"),
        "namespaced by Chicory version: " + jars.get(0));

    try (Skiff second = Skiff.builder().store(store).build()) {
      WasmArtifact artifact = second.pull(calc);
      assertFalse(artifact.isCompiled());
      try (WasmInstance i = artifact.runner().instantiate()) {
        assertEquals(7, i.function("add").callInt(3, 4));
      }
      assertTrue(artifact.isCompiled(), "AUTO loaded compiled code from the disk cache for the first instance");
    }
  }

  @Test
  void autoInterpretsFirstAndCompilesInTheBackground() throws Exception {
    try (Skiff skiff = Skiff.builder().store(store).build()) {
      WasmArtifact artifact = skiff.pull(Fixtures.wasm("core/calc.wasm").toString());
      try (WasmInstance i = artifact.runner().instantiate()) {
        assertEquals(5, i.function("add").callInt(2, 3));
      }
      assertTrue(artifact.awaitCompiled(Duration.ofMinutes(1)), "the first instance started a compile");
      assertTrue(artifact.isCompiled());
      assertEquals(1, cachedJars().size());
    }
    try (Skiff skiff = Skiff.builder().store(store.resolve("other")).engine(Engine.INTERPRETER).build()) {
      WasmArtifact artifact = skiff.pull(Fixtures.wasm("core/calc.wasm").toString());
      artifact.runner().instantiate().close();
      assertFalse(artifact.awaitCompiled(Duration.ofMinutes(1)), "the interpreter engine compiles nothing");
    }
  }

  @Test
  void pruningTheStoreRemovesCompiledCodeOfModulesNoLongerStoredAndOfOtherChicoryVersions() throws Exception {
    Path stale = store.resolve("compiled").resolve("chicory-0.0.1-fallback-silent-v1").resolve("x.jar");
    Files.createDirectories(stale.getParent());
    Files.write(stale, new byte[100]);
    try (Skiff skiff = Skiff.builder().store(store).engine(Engine.COMPILER).build()) {
      skiff.pull(Fixtures.wasm("core/calc.wasm").toString()).runner().instantiate().close();
      List<Path> jars = cachedJars();
      jars.remove(stale);
      assertEquals(1, jars.size(), jars::toString);

      long freed = skiff.pruneStore(Long.MAX_VALUE);
      assertEquals(100, freed, "only the other version's jar goes");
      assertFalse(Files.exists(stale.getParent()));
      assertEquals(jars, cachedJars(), "the stored module keeps its compiled code");

      freed = skiff.pruneStore(0);
      assertTrue(freed > Files.size(Fixtures.wasm("core/calc.wasm")), "module and compiled code: " + freed);
      assertEquals(List.of(), cachedJars());
    }
  }

  @Test
  void aClosedCacheWritesNothingSoALateBackgroundCompileLeavesTheStoreAlone() throws Exception {
    CompiledCodeCache cache = new CompiledCodeCache(store, "ns");
    cache.close();
    cache.store("sha256:" + "0".repeat(64), new CompiledCodeCache.Entry(java.util.Map.of(), "M", new byte[0], java.util.Set.of()));
    assertFalse(Files.exists(store.resolve("compiled")));
  }

  @Test
  void withoutTheDiskCacheNothingIsWritten() throws Exception {
    try (Skiff skiff = Skiff.builder().store(store).compiledCodeCache(false).engine(Engine.COMPILER).build()) {
      try (WasmInstance i = skiff.pull(Fixtures.wasm("core/calc.wasm").toString()).runner().instantiate()) {
        assertEquals(5, i.function("add").callInt(2, 3));
      }
    }
    assertTrue(cachedJars().isEmpty());
  }

  private static final String CALC = Fixtures.wasm("core/calc.wasm").toString();

  /** Fills the cache with calc's entry and returns its file. */
  private Path compileCalc() throws Exception {
    try (Skiff skiff = Skiff.builder().store(store).engine(Engine.COMPILER).build()) {
      skiff.pull(CALC).compile();
    }
    List<Path> jars = cachedJars();
    assertEquals(1, jars.size(), jars::toString);
    return jars.get(0);
  }

  /** A fresh Skiff's view of calc under AUTO: 2 + 3, and whether it ran compiled code from the disk. */
  private boolean addsAndRunsCompiled() {
    try (Skiff skiff = Skiff.builder().store(store).backgroundCompile(false).build()) {
      WasmArtifact artifact = skiff.pull(CALC);
      try (WasmInstance i = artifact.runner().instantiate()) {
        assertEquals(5, i.function("add").callInt(2, 3));
      }
      return artifact.isCompiled();
    }
  }

  @Test
  void aCachedRunParsesOnlyTheStubModuleAndValidatesNoMore() throws Exception {
    Path jar = compileCalc();
    String hex = jar.getFileName().toString().replace(".jar", "");
    assertTrue(Files.exists(jar.resolveSibling(hex + ".valid")), "the full parse validated once");
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
      byte[] meta = zip.getInputStream(zip.getEntry("META-INF/module.meta.wasm")).readAllBytes();
      com.dylibso.chicory.wasm.WasmModule stub = com.dylibso.chicory.wasm.Parser.parse(meta);
      byte[] calc = Files.readAllBytes(Fixtures.wasm("core/calc.wasm"));
      com.dylibso.chicory.wasm.WasmModule whole = com.dylibso.chicory.wasm.Parser.parse(calc);
      dev.skiff.internal.ModuleCompiler.Compiled compiled = dev.skiff.internal.ModuleCompiler.compile(whole, calc);
      assertEquals(compiled.module().codeSection().functionBodyCount(), stub.codeSection().functionBodyCount(),
          "the stub keeps every function index (the module's with its large functions split)");
      assertTrue(meta.length < Files.size(Fixtures.wasm("core/calc.wasm")), "bodies are gone: " + meta.length);
    }
    assertTrue(addsAndRunsCompiled());
  }

  @Test
  void aCorruptedEntryIsNeverUsedAndIsReplacedByTheNextCompile() throws Exception {
    Path jar = compileCalc();
    byte[] bytes = Files.readAllBytes(jar);
    int classAt = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("CompiledMachine");
    int at = classAt + (bytes.length - classAt) / 2; // inside the stored classes
    bytes[at] ^= 0x5a;
    Files.write(jar, bytes);
    assertFalse(addsAndRunsCompiled(), "the damaged entry was not loaded; the interpreter ran");
    assertFalse(Files.exists(jar), "the damaged entry was deleted");
    compileCalc();
    assertTrue(addsAndRunsCompiled(), "a new compile replaced it");
  }

  @Test
  void aTruncatedEntryIsNeverUsed() throws Exception {
    Path jar = compileCalc();
    byte[] bytes = Files.readAllBytes(jar);
    Files.write(jar, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertFalse(addsAndRunsCompiled());
    assertFalse(Files.exists(jar));
  }

  @Test
  void anEntryMadeForAnotherModuleOrChicoryVersionIsNeverUsed() throws Exception {
    Path jar = compileCalc();
    byte[] calcEntry = Files.readAllBytes(jar);
    // foreign: calc's code filed under hello's digest must not run for hello
    String hello = Fixtures.wasm("hello.wasm").toString();
    String helloHex;
    try (Skiff skiff = Skiff.builder().store(store).engine(Engine.INTERPRETER).build()) {
      helloHex = skiff.pull(hello).moduleDigest().substring(7);
    }
    Path foreign = jar.resolveSibling(helloHex + ".jar");
    Files.write(foreign, calcEntry);
    try (Skiff skiff = Skiff.builder().store(store).backgroundCompile(false).build()) {
      WasmArtifact artifact = skiff.pull(hello);
      assertEquals(0, artifact.runner().stdout(dev.skiff.wasi.Output.capture(1 << 16)).run().exitCode());
      assertFalse(artifact.isCompiled(), "another module's entry was not loaded");
    }
    assertFalse(Files.exists(foreign));
    // stale: an entry written by another Chicory version names its namespace; this one refuses it
    String text = new String(calcEntry, java.nio.charset.StandardCharsets.ISO_8859_1);
    String ours = dev.skiff.internal.Versions.compiledCodeNamespace();
    String other = ours.replace(dev.skiff.internal.Versions.CHICORY, "9.9.9".substring(0, dev.skiff.internal.Versions.CHICORY.length()));
    byte[] stale = text.replace("namespace=" + ours, "namespace=" + other).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertEquals(calcEntry.length, stale.length);
    Files.write(jar, stale);
    assertFalse(addsAndRunsCompiled(), "an entry of another namespace is not loaded (its CRC or its name says so)");
  }

  @Test
  void aKilledCompilesLeftoversAreDeletedByTheNextLockHolder() throws Exception {
    CompiledCodeCache cache = new CompiledCodeCache(store, dev.skiff.internal.Versions.compiledCodeNamespace());
    String digest = "sha256:" + "ab".repeat(32);
    Files.createDirectories(cache.directory());
    Path leftover = cache.directory().resolve("ab".repeat(32) + ".jar.tmp-123");
    Files.write(leftover, new byte[10]);
    try (CompiledCodeCache.Lock lock = cache.tryLock(digest)) {
      assertTrue(lock != null);
      assertFalse(Files.exists(leftover), "half-written file of a dead compile removed");
      assertEquals(null, cache.tryLock(digest), "a second holder in this JVM is refused");
    }
    assertFalse(cache.contains(digest));
  }
}
