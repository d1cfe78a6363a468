package dev.skiff.internal;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import java.util.ArrayList;
import java.util.List;

/** Small read-only views of a parsed module. */
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
}
