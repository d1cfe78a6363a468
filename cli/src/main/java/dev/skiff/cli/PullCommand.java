package dev.skiff.cli;

import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.oci.PulledModule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skiff pull REF}: download and verify into the store, print the module digest. */
@Command(name = "pull", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Download and verify a module into the local store; prints the module's digest.",
    footerHeading = "%nExamples:%n",
    footer = {
        "  skiff pull ghcr.io/example/hello:1.0",
        "  skiff pull --platform wasip1/wasm --json registry.example.com/tools/fmt@sha256:...",
        "  skiff pull --insecure localhost:5000 localhost:5000/demo/hello:1"})
final class PullCommand implements Callable<Integer> {
  @Mixin Main.StoreOption store = new Main.StoreOption();
  @Mixin Main.RegistryOptions registry = new Main.RegistryOptions();
  @Mixin Main.PullOptions pull = new Main.PullOptions();
  @Mixin Verbosity verbosity = new Verbosity();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF", description = "What to pull (see skiff run --help).")
  String ref;

  @Option(names = "--json", description = "Print what was pulled as JSON.")
  boolean json;

  @Override
  public Integer call() {
    verbosity.apply();
    References.check(spec.commandLine(), ref);
    Progress progress = Progress.forTerminal(verbosity.quiet);
    try (Skiff skiff = pull.apply(registry.apply(store.apply(Skiff.builder()), List.of(ref), pull.mirrorHosts())).listener(progress).build()) {
      WasmArtifact artifact = skiff.pull(ref);
      progress.finish();
      if (json) {
        Json.print(spec.commandLine().getOut(), describe(artifact.image()));
      } else {
        spec.commandLine().getOut().println(artifact.moduleDigest());
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }

  static Map<String, Object> describe(PulledModule m) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("source", m.source());
    o.put("packaging", m.packaging().toString());
    m.indexDigest().ifPresent(d -> o.put("indexDigest", d));
    m.manifestDigest().ifPresent(d -> o.put("manifestDigest", d));
    m.configDigest().ifPresent(d -> o.put("configDigest", d));
    o.put("moduleDigest", m.moduleDigest());
    o.put("moduleSize", m.moduleSize());
    m.modulePathInImage().ifPresent(p -> o.put("modulePathInImage", p));
    o.put("modulePath", m.modulePath().toString());
    return o;
  }
}
