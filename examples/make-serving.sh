#!/usr/bin/env bash
# Writes examples/echo and examples/files: OCI image layouts holding the CGI handler guests
# fixtures/wasm/serving/{echo,files}.wasm as CNCF Wasm artifacts tagged 1.0, for `skiff serve` (see the
# README's serving section). Deterministic: the same module always gives the same bytes and digests.
set -euo pipefail
cd "$(dirname "$0")"
for name in echo files; do
  out=$name; rm -rf "$out"; mkdir -p "$out/blobs/sha256"
  blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$out/blobs/sha256/$d"; echo "$d"; }
  tmp=$(mktemp -d)
  cp "../fixtures/wasm/serving/$name.wasm" "$tmp/layer"
  layer=$(blob "$tmp/layer"); lsize=$(stat -c %s "$tmp/layer")
  printf '{"architecture":"wasm","os":"wasip1","layerDigests":["sha256:%s"]}' "$layer" > "$tmp/config"
  config=$(blob "$tmp/config"); csize=$(stat -c %s "$tmp/config")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.wasm.config.v0+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/wasm","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.title":"%s.wasm"}}]}' \
    "$config" "$csize" "$layer" "$lsize" "$name" > "$tmp/manifest"
  manifest=$(blob "$tmp/manifest"); msize=$(stat -c %s "$tmp/manifest")
  printf '{"imageLayoutVersion":"1.0.0"}' > "$out/oci-layout"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1.0"}}]}' \
    "$manifest" "$msize" > "$out/index.json"
  rm -rf "$tmp"
  echo "examples/$name: manifest sha256:$manifest"
done
