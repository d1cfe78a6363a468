package dev.skiff.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code skiff cache ls|prune}. */
@Command(name = "cache", description = "List or prune the local content store.",
    subcommands = {CacheCommand.Ls.class, CacheCommand.Prune.class})
final class CacheCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a cache command: ls or prune");
  }

  @Command(name = "ls", description = "List what the store holds.")
  static final class Ls implements Callable<Integer> {
    @CommandLine.Mixin Main.CommonOptions common = new Main.CommonOptions();
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      throw new UnsupportedOperationException("skiff cache ls is not implemented yet");
    }
  }

  @Command(name = "prune", description = "Remove least recently used blobs until the store fits in a size.")
  static final class Prune implements Callable<Integer> {
    @CommandLine.Mixin Main.CommonOptions common = new Main.CommonOptions();
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--max-size", paramLabel = "SIZE", defaultValue = "0",
        description = "Keep at most this much (e.g. 500m); 0 empties the store.")
    String maxSize;

    @Override
    public Integer call() {
      throw new UnsupportedOperationException("skiff cache prune is not implemented yet");
    }
  }
}
