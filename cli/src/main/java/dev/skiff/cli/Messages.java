package dev.skiff.cli;

import dev.skiff.LimitExceededException;
import dev.skiff.LinkException;
import dev.skiff.WasmImport;
import java.util.stream.Collectors;

/** Failure messages for a person at a terminal: the flag to use, not the Java API. */
final class Messages {
  private Messages() {}

  static String forCli(Throwable e) {
    if (e instanceof LinkException) {
      LinkException link = (LinkException) e;
      return "the module needs imports that skiff run does not provide: "
          + link.unresolvedImports().stream().map(WasmImport::toString).collect(Collectors.joining(", "))
          + ". The command provides WASI preview1 (wasi_snapshot_preview1) only; a module that needs its own "
          + "host functions runs embedded in a Java program that supplies them.";
    }
    String message = oneLine(e);
    if (e instanceof LimitExceededException) {
      message = message.replace("raise Limits.maxMemory (--max-memory on the command line)", "raise --max-memory")
          .replace("raise Limits.maxMemory", "raise --max-memory")
          .replace("Limits.maxMemory", "--max-memory")
          .replace("Limits.timeout", "--timeout");
    }
    // the oci layer names its builder method; at a terminal the flag is what to use
    return message.replaceAll("trust its CA with trustedCertificates\\(\"[^\"]*\", caFile\\)",
        "trust its CA with --ca FILE");
  }

  static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return message.replace('\n', ' ');
  }
}
