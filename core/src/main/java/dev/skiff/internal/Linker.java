package dev.skiff.internal;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import dev.skiff.LinkException;
import dev.skiff.WasmImport;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks, before Chicory links, that every import is provided, so the error can list all of them. */
public final class Linker {
  public static final String WASI_MODULE = "wasi_snapshot_preview1";

  private Linker() {}

  /** Whether the module imports anything from WASI preview1. */
  public static boolean importsWasi(WasmModule module) {
    return module.importSection().stream().anyMatch(i -> WASI_MODULE.equals(i.module()));
  }

  /**
   * @throws LinkException listing every import that {@code provided} does not satisfy
   */
  public static void checkImports(WasmModule module, List<? extends ImportFunction> provided) {
    Set<String> names = new HashSet<>();
    for (ImportFunction f : provided) {
      names.add(f.module() + "\u0000" + f.name());
    }
    List<WasmImport> missing = new ArrayList<>();
    module.importSection().stream().forEach((Import i) -> {
      boolean ok = i.importType() == ExternalType.FUNCTION && names.contains(i.module() + "\u0000" + i.name());
      if (!ok) {
        missing.add(Modules.describe(i));
      }
    });
    if (!missing.isEmpty()) {
      throw new LinkException(missing);
    }
  }
}
