package dev.skiff.bench;

import dev.skiff.oci.OciClient;
import dev.skiff.oci.OciLayout;
import dev.skiff.oci.PullPolicy;
import dev.skiff.oci.PulledModule;
import dev.skiff.testsupport.Fixtures;
import dev.skiff.testsupport.RegistryExtension;
import dev.skiff.testsupport.TestFiles;
import dev.skiff.testsupport.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A pull by digest that the store already holds (issue 3's "cached pull, no network"): the manifest,
 * config and module are read from the store and their digests checked again. The image is the
 * 28 KB {@code small} command pushed to a real loopback registry and pulled once in the set-up.
 * {@code skiff-never} is the offline policy; {@code skiff-if-not-present} is the default, which never
 * asks the registry about a digest it holds. The registry stays up, so a request would show in the time.
 * Baseline: reading the same module file with {@link Files#readAllBytes}, in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CachedPullBenchmark {
  /** The pull policy, or the file-reading baseline (named {@code runtime} like every suite's axis). */
  @Param({"skiff-never", "skiff-if-not-present", "read-file"})
  public String runtime;

  private RegistryExtension registry;
  private Path store;
  private Path module;
  private OciClient client;
  private String reference;

  /** Starts the registry, pushes the image and pulls it once into a fresh store. */
  @Setup
  public void setUp() throws IOException, InterruptedException {
    module = Fixtures.wasm("bench/small.wasm");
    store = Files.createTempDirectory("skiff-cached-pull-");
    registry = RegistryExtension.anonymous();
    registry.start();
    String digest = TestImages.pushCncfArtifact(registry, "bench/cached:1", module, OciLayout::writeWasmArtifact);
    reference = registry.host() + "/bench/cached@" + digest;
    try (OciClient fill = OciClient.builder().store(store).build()) {
      fill.pull(reference);
    }
    client = OciClient.builder().store(store)
        .pullPolicy(runtime.equals("skiff-never") ? PullPolicy.NEVER : PullPolicy.IF_NOT_PRESENT).build();
  }

  /** Stops the registry and deletes the store. */
  @TearDown
  public void tearDown() {
    client.close();
    registry.stop();
    TestFiles.deleteTree(store);
  }

  /** One cached pull by digest; returns the module's size. */
  @Benchmark
  public long pullByDigest() throws IOException {
    if (runtime.equals("read-file")) {
      return Files.readAllBytes(module).length;
    }
    PulledModule m = client.pull(reference);
    return m.moduleSize();
  }
}
