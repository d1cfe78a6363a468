package dev.skiff.internal;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import dev.skiff.ExternalKind;
import dev.skiff.WasmExport;
import dev.skiff.WasmImport;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Small read-only views of a parsed module, shared by linking, running, inspection and errors. */
public final class Modules {
  private Modules() {}

  public static List<Export> exports(WasmModule module) {
    ExportSection section = module.exportSection();
    List<Export> exports = new ArrayList<>(section.exportCount());
    for (int i = 0; i < section.exportCount(); i++) {
      exports.add(section.getExport(i));
    }
    return exports;
  }

  /** How many imports of {@code type} the module has: Wasm's indices count them before its own. */
  public static int importCount(WasmModule module, ExternalType type) {
    return (int) module.importSection().stream().filter(i -> i.importType() == type).count();
  }

  /** Whether the module exports a function named {@code name}. */
  public static boolean exportsFunction(WasmModule module, String name) {
    return exports(module).stream()
        .anyMatch(e -> e.name().equals(name) && e.exportType() == ExternalType.FUNCTION);
  }

  /** Names of the exported functions. */
  public static List<String> exportedFunctionNames(WasmModule module) {
    return exports(module).stream()
        .filter(e -> e.exportType() == ExternalType.FUNCTION)
        .map(Export::name)
        .collect(Collectors.toList());
  }

  /** An export as the public API shows it. */
  public static WasmExport describe(Export e) {
    return new WasmExport(e.name(), kind(e.exportType()));
  }

  /** An import as the public API and link errors show it. */
  public static WasmImport describe(Import i) {
    return new WasmImport(i.module(), i.name(), kind(i.importType()));
  }

  private static ExternalKind kind(ExternalType type) {
    return switch (type) {
      case FUNCTION -> ExternalKind.FUNCTION;
      case TABLE -> ExternalKind.TABLE;
      case MEMORY -> ExternalKind.MEMORY;
      case GLOBAL -> ExternalKind.GLOBAL;
      case TAG -> ExternalKind.TAG;
    };
  }
}
