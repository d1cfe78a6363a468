package dev.skiff.cli;

import dev.skiff.Skiff;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code skiff push FILE REF}: publish a .wasm file as a CNCF Wasm artifact. */
@Command(name = "push", description = "Push a .wasm file to a registry as a CNCF Wasm artifact; prints the manifest digest.")
final class PushCommand implements Callable<Integer> {
  @Mixin Main.CommonOptions common = new Main.CommonOptions();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The .wasm module.")
  Path file;

  @Parameters(index = "1", paramLabel = "REF", description = "Target reference, e.g. registry.example.com/tools/hello:1.0.")
  String ref;

  @Override
  public Integer call() {
    try (Skiff skiff = common.builder().build()) {
      spec.commandLine().getOut().println(skiff.push(file, ref));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
