package dev.skiff.oci.internal.format;

import java.util.List;

/** Media types from the OCI image spec, Docker schema2, the CNCF Wasm artifact spec and Wasm tools. */
public final class MediaTypes {
  private MediaTypes() {}

  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
  public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
  /** Every manifest type Skiff reads: without the OCI types distribution answers 404 for OCI manifests. */
  public static final String ACCEPT = String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String WASM_CONFIG_V0 = "application/vnd.wasm.config.v0+json";
  public static final String WASM_CONFIG_V1 = "application/vnd.wasm.config.v1+json";
  public static final String WASM_LAYER = "application/wasm";
  public static final String WASM_CONTENT_LAYER = "application/vnd.wasm.content.layer.v1+wasm";
  public static final String SOLO_LAYER = "application/vnd.module.wasm.content.layer.v1+wasm";
  public static final String RUNWASI_LAYER = "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm";
  public static final String SPIN_CONFIG = "application/vnd.fermyon.spin.application.v1+config";

  public static final String OCI_TAR = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  public static final String DOCKER_TAR_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final List<String> TAR_LAYERS = List.of(OCI_TAR, OCI_TAR_GZIP, OCI_TAR_ZSTD, DOCKER_TAR_GZIP,
      "application/vnd.oci.image.layer.nondistributable.v1.tar",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");

  public static boolean isIndex(String mt) {
    return OCI_INDEX.equals(mt) || DOCKER_LIST.equals(mt);
  }

  public static boolean isManifest(String mt) {
    return OCI_MANIFEST.equals(mt) || DOCKER_MANIFEST.equals(mt);
  }
}
