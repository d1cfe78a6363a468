package dev.skiff.oci;

/** How the module was packaged where it was found. */
public enum Packaging {
  /** CNCF TAG-Runtime Wasm artifact: config {@code application/vnd.wasm.config.v0+json}, one {@code application/wasm} layer. */
  CNCF_ARTIFACT,
  /** wasm-to-oci era raw layer {@code application/vnd.wasm.content.layer.v1+wasm}. */
  WASM_CONTENT_LAYER,
  /** solo.io / Istio raw layer {@code application/vnd.module.wasm.content.layer.v1+wasm}. */
  SOLO_WASM_LAYER,
  /** runwasi layer {@code application/vnd.bytecodealliance.wasm.component.layer.v0+wasm} holding a preview 1 module. */
  RUNWASI_LAYER,
  /** Docker or OCI image with tar layers; the module is a file named by Entrypoint or Cmd. */
  IMAGE,
  /** A bare {@code .wasm} file. */
  BARE_MODULE
}
