package dev.skiff.cli;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.GlobalImport;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.TableImport;
import com.dylibso.chicory.wasm.types.UnknownCustomSection;
import com.dylibso.chicory.wasm.types.ValType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a module is, read without running it: kind (command, reactor, component), imports and exports
 * with signatures, memories and tables, custom sections with the {@code producers} toolchain, and
 * the reasons {@code skiff run} would refuse it.
 */
final class ModuleReport {
  private static final String WASI = "wasi_snapshot_preview1";

  private ModuleReport() {}

  /** The report as ordered maps and lists, for JSON and for the human form. */
  static Map<String, Object> of(byte[] bytes) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("size", bytes.length);
    List<String> refusals = new ArrayList<>();
    if (bytes.length < 8 || bytes[0] != 0 || bytes[1] != 'a' || bytes[2] != 's' || bytes[3] != 'm') {
      r.put("kind", "not WebAssembly");
      refusals.add("it does not start with the Wasm magic number \\0asm");
      r.put("refusals", refusals);
      return r;
    }
    if (bytes[4] != 1 || bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0) {
      boolean component = bytes[6] == 1 && bytes[7] == 0;
      r.put("kind", component ? "component" : "unknown Wasm version");
      refusals.add(component ? "it is a component (component model, WASI preview 2); Skiff runs core modules "
          + "with WASI preview1" : "its binary version is not 1");
      r.put("refusals", refusals);
      return r;
    }
    WasmModule m;
    try {
      m = Parser.parse(bytes);
    } catch (RuntimeException e) {
      r.put("kind", "module");
      refusals.add("Chicory cannot parse it: " + e.getMessage());
      r.put("refusals", refusals);
      return r;
    }
    boolean start = exports(m, "_start");
    boolean initialize = exports(m, "_initialize");
    r.put("kind", start ? "command" : initialize || m.exportSection().exportCount() > 0 ? "reactor" : "library");
    // Imports and exports are objects (module, name, kind, type) in the JSON, so no one parses text.
    List<Map<String, String>> imports = new ArrayList<>();
    List<String> unprovided = new ArrayList<>();
    List<FunctionType> functionTypes = new ArrayList<>();
    for (int i = 0; i < m.importSection().importCount(); i++) {
      Import im = m.importSection().getImport(i);
      String type;
      if (im instanceof FunctionImport) {
        FunctionType t = m.typeSection().getType(((FunctionImport) im).typeIndex());
        functionTypes.add(t);
        type = signature(t);
      } else if (im instanceof MemoryImport) {
        type = limits(((MemoryImport) im).limits());
      } else if (im instanceof TableImport) {
        type = limits(((TableImport) im).limits());
      } else if (im instanceof GlobalImport) {
        type = name(((GlobalImport) im).type());
      } else {
        type = null;
      }
      String kind = kind(im.importType());
      if (im.importType() != ExternalType.FUNCTION) {
        unprovided.add(im.module() + "." + im.name() + " (" + kind + ")");
      } else if (!im.module().equals(WASI)) {
        unprovided.add(im.module() + "." + im.name());
      }
      Map<String, String> entry = new LinkedHashMap<>();
      entry.put("module", im.module());
      entry.put("name", im.name());
      entry.put("kind", kind);
      entry.put("type", type);
      imports.add(entry);
    }
    for (int i = 0; i < m.functionSection().functionCount(); i++) {
      functionTypes.add(m.typeSection().getType(m.functionSection().getFunctionType(i)));
    }
    r.put("imports", imports);
    List<Map<String, String>> exports = new ArrayList<>();
    for (int i = 0; i < m.exportSection().exportCount(); i++) {
      Export e = m.exportSection().getExport(i);
      Map<String, String> entry = new LinkedHashMap<>();
      entry.put("name", e.name());
      entry.put("kind", kind(e.exportType()));
      entry.put("type", e.exportType() == ExternalType.FUNCTION && e.index() < functionTypes.size()
          ? signature(functionTypes.get(e.index())) : null);
      exports.add(entry);
    }
    r.put("exports", exports);
    List<String> memories = new ArrayList<>();
    m.memorySection().ifPresent(s -> {
      for (int i = 0; i < s.memoryCount(); i++) {
        memories.add(limits(s.getMemory(i).limits()));
      }
    });
    r.put("memories", memories);
    List<String> tables = new ArrayList<>();
    for (int i = 0; i < m.tableSection().tableCount(); i++) {
      tables.add(name(m.tableSection().getTable(i).elementType()) + ", " + limits(m.tableSection().getTable(i).limits()));
    }
    r.put("tables", tables);
    Map<String, Object> custom = new LinkedHashMap<>();
    for (CustomSection c : m.customSections()) {
      custom.put(c.name(), c instanceof UnknownCustomSection ? ((UnknownCustomSection) c).bytes().length : null);
    }
    r.put("customSections", custom);
    CustomSection producers = m.customSection("producers");
    if (producers instanceof UnknownCustomSection) {
      r.put("producers", producers(((UnknownCustomSection) producers).bytes()));
    }
    r.put("debugInfo", custom.containsKey(".debug_line"));
    if (!unprovided.isEmpty()) {
      refusals.add("skiff run provides only WASI preview1; it would not link: " + String.join(", ", unprovided));
    }
    if (m.importSection().stream().anyMatch(i -> i.module().equals("wasi_unstable"))) {
      refusals.add("it imports wasi_unstable (WASI preview 0), which Skiff does not implement");
    }
    if (memories.size() > 1) {
      refusals.add("it declares " + memories.size() + " memories; WASI uses memory 0 only");
    }
    if (!start && exports.isEmpty()) {
      refusals.add("it exports nothing to call");
    }
    r.put("refusals", refusals);
    return r;
  }

  /** As {@link dev.skiff.ExternalKind} names it: function, table, memory, global, tag. */
  private static String kind(ExternalType type) {
    return type.name().toLowerCase(Locale.ROOT);
  }

  /** One import or export as the human form shows it: {@code module.name: func (i32) -> (i32)}. */
  static String describe(Map<String, String> entry) {
    String where = entry.containsKey("module") ? entry.get("module") + "." + entry.get("name") : entry.get("name");
    String kind = "function".equals(entry.get("kind")) ? "func" : entry.get("kind");
    return where + ": " + kind + (entry.get("type") == null ? "" : " " + entry.get("type"));
  }

  private static boolean exports(WasmModule m, String name) {
    for (int i = 0; i < m.exportSection().exportCount(); i++) {
      Export e = m.exportSection().getExport(i);
      if (e.name().equals(name) && e.exportType() == ExternalType.FUNCTION) {
        return true;
      }
    }
    return false;
  }

  static String signature(FunctionType t) {
    String params = t.params().stream().map(ModuleReport::name).collect(Collectors.joining(", "));
    String results = t.returns().stream().map(ModuleReport::name).collect(Collectors.joining(", "));
    return "(" + params + ") -> (" + results + ")";
  }

  private static String name(ValType v) {
    if (v.isReference()) {
      // Chicory writes reference types as refnull[-16]; -16 and -17 are the func and extern heap types
      return v.typeIdx() == -16 ? "funcref" : v.typeIdx() == -17 ? "externref" : "ref";
    }
    return v.toString().toLowerCase(Locale.ROOT);
  }

  private static String limits(com.dylibso.chicory.wasm.types.TableLimits l) {
    return l.min() + " entries" + (l.max() >= 0xffffffffL || l.max() < 0 ? ", no max" : ", max " + l.max());
  }

  private static String limits(MemoryLimits l) {
    String max = l.maximumPages() >= MemoryLimits.MAX_PAGES ? "no max" : "max " + l.maximumPages() + " pages ("
        + Units.human(l.maximumPages() * 65536L) + ")";
    return l.initialPages() + " pages (" + Units.human(l.initialPages() * 65536L) + "), " + max
        + (l.shared() ? ", shared" : "");
  }

  /** The tool-conventions {@code producers} section: field name to "name version" entries. */
  static Map<String, List<String>> producers(byte[] b) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    int[] pos = {0};
    try {
      long fields = uleb(b, pos);
      for (long f = 0; f < fields; f++) {
        String field = string(b, pos);
        long values = uleb(b, pos);
        List<String> list = new ArrayList<>();
        for (long v = 0; v < values; v++) {
          String name = string(b, pos);
          String version = string(b, pos);
          list.add(version.isEmpty() ? name : name + " " + version);
        }
        out.put(field, list);
      }
    } catch (RuntimeException e) {
      out.put("unreadable", List.of(e.toString()));
    }
    return out;
  }

  private static long uleb(byte[] b, int[] pos) {
    long v = 0;
    int shift = 0;
    int x;
    do {
      x = b[pos[0]++] & 0xff;
      v |= (long) (x & 0x7f) << shift;
      shift += 7;
    } while ((x & 0x80) != 0);
    return v;
  }

  private static String string(byte[] b, int[] pos) {
    int len = (int) uleb(b, pos);
    String s = new String(b, pos[0], len, StandardCharsets.UTF_8);
    pos[0] += len;
    return s;
  }
}
