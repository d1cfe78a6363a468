package dev.skiff.cli;

import dev.skiff.Skiff;
import dev.skiff.oci.ContentStore;
import java.io.PrintWriter;
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
      try (Skiff skiff = common.builder().build()) {
        PrintWriter out = spec.commandLine().getOut();
        long total = 0;
        for (ContentStore.Entry e : skiff.oci().store().list()) {
          out.printf("%-78s %-9s %12d  %s%n", e.digest(), e.kind(), e.size(), e.lastUsed());
          total += e.size();
        }
        out.println("total " + total + " bytes in " + skiff.oci().store().root());
        ContentStore.Temporary reclaimed = skiff.oci().store().reclaimed();
        ContentStore.Temporary inProgress = skiff.oci().store().temporary();
        if (reclaimed.entries() > 0 || inProgress.entries() > 0) {
          // Opening the store reclaimed what interrupted pulls left; what a running pull holds stays.
          out.println("temporary " + inProgress.bytes() + " bytes in " + inProgress.entries() + " entries in progress; "
              + "reclaimed " + reclaimed.bytes() + " bytes in " + reclaimed.entries() + " leftovers of interrupted pulls");
        }
        out.flush();
        return 0;
      }
    }
  }

  @Command(name = "prune", description = "Remove least recently used blobs until the store fits in a size, "
      + "and compiled code of modules no longer stored.")
  static final class Prune implements Callable<Integer> {
    @CommandLine.Mixin Main.CommonOptions common = new Main.CommonOptions();
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--max-size", paramLabel = "SIZE", defaultValue = "0",
        description = "Keep at most this much (e.g. 500m); 0 empties the store.")
    String maxSize;

    @Override
    public Integer call() {
      try (Skiff skiff = common.builder().build()) {
        long freed = skiff.pruneStore(RunCommand.parseSize(maxSize));
        spec.commandLine().getOut().println("freed " + freed + " bytes");
        spec.commandLine().getOut().flush();
        return 0;
      }
    }
  }
}
