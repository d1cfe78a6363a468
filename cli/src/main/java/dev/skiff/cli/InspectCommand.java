package dev.skiff.cli;

import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.oci.ImageConfig;
import dev.skiff.oci.PulledModule;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code skiff inspect REF}: digests, packaging, config, imports and exports. */
@Command(name = "inspect", description = "Show an image's digests, config, and the module's imports and exports.")
final class InspectCommand implements Callable<Integer> {
  @Mixin Main.CommonOptions common = new Main.CommonOptions();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF", description = "What to inspect (see skiff run).")
  String ref;

  @Override
  public Integer call() {
    try (Skiff skiff = common.builder().build()) {
      PrintWriter out = spec.commandLine().getOut();
      WasmArtifact artifact = skiff.pull(ref);
      PulledModule image = artifact.image();
      out.println("source:      " + image.source());
      out.println("packaging:   " + image.packaging());
      image.indexDigest().ifPresent(d -> out.println("index:       " + d));
      image.manifestDigest().ifPresent(d -> out.println("manifest:    " + d));
      image.configDigest().ifPresent(d -> out.println("config:      " + d));
      out.println("module:      " + image.moduleDigest());
      ImageConfig config = image.config();
      out.println("platform:    " + config.os() + "/" + config.architecture());
      if (!config.entrypoint().isEmpty()) {
        out.println("entrypoint:  " + config.entrypoint());
      }
      if (!config.cmd().isEmpty()) {
        out.println("cmd:         " + config.cmd());
      }
      config.env().forEach(e -> out.println("env:         " + e));
      config.workingDir().ifPresent(w -> out.println("workingdir:  " + w));
      config.labels().forEach((k, v) -> out.println("label:       " + k + "=" + v));
      out.println("kind:        " + (artifact.isCommand() ? "command (_start)" : "reactor or library"));
      artifact.imports().forEach(i -> out.println("import:      " + i));
      artifact.exports().forEach(e -> out.println("export:      " + e));
      out.flush();
      return 0;
    }
  }
}
