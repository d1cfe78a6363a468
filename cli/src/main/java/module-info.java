/** The {@code skiff} command: run, pull, inspect and push OCI-packaged Wasm modules. */
module dev.skiff.cli {
  requires dev.skiff.core;
  requires dev.skiff.http.jdk;
  requires info.picocli;

  opens dev.skiff.cli to info.picocli;
}
