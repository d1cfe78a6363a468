package dev.skiff.cli;

import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code skiff pull REF}: download and verify into the store, print the module digest. */
@Command(name = "pull", description = "Download and verify a module into the local store.")
final class PullCommand implements Callable<Integer> {
  @Mixin Main.CommonOptions common = new Main.CommonOptions();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF", description = "What to pull (see skiff run).")
  String ref;

  @Override
  public Integer call() {
    try (Skiff skiff = common.builder().listener(Progress.forTerminal()).build()) {
      WasmArtifact artifact = skiff.pull(ref);
      spec.commandLine().getOut().println(artifact.moduleDigest());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
