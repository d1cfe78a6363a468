package dev.skiff.testing;

import dev.skiff.Skiff;
import dev.skiff.testing.internal.LoopbackRegistry;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A real OCI registry for one test class: the CNCF distribution registry started as a child process on a
 * free loopback port, anonymous and plain HTTP (which Skiff allows for loopback hosts), with a temporary
 * storage deleted after the class.
 *
 * <p>Ask for it with {@link SkiffTest#registry() @SkiffTest(registry = true)} or
 * {@link SkiffExtension.Builder#registry()}, then take it as a parameter:
 *
 * <pre>{@code
 * @SkiffTest(registry = true)
 * class PluginRegistryTest {
 *   @Test
 *   void pullsWhatWasPushed(Skiff skiff, TestRegistry registry) {
 *     String ref = registry.push(Path.of("build/calc.wasm"), "plugins/calc:1.0");
 *     WasmArtifact calc = skiff.pull(ref);
 *   }
 * }
 * }</pre>
 *
 * <p>It needs Debian's {@code docker-registry} on the {@code PATH} ({@code apt-get install docker-registry});
 * elsewhere, name a distribution {@code registry} binary with the system property
 * {@code skiff.testing.registry} or the environment variable {@code SKIFF_TESTING_REGISTRY}. Without one the
 * test class fails with a message that says so.
 */
public final class TestRegistry {
  private final LoopbackRegistry process;
  private final Skiff skiff;

  TestRegistry(LoopbackRegistry process, Skiff skiff) {
    this.process = process;
    this.skiff = skiff;
  }

  /**
   * The host as it appears in image references.
   *
   * @return {@code 127.0.0.1:PORT}
   */
  public String host() {
    return process.host();
  }

  /**
   * The port it listens on.
   *
   * @return the port
   */
  public int port() {
    return process.port();
  }

  /**
   * A reference to a repository in this registry.
   *
   * @param repositoryAndTag for example {@code plugins/calc:1.0}
   * @return for example {@code 127.0.0.1:PORT/plugins/calc:1.0}
   */
  public String reference(String repositoryAndTag) {
    Objects.requireNonNull(repositoryAndTag, "repositoryAndTag");
    return host() + "/" + repositoryAndTag;
  }

  /**
   * Pushes a module as a CNCF Wasm artifact, with the test class's {@link Skiff#push(Path, String)}.
   *
   * @param wasmFile the {@code .wasm} module
   * @param repositoryAndTag for example {@code plugins/calc:1.0}
   * @return the reference it was pushed to, ready for {@link Skiff#pull(String)}
   */
  public String push(Path wasmFile, String repositoryAndTag) {
    String reference = reference(repositoryAndTag);
    skiff.push(wasmFile, reference);
    return reference;
  }

  @Override
  public String toString() {
    return "TestRegistry[" + host() + "]";
  }
}
