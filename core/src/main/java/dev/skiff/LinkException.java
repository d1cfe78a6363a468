package dev.skiff;

import java.util.List;

/** The module imports something that neither WASI nor the caller's host functions provide. */
public final class LinkException extends SkiffException {
  private static final long serialVersionUID = 1L;
  /** Every unresolved import, as {@code module.name (kind)}. */
  private final List<String> unresolved;

  /**
   * Creates the exception listing every unresolved import as {@code module.name (kind)}.
   *
   * @param unresolved every unresolved import as module.name (kind)
   */
  public LinkException(List<String> unresolved) {
    super("The module has " + unresolved.size() + " unresolved import(s): "
        + String.join(", ", unresolved)
        + ". Provide them with Runner.hostFunctions(...) or grant the WASI capability it needs.");
    this.unresolved = List.copyOf(unresolved);
  }

  /**
   * Every import that could not be resolved, as {@code module.name (kind)}.
   *
   * @return the unresolved imports
   */
  public List<String> unresolvedImports() {
    return unresolved;
  }
}
