/**
 * Skiff OCI: pulls WebAssembly modules packaged as OCI artifacts or images from registries, OCI layouts,
 * archives and plain files into a verified content-addressed store. It knows nothing of Wasm execution.
 */
module dev.skiff.oci {
  exports dev.skiff.oci;

  requires okhttp3;
  // OkHttp is an automatic module and cannot say that it needs the Kotlin runtime: without this the
  // module path leaves kotlin.stdlib out and the first request fails with NoClassDefFoundError.
  requires kotlin.stdlib;
  requires com.fasterxml.jackson.databind;
  requires org.apache.commons.compress;
}
