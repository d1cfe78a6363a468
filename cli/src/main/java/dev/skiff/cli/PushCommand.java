package dev.skiff.cli;

import dev.skiff.Skiff;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code skiff push FILE REF}: publish a .wasm file as a CNCF Wasm artifact. */
@Command(name = "push", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Push a .wasm file to a registry as a CNCF Wasm artifact; prints the manifest digest.",
    footerHeading = "%nExamples:%n",
    footer = {
        "  skiff push hello.wasm ghcr.io/example/hello:1.0",
        "  skiff push --insecure localhost:5000 hello.wasm localhost:5000/demo/hello:1",
        "Credentials come from skiff login (Docker's config.json)."})
final class PushCommand implements Callable<Integer> {
  @Mixin Main.StoreOption store = new Main.StoreOption();
  @Mixin Main.RegistryOptions registry = new Main.RegistryOptions();
  @Mixin Verbosity verbosity = new Verbosity();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The .wasm module.")
  Path file;

  @Parameters(index = "1", paramLabel = "REF", description = "Target reference, e.g. registry.example.com/tools/hello:1.0.")
  String ref;

  @Override
  public Integer call() {
    verbosity.apply();
    if (!Files.isRegularFile(file)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "'" + file + "' " + (Files.exists(file) ? "is not a file" : "does not exist"));
    }
    References.check(spec.commandLine(), ref);
    try (Skiff skiff = registry.apply(store.apply(Skiff.builder()), List.of(ref), List.of()).build()) {
      spec.commandLine().getOut().println(skiff.push(file, ref));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
