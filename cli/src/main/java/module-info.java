/** The {@code skiff} command: run, pull, inspect and push OCI-packaged Wasm modules. */
module dev.skiff.cli {
  requires dev.skiff.core;
  requires dev.skiff.http.jdk;
  requires info.picocli;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.toml;
  requires java.logging;

  opens dev.skiff.cli to info.picocli;
}
