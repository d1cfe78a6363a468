package dev.skiff.cli;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts {@code skiff compile --background REF} as a detached process after a run that interpreted, so
 * compiling a large module (which can take longer than any run) still lands in the cache: the child
 * outlives this command, takes the module's lock (a second child gives way), writes its entry
 * atomically and has a bounded heap ({@code SKIFF_COMPILE_HEAP}, default 2g).
 */
final class BackgroundCompile {
  private BackgroundCompile() {}

  static void start(Main.CommonOptions common, String ref) {
    Optional<String> java = ProcessHandle.current().info().command();
    String classPath = System.getProperty("java.class.path", "");
    if (java.isEmpty() || classPath.isEmpty()) {
      return;
    }
    List<String> cmd = new ArrayList<>();
    // its own session, so a Ctrl-C or hang-up sent to the terminal's process group does not stop it
    addIfPresent(cmd, "/usr/bin/setsid");
    if (addIfPresent(cmd, "/usr/bin/nice")) {
      cmd.add("-n");
      cmd.add("10");
    }
    String heap = System.getenv().getOrDefault("SKIFF_COMPILE_HEAP", "2g");
    cmd.addAll(List.of(java.get(), "-Xmx" + heap, "-XX:+UseSerialGC", "-cp", classPath,
        Main.class.getName(), "compile", "--background", "--pull", "never"));
    if (common.storeOption.store != null) {
      cmd.add("--store");
      cmd.add(common.storeOption.store.toAbsolutePath().toString());
    }
    if (common.pullOptions.platform != null) {
      cmd.add("--platform");
      cmd.add(common.pullOptions.platform);
    }
    cmd.add("--");
    cmd.add(ref);
    try {
      new ProcessBuilder(cmd)
          .redirectInput(Redirect.from(new File("/dev/null")))
          .redirectOutput(Redirect.DISCARD)
          .redirectError(Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      // the next run interprets again and retries; nothing else depends on it
    }
  }

  private static boolean addIfPresent(List<String> cmd, String tool) {
    if (Files.isExecutable(Path.of(tool))) {
      cmd.add(tool);
      return true;
    }
    return false;
  }
}
