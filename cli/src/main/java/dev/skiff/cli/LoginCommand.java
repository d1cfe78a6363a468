package dev.skiff.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skiff login REGISTRY}: save credentials in Docker's config.json, as {@code docker login} does. */
@Command(name = "login", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"Save credentials for a registry in Docker's config.json ($DOCKER_CONFIG or ~/.docker), "
        + "or in the credential helper it names, as docker login does; skiff, docker, oras and crane then "
        + "share them.", "The credentials are not checked against the registry here; the next pull or push does."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  echo \"$TOKEN\" | skiff login --username me --password-stdin ghcr.io",
        "  skiff login registry.example.com        (asks for user name and password)"})
final class LoginCommand implements Callable<Integer> {
  @Mixin Verbosity verbosity = new Verbosity();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REGISTRY", description = "Registry host, e.g. ghcr.io or localhost:5000.")
  String registry;

  @Option(names = {"-u", "--username"}, paramLabel = "NAME", description = "User name (asked when missing).")
  String username;

  @Option(names = "--password-stdin", description = "Read the password (or token) from standard input.")
  boolean passwordStdin;

  @Option(names = "--config", paramLabel = "DIR", description = "Folder of config.json (default: $DOCKER_CONFIG or ~/.docker).")
  Path config;

  @Override
  public Integer call() {
    verbosity.apply();
    String host = host(spec.commandLine(), registry);
    Console console = System.console();
    if (username == null) {
      if (console == null || passwordStdin) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--username is required"
            + (passwordStdin ? " with --password-stdin" : " without a terminal"));
      }
      username = console.readLine("Username: ");
    }
    String password;
    if (passwordStdin) {
      try {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        password = in.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    } else if (console != null) {
      char[] typed = console.readPassword("Password: ");
      password = typed == null ? null : new String(typed);
    } else {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "no terminal to ask for the password: pipe it in with --password-stdin");
    }
    if (username == null || username.isEmpty() || password == null || password.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "user name and password must not be empty");
    }
    String where = DockerConfig.at(config).store(host, username, password);
    verbosity.note("Login saved for " + host + " in " + where);
    return 0;
  }

  /** The registry host: a scheme or path is a usage error, as in a reference. */
  static String host(CommandLine cli, String registry) {
    if (registry.contains("://")) {
      throw new CommandLine.ParameterException(cli, "'" + registry + "': name the registry without a scheme, e.g. "
          + registry.substring(registry.indexOf("://") + 3).replaceAll("/.*", ""));
    }
    if (registry.contains("/") || registry.isEmpty()) {
      throw new CommandLine.ParameterException(cli, "'" + registry + "' is not a registry host (e.g. ghcr.io, localhost:5000)");
    }
    return registry;
  }
}
