package dev.skiff;

import java.util.Objects;

/**
 * One import of a module: what the host or WASI must provide for it to link.
 *
 * @param module the import's module name, e.g. {@code wasi_snapshot_preview1}
 * @param name the item's name within that module, e.g. {@code fd_write}
 * @param kind what the item is
 */
public record WasmImport(String module, String name, ExternalKind kind) {
  /**
   * Checks that no component is null.
   *
   * @param module the import's module name
   * @param name the item's name
   * @param kind what the item is
   */
  public WasmImport {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
  }

  /**
   * The import as messages show it.
   *
   * @return {@code module.name (kind)}, e.g. {@code host.answer (function)}
   */
  @Override
  public String toString() {
    return module + "." + name + " (" + kind + ")";
  }
}
