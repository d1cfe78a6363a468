package dev.skiff.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Versions stamped into the build, used to namespace caches. */
public final class Versions {
  public static final String CHICORY;

  static {
    Properties p = new Properties();
    try (InputStream in = Versions.class.getResourceAsStream("versions.properties")) {
      if (in == null) {
        throw new IllegalStateException("versions.properties is missing from skiff-core");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    CHICORY = p.getProperty("chicory");
  }

  private Versions() {}

  /**
   * The folder name for compiled code: Chicory keys its cache by module digest alone, so the Chicory
   * version and our compiler options (interpreter fallback SILENT, default class layout) are in the path;
   * v2 is the entry layout (classes, stub module and interpreted functions in one jar); "flat2" is
   * the second form of the memory helpers of {@link FlatMemoryAccess} in the generated code, "stop"
   * its back-edge check of {@link GuestInterrupts}, "checks" that check as an {@code invokedynamic}
   * ({@link ShadedPatch#rewrite}), "split2" the form of {@link FunctionSplitter}'s
   * parts, "globals" the global helpers of {@link GlobalAccess}, "exact" loads and stores linked by
   * {@link MemoryExactness}, "private" the globals of {@link PrivateGlobals} in the machine, "typed"
   * its typed i32 helpers and the split that keeps an interpreter's dispatch in its loop, "jumps" the
   * comparisons that branches test fused by {@link CompareJumps}, "fields32" the first 32 typed
   * globals in the machine's int fields ({@link GlobalsMachine#INT_FIELDS}), "reads" their reads made in
   * the guest methods ({@link MachineReads}). An entry of an older namespace still
   * runs correctly, but without the later changes, so each change of the generated code gets a name.
   */
  public static String compiledCodeNamespace() {
    return "chicory-" + CHICORY + "-fallback-silent-flat2-stop-checks-split2-globals-exact-private-typed-jumps-fields" + GlobalsMachine.INT_FIELDS + "-reads";
  }
}
