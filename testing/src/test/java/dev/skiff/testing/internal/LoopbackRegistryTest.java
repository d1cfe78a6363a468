package dev.skiff.testing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the registry binary comes from, and what a user without one is told. */
class LoopbackRegistryTest {
  @Test
  void thePropertyWinsOverTheVariableWhichWinsOverThePath(@TempDir Path bin) throws IOException {
    Path onPath = Files.createFile(bin.resolve("docker-registry"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Map<String, String> env = Map.of("PATH", "/nonexistent:" + bin, "SKIFF_TESTING_REGISTRY", "/opt/registry");
    assertEquals(Path.of("/usr/local/bin/registry"), LoopbackRegistry.locate("/usr/local/bin/registry", env));
    assertEquals(Path.of("/opt/registry"), LoopbackRegistry.locate(null, env));
    assertEquals(onPath, LoopbackRegistry.locate(" ", Map.of("PATH", "/nonexistent:" + bin)));
  }

  @Test
  void withoutABinaryTheMessageSaysWhatToInstallOrSet() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> LoopbackRegistry.locate(null, Map.of("PATH", "/nonexistent")));
    assertEquals("A loopback registry needs the CNCF distribution registry, and docker-registry is not on the "
        + "PATH: install it (Debian/Ubuntu: apt-get install docker-registry), or name a distribution 'registry' "
        + "binary with -Dskiff.testing.registry=/path/to/registry or SKIFF_TESTING_REGISTRY=/path/to/registry",
        e.getMessage());
  }
}
