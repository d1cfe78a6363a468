/**
 * OCI distribution for WebAssembly: {@link dev.skiff.oci.OciClient} resolves an
 * {@link dev.skiff.oci.ImageReference} (or an OCI layout, a {@code docker save} archive or a plain file)
 * and pulls the manifest, config and Wasm layer into a verified, content-addressed
 * {@link dev.skiff.oci.ContentStore}. It knows nothing of Wasm execution; failures are
 * {@link dev.skiff.oci.OciException}s.
 */
package dev.skiff.oci;
