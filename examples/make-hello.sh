#!/usr/bin/env bash
# Writes examples/hello: an OCI image layout holding fixtures/wasm/hello.wasm as a CNCF Wasm artifact
# (config application/vnd.wasm.config.v0+json, one application/wasm layer), tagged 1.0. Deterministic:
# the same module always gives the same bytes and digests.
set -euo pipefail
cd "$(dirname "$0")"
out=hello; rm -rf "$out"; mkdir -p "$out/blobs/sha256"
blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$out/blobs/sha256/$d"; echo "$d"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp ../fixtures/wasm/hello.wasm "$tmp/layer"
layer=$(blob "$tmp/layer"); lsize=$(stat -c %s "$tmp/layer")
printf '{"architecture":"wasm","os":"wasip1","layerDigests":["sha256:%s"]}' "$layer" > "$tmp/config"
config=$(blob "$tmp/config"); csize=$(stat -c %s "$tmp/config")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.wasm.config.v0+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/wasm","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.title":"hello.wasm"}}]}' \
  "$config" "$csize" "$layer" "$lsize" > "$tmp/manifest"
manifest=$(blob "$tmp/manifest"); msize=$(stat -c %s "$tmp/manifest")
printf '{"imageLayoutVersion":"1.0.0"}' > "$out/oci-layout"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1.0"}}]}' \
  "$manifest" "$msize" > "$out/index.json"
echo "examples/hello: manifest sha256:$manifest"
