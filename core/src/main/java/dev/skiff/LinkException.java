package dev.skiff;

import java.util.List;
import java.util.stream.Collectors;

/** The module imports something that neither WASI nor the caller's host functions provide. */
public final class LinkException extends SkiffException {
  private static final long serialVersionUID = 1L;
  /** Every unresolved import. */
  private final List<WasmImport> unresolved;

  /**
   * Creates the exception listing every unresolved import.
   *
   * @param unresolved every unresolved import
   */
  public LinkException(List<WasmImport> unresolved) {
    super("The module has " + unresolved.size() + " unresolved import(s): "
        + unresolved.stream().map(WasmImport::toString).collect(Collectors.joining(", "))
        + ". Provide them with Runner.hostFunctions(...) or grant the WASI capability it needs.");
    this.unresolved = List.copyOf(unresolved);
  }

  /**
   * Every import that could not be resolved, in the module's order.
   *
   * @return the unresolved imports
   */
  public List<WasmImport> unresolvedImports() {
    return unresolved;
  }
}
