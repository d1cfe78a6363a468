/**
 * Skiff OCI: pulls WebAssembly modules packaged as OCI artifacts or images from registries, OCI layouts,
 * archives and plain files into a verified content-addressed store. It knows nothing of Wasm execution.
 */
module dev.skiff.oci {
  exports dev.skiff.oci;

  requires okhttp3;
  requires com.fasterxml.jackson.databind;
  requires org.apache.commons.compress;
  requires aircompressor;
}
