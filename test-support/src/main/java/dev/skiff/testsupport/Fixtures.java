package dev.skiff.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the repository's Wasm fixtures: real programs whose sources live in {@code fixtures/src} and
 * whose built modules are committed in {@code fixtures/wasm} (rebuilt byte for byte by
 * {@code fixtures/build.sh}).
 */
public final class Fixtures {
  private Fixtures() {}

  /** The repository root: the nearest ancestor of the working directory holding {@code fixtures/build.sh}. */
  public static Path repoRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("fixtures/build.sh"))) {
        return dir;
      }
    }
    throw new AssertionError("Cannot find the Skiff repository root (fixtures/build.sh) above "
        + Path.of("").toAbsolutePath());
  }

  /** The built module {@code fixtures/wasm/<relative>}, for example {@code wasm("hello.wasm")}. */
  public static Path wasm(String relative) {
    Path file = repoRoot().resolve("fixtures/wasm").resolve(relative);
    if (!Files.isRegularFile(file)) {
      throw new AssertionError("Missing fixture " + file + "; run fixtures/build.sh after "
          + Tools.SETUP_COMMAND);
    }
    return file;
  }
}
