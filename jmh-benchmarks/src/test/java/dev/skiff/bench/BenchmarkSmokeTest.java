package dev.skiff.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark for one short iteration inside this JVM (forks=0) so benchmarks never rot:
 * a failing setup, a wrong guest result or a missing fixture fails the build. Cold start runs the
 * small module only here; scripts/bench runs both sizes.
 */
class BenchmarkSmokeTest {
  @Test
  @Timeout(value = 110, unit = TimeUnit.SECONDS)
  void everyBenchmarkRunsOnce() throws Exception {
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include("dev\\.skiff\\.bench\\..*Benchmark")
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(100))
        .param("size", "small")
        .shouldFailOnError(true);
    Collection<RunResult> results = new Runner(options.build()).run();
    Set<String> ran = new TreeSet<>();
    for (RunResult r : results) {
      String runtime = r.getParams().getParam("runtime");
      ran.add(r.getParams().getBenchmark().replaceFirst(".*\\.", "")
          + (runtime == null ? "" : "/" + runtime));
      assertTrue(r.getPrimaryResult().getScore() > 0, r.getParams().getBenchmark() + " " + runtime);
    }
    // GraalWasm is not a default parameter value (it needs JDK 21+); PeersAgreeTest covers it there
    assertEquals(Set.of(
          "coldStart/skiff-registry", "coldStart/skiff-store", "coldStart/skiff-cache",
          "coldStart/chicory-interpreter", "coldStart/chicory-compiler", "coldStart/wasmtime",
          "hash1MiB/skiff-compiler", "hash1MiB/skiff-interpreter", "hash1MiB/chicory-compiler",
          "hash1MiB/chicory-interpreter", "hash1MiB/wasmtime", "hash1MiB/native",
          "sieve/skiff-compiler", "sieve/skiff-interpreter", "sieve/chicory-compiler",
          "sieve/chicory-interpreter", "sieve/wasmtime", "sieve/native",
          "fib27/skiff-compiler", "fib27/skiff-interpreter", "fib27/chicory-compiler",
          "fib27/chicory-interpreter", "fib27/wasmtime", "fib27/native",
          "matmul128/skiff-compiler", "matmul128/skiff-interpreter", "matmul128/chicory-compiler",
          "matmul128/chicory-interpreter", "matmul128/wasmtime", "matmul128/native",
          "zlibDeflate1MiB/skiff-compiler", "zlibDeflate1MiB/chicory-compiler", "zlibDeflate1MiB/wasmtime",
          "zlibDeflate1MiB/native", "zlibInflate1MiB/skiff-compiler", "zlibInflate1MiB/chicory-compiler",
          "zlibInflate1MiB/wasmtime", "zlibInflate1MiB/native",
          "memoryCopyFill/skiff-compiler", "memoryCopyFill/chicory-compiler", "memoryCopyFill/wasmtime",
          "memoryCopyFill/native",
          "sqliteQueries/skiff-compiler", "sqliteQueries/chicory-compiler", "sqliteQueries/wasmtime",
          "sqliteQueries/native", "sqliteQueriesHugeMethodsCompiled/skiff-compiler",
          "sqliteQueriesHugeMethodsCompiled/chicory-compiler", "sqliteQueriesHugeMethodsCompiled/wasmtime",
          "sqliteQueriesHugeMethodsCompiled/native",
          "jsonRoundTrip/skiff-compiler", "jsonRoundTrip/chicory-compiler", "jsonRoundTrip/wasmtime",
          "jsonRoundTrip/native",
          "luaScript/skiff-compiler", "luaScript/chicory-compiler", "luaScript/wasmtime", "luaScript/native",
          "luaScriptHugeMethodsCompiled/skiff-compiler", "luaScriptHugeMethodsCompiled/chicory-compiler",
          "luaScriptHugeMethodsCompiled/wasmtime", "luaScriptHugeMethodsCompiled/native",
          "instancePerRequest/skiff-compiler", "instancePerRequest/skiff-interpreter",
          "instancePerRequest/chicory-compiler", "instancePerRequest/chicory-interpreter",
          "instancePerRequest/wasmtime",
          "warmCall/skiff-compiler", "warmCall/skiff-interpreter", "warmCall/chicory-compiler",
          "warmCall/chicory-interpreter", "warmCall/wasmtime",
          "fdWrite1MiB/skiff", "fdWrite1MiB/chicory", "fdWrite1MiB/java",
          "fdWrite1MiBToStream/skiff", "fdWrite1MiBToStream/chicory", "fdWrite1MiBToStream/java",
          "fdRead4MiB/skiff", "fdRead4MiB/chicory", "fdRead4MiB/java",
          "copy4MiB/skiff", "copy4MiB/chicory", "copy4MiB/java",
          "pullByDigest/skiff-never", "pullByDigest/skiff-if-not-present", "pullByDigest/read-file",
          "roundTrip", "openClose", "filestat", "echoRequest", "echoRequestHugeMethodsCompiled"), ran);
  }
}
