package dev.skiff;

import java.util.Locale;

/** What an import or export is, as the WebAssembly binary format names the kinds of external items. */
public enum ExternalKind {
  /** A function. */
  FUNCTION,
  /** A table of references. */
  TABLE,
  /** A linear memory. */
  MEMORY,
  /** A global variable. */
  GLOBAL,
  /** An exception tag. */
  TAG;

  /**
   * The kind in lower case, as messages and {@code skiff inspect} show it.
   *
   * @return for example {@code function}
   */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
