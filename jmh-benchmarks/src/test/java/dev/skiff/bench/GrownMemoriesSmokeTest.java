package dev.skiff.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
 * Runs every kernel benchmark for one short iteration as {@code skiff-compiler-grown} and
 * {@code skiff-compiler-neighbour-grown}, inside this JVM (forks=0), so those rows, which no default run
 * has, never rot; the runtimes check that the grown module's code tests sizes.
 */
class GrownMemoriesSmokeTest {
  @Test
  @Timeout(value = 110, unit = TimeUnit.SECONDS)
  void everyKernelRunsOnceWithGrownMemories() throws Exception {
    Set<String> ran = new TreeSet<>();
    for (RunResult r : new Runner(new OptionsBuilder()
        .include("dev\\.skiff\\.bench\\.(Compute|Zlib|BulkMemory|Sqlite|Json|Lua)Benchmark")
        .param("runtime", "skiff-compiler-grown", "skiff-compiler-neighbour-grown")
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(100))
        .shouldFailOnError(true)
        .build()).run()) {
      ran.add(r.getParams().getBenchmark().replaceFirst(".*\\.", "") + "/" + r.getParams().getParam("runtime"));
      assertTrue(r.getPrimaryResult().getScore() > 0, r.getParams().getBenchmark());
    }
    Set<String> expected = new TreeSet<>();
    for (String runtime : List.of("skiff-compiler-grown", "skiff-compiler-neighbour-grown")) {
      for (String kernel : List.of("hash1MiB", "sieve", "fib27", "matmul128", "zlibDeflate1MiB", "zlibInflate1MiB",
          "memoryCopyFill", "sqliteQueries", "sqliteQueriesHugeMethodsCompiled", "jsonRoundTrip", "luaScript",
          "luaScriptHugeMethodsCompiled")) {
        expected.add(kernel + "/" + runtime);
      }
    }
    assertEquals(expected, ran);
  }
}
