package dev.skiff.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skiff logout REGISTRY}: remove saved credentials, as {@code docker logout} does. */
@Command(name = "logout", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Remove a registry's credentials from Docker's config.json (or its credential helper).",
    footerHeading = "%nExamples:%n",
    footer = "  skiff logout ghcr.io")
final class LogoutCommand implements Callable<Integer> {
  @Mixin Verbosity verbosity = new Verbosity();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REGISTRY", description = "Registry host.")
  String registry;

  @Option(names = "--config", paramLabel = "DIR", description = "Folder of config.json (default: $DOCKER_CONFIG or ~/.docker).")
  Path config;

  @Override
  public Integer call() {
    verbosity.apply();
    String host = LoginCommand.host(spec.commandLine(), registry);
    DockerConfig file = DockerConfig.at(config);
    if (file.erase(host)) {
      verbosity.note("Removed login credentials for " + host);
    } else {
      verbosity.note("Not logged in to " + host + " (nothing in " + file.file() + ")");
    }
    return 0;
  }
}
