package dev.skiff.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.bench.peers.NativeKernels;
import dev.skiff.bench.peers.PeerInstance;
import dev.skiff.bench.peers.PeerModule;
import dev.skiff.bench.peers.Polyglot;
import dev.skiff.bench.peers.Runtime;
import dev.skiff.testsupport.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every runtime computes exactly what the native C computes, so the benchmarks compare equal work. */
class PeersAgreeTest {
  private static NativeKernels nativeKernels;

  static List<Runtime> runtimes() {
    return Arrays.stream(Runtime.values())
        .filter(r -> r != Runtime.GRAALWASM || Polyglot.available())
        .collect(Collectors.toList());
  }

  @BeforeAll
  static void startNative() {
    nativeKernels = new NativeKernels();
    nativeKernels.call("fill", ComputeBenchmark.SEED);
    nativeKernels.call("zlib_fill", ZlibBenchmark.SEED);
  }

  @AfterAll
  static void stopNative() {
    nativeKernels.close();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void kernelsMatchNativeC(Runtime runtime) {
    try (PeerModule module = runtime.load(Fixtures.wasm("bench/kernels.wasm"));
         PeerInstance instance = module.instantiate()) {
      instance.function("fill").call(ComputeBenchmark.SEED);
      assertEquals(nativeKernels.call("hash", ComputeBenchmark.HASH_BYTES),
          Integer.toUnsignedLong((int) instance.function("hash").call(ComputeBenchmark.HASH_BYTES)), "hash");
      // small inputs keep the interpreters quick; the benchmark sizes run in the smoke test
      assertEquals(nativeKernels.call("sieve", 100_000), instance.function("sieve").call(100_000), "sieve");
      assertEquals(82025, nativeKernels.call("sieve", ComputeBenchmark.SIEVE_N), "native sieve(2^20)");
      assertEquals(nativeKernels.call("fib", 20), instance.function("fib").call(20), "fib");
      assertEquals(196418, nativeKernels.call("fib", ComputeBenchmark.FIB_N), "native fib(27)");
      assertEquals(nativeKernels.call("matmul", 24), instance.function("matmul").call(24), "matmul");
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void zlibCompressesAndDecompressesAsNativeZlibDoes(Runtime runtime) {
    int n = 64 << 10; // a sixteenth of the benchmark's input keeps the interpreters quick
    try (PeerModule module = runtime.load(Fixtures.wasm("bench/zlib.wasm"));
         PeerInstance instance = module.instantiate()) {
      instance.function("zlib_fill").call(ZlibBenchmark.SEED);
      long size = instance.function("zlib_deflate").call(n);
      assertEquals(nativeKernels.call("zlib_deflate", n), size, "compressed size, same zlib and level");
      assertTrue(size > 0 && size < n / 2, "text-like input compresses: " + size);
      long adler = instance.function("zlib_inflate").call(0);
      assertEquals(nativeKernels.call("zlib_inflate", 0), adler, "Adler-32 of the decompressed bytes");
      assertNotEquals(0, adler, "inflate failed");
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void bulkMemoryMovesTheBytesAsNativeMemmoveDoes(Runtime runtime) {
    try (PeerModule module = runtime.load(Fixtures.wasm("bench/bulk.wasm"));
         PeerInstance instance = module.instantiate()) {
      for (int rounds : new int[] {0, 1, 2, BulkMemoryBenchmark.ROUNDS}) {
        // an i32 result: the runtimes give it signed, the native harness unsigned
        assertEquals((int) nativeKernels.call("bulk", rounds), (int) instance.function("bulk").call(rounds),
            rounds + " rounds");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void sqliteAnswersTheQueriesAsNativeSqliteDoes(Runtime runtime) {
    int n = 100; // a twentieth of the benchmark's rows keeps the interpreters quick
    try (PeerModule module = runtime.load(Fixtures.wasm("bench/sqlite.wasm"));
         PeerInstance instance = module.instantiate()) {
      long checksum = instance.function("sqlite_run").call(n);
      assertTrue(checksum < 1L << 32, "every statement ran: " + checksum);
      assertEquals(nativeKernels.call("sqlite_run", n), checksum, "checksum, same SQLite and statements");
      if (!runtime.interprets()) { // the benchmark's own run
        assertEquals(nativeKernels.call("sqlite_run", SqliteBenchmark.ROWS),
            instance.function("sqlite_run").call(SqliteBenchmark.ROWS), "checksum of the benchmark's run");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void luaRunsTheScriptAsNativeLuaDoes(Runtime runtime) {
    int n = 500; // a twentieth of the benchmark's records keeps the interpreters quick
    try (PeerModule module = runtime.load(Fixtures.wasm("bench/lua.wasm"));
         PeerInstance instance = module.instantiate()) {
      assertEquals(0, instance.function("lua_setup").call(0), "the script loads");
      long checksum = instance.function("lua_run").call(n);
      assertTrue(checksum < 1L << 32, "the script ran without error: " + checksum);
      assertEquals(nativeKernels.call("lua_run", n), checksum, "checksum, same Lua and script");
      assertEquals(checksum, instance.function("lua_run").call(n), "a second run on the same state");
      if (!runtime.interprets()) { // the benchmark's own run
        assertEquals(nativeKernels.call("lua_run", LuaBenchmark.RECORDS),
            instance.function("lua_run").call(LuaBenchmark.RECORDS), "checksum of the benchmark's run");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void cjsonPrintsTheDocumentAsNativeCjsonDoes(Runtime runtime) {
    int records = runtime.interprets() ? 200 : JsonBenchmark.RECORDS; // the interpreters take a tenth
    try (PeerModule module = runtime.load(Fixtures.wasm("bench/json.wasm"));
         PeerInstance instance = module.instantiate()) {
      assertEquals(nativeKernels.call("json_fill", records), instance.function("json_fill").call(records),
          "document length");
      long checksum = instance.function("json_run").call(0);
      assertTrue(checksum < 1L << 32, "the document parsed and printed: " + checksum);
      assertEquals(nativeKernels.call("json_run", 0), checksum, "checksum, same cJSON and document");
      assertEquals(checksum, instance.function("json_run").call(0), "a second run on the same document");
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void handlerAnswersTheRequestOnFreshInstances(Runtime runtime) {
    try (PeerModule module = runtime.load(Fixtures.wasm("bench/handler.wasm"))) {
      for (int i = 0; i < 3; i++) {
        assertEquals(HandlerBenchmark.RESPONSE,
            new String(HandlerBenchmark.handle(module), StandardCharsets.US_ASCII));
      }
    }
  }
}
