package dev.skiff;

import java.util.Objects;

/**
 * One export of a module: what a caller can reach in an instance (functions through
 * {@link WasmInstance#function(String)}).
 *
 * @param name the export's name, e.g. {@code _start}
 * @param kind what the item is
 */
public record WasmExport(String name, ExternalKind kind) {
  /**
   * Checks that no component is null.
   *
   * @param name the export's name
   * @param kind what the item is
   */
  public WasmExport {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
  }

  /**
   * The export as messages show it.
   *
   * @return {@code name (kind)}, e.g. {@code add (function)}
   */
  @Override
  public String toString() {
    return name + " (" + kind + ")";
  }
}
