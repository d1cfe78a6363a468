package dev.skiff.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.wasi.internal.FlatMemory;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every kernel benchmark for one short iteration as {@code skiff-compiler-grown}, inside this JVM
 * (forks=0), so that row never rots. It ends the JVM's exactness, so it runs in a JVM of its own (the
 * pom's {@code grown-memories} run, with {@link PeersAgreeTest} for that runtime alone).
 */
class GrownMemoriesSmokeTest {
  @Test
  @Timeout(value = 110, unit = TimeUnit.SECONDS)
  void everyKernelRunsOnceWithGrownMemories() throws Exception {
    Set<String> ran = new TreeSet<>();
    for (RunResult r : new Runner(new OptionsBuilder()
        .include("dev\\.skiff\\.bench\\.(Compute|Zlib|BulkMemory|Sqlite|Json|Lua)Benchmark")
        .param("runtime", "skiff-compiler-grown")
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(100))
        .shouldFailOnError(true)
        .build()).run()) {
      ran.add(r.getParams().getBenchmark().replaceFirst(".*\\.", ""));
      assertTrue(r.getPrimaryResult().getScore() > 0, r.getParams().getBenchmark());
    }
    assertFalse(FlatMemory.allExact(), "the grown runtime ended exactness");
    assertEquals(Set.of("hash1MiB", "sieve", "fib27", "matmul128", "zlibDeflate1MiB", "zlibInflate1MiB",
        "memoryCopyFill", "sqliteQueries", "sqliteQueriesHugeMethodsCompiled", "jsonRoundTrip", "luaScript",
        "luaScriptHugeMethodsCompiled"), ran);
  }
}
