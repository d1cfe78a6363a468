package dev.skiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.internal.CompiledCodeCache;
import dev.skiff.testing.Fixtures;
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
      return files.filter(p -> p.toString().endsWith(".jar") && !p.getFileName().toString().startsWith(".tmp"))
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
}
