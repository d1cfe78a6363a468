package dev.skiff.wasi;

import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.skiff.testsupport.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Runs fixture guests under our WASI. */
final class Guests {
  private static final Map<String, WasmModule> MODULES = new ConcurrentHashMap<>();

  /** What a guest run produced. */
  record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  private Guests() {}

  static Path fixture(String relative) {
    return Fixtures.wasm(relative);
  }

  static WasmModule module(String relative) {
    return MODULES.computeIfAbsent(relative, r -> Parser.parse(fixture(r)));
  }

  /** Runs {@code _start} with stdout and stderr captured (unless the options say otherwise). */
  static Result run(String relative, WasiOptions options) {
    return run(relative, options, WasiPreview1::memory);
  }

  /** Runs {@code _start} as {@link #run(String, WasiOptions)} does, in a memory from {@code memory}. */
  static Result run(String relative, WasiOptions options, Function<MemoryLimits, Memory> memory) {
    WasiOptions opts = options;
    if (options.stdout() == Output.discard()) {
      opts = opts.newBuilder().stdout(Output.capture(1 << 20)).build();
    }
    if (options.stderr() == Output.discard()) {
      opts = opts.newBuilder().stderr(Output.capture(1 << 20)).build();
    }
    try (WasiPreview1 wasi = WasiPreview1.create(opts)) {
      Instance instance = Instance.builder(module(relative))
          .withImportValues(ImportValues.builder().addFunction(wasi.toHostFunctions(module(relative))).build())
          .withMemoryFactory(memory)
          .withStart(false)
          .build();
      int code = 0;
      try {
        instance.export("_start").apply();
      } catch (WasiExitException e) {
        code = e.exitCode();
      }
      return new Result(code, new String(wasi.capturedStdout(), StandardCharsets.UTF_8),
          new String(wasi.capturedStderr(), StandardCharsets.UTF_8));
    }
  }
}
