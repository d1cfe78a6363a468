package dev.skiff.cli;

import dev.skiff.Skiff;
import dev.skiff.WasmArtifact;
import dev.skiff.internal.CompiledCodeCache;
import dev.skiff.internal.Versions;
import dev.skiff.oci.PullListener;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff compile REF}: pull, compile and keep the compiled code beside the store, so every later
 * run of the module starts compiled (for an image build or a deployment step). {@code skiff run}
 * starts this command detached, with the hidden {@code --background}, after a first run interpreted.
 */
@Command(name = "compile", description = "Compile a module into the compiled-code cache beside the store, so later runs start compiled.")
final class CompileCommand implements Callable<Integer> {
  @Mixin Main.CommonOptions common = new Main.CommonOptions();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF", description = "What to compile (see skiff run).")
  String ref;

  /** Started by skiff run: quiet, and gives way to a compile under way, done or failed before. */
  @Option(names = "--background", hidden = true)
  boolean background;

  @Override
  public Integer call() throws IOException {
    PullListener listener = background ? new PullListener() { } : Progress.forTerminal(false);
    try (Skiff skiff = common.builder(List.of(ref)).backgroundCompile(false).listener(listener).build()) {
      WasmArtifact artifact = skiff.pull(ref);
      if (background) {
        CompiledCodeCache cache = new CompiledCodeCache(skiff.oci().store().root(), Versions.compiledCodeNamespace());
        String digest = artifact.moduleDigest();
        if (cache.contains(digest) || cache.hasFailed(digest)) {
          return 0;
        }
        try (CompiledCodeCache.Lock lock = cache.tryLock(digest)) {
          if (lock == null) {
            return 0; // another process is compiling it
          }
        }
      }
      long start = System.nanoTime();
      artifact.compile();
      if (!background) {
        spec.commandLine().getOut().printf("%s compiled in %.1f s%n", artifact.moduleDigest(),
            (System.nanoTime() - start) / 1e9);
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }
}
