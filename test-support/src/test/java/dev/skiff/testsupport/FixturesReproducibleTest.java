package dev.skiff.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed Wasm fixtures are exactly what fixtures/build.sh makes from their sources. */
class FixturesReproducibleTest {
  @Test
  void committedModulesMatchAFreshBuild(@TempDir Path out) throws Exception {
    Path root = Fixtures.repoRoot();
    Tools.require("clang");
    Tools.require("wat2wasm");
    Tools.run(root, "bash", "fixtures/build.sh", out.toString());
    List<Path> built;
    try (Stream<Path> files = Files.walk(out)) {
      built = files.filter(Files::isRegularFile).collect(Collectors.toList());
    }
    assertFalse(built.isEmpty(), "fixtures/build.sh built nothing");
    for (Path fresh : built) {
      Path committed = root.resolve("fixtures/wasm").resolve(out.relativize(fresh).toString());
      assertArrayEquals(Files.readAllBytes(fresh), Files.readAllBytes(committed),
          committed + " differs from a fresh build of its source: run fixtures/build.sh and commit");
    }
  }
}
