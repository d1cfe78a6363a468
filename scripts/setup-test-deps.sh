#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages the tests use; quiet and quick when all are present.
#   docker-registry  the real CNCF distribution registry the integration tests run on loopback
#   skopeo umoci     real image tools that build and push test images
#   apache2-utils    htpasswd, for the Basic-auth registry
#   clang lld wasi-libc libclang-rt-14-dev-wasm32 wabt   rebuild and check the Wasm fixtures
#   curl jq          registry API calls and the throughput baseline
#   gcc              the native C reference the benchmarks compare against
#   redis-server     the real Redis the network tests' pub/sub guests talk to (started per test on loopback)
#   zlib1g-dev       the native reference of the zlib kernels links Debian's libz (fixtures/zlib)
#   liblua5.4-dev    the native reference of the Lua kernel links Debian's liblua5.4 (fixtures/lua)
#   libsqlite3-dev   the native reference of the SQLite kernel links Debian's libsqlite3 (fixtures/sqlite)
#   libcjson-dev     the native reference of the JSON kernel links Debian's libcjson (fixtures/cjson)
#   zstd             the reference compressor whose output the zstd layer decoder is tested against
set -euo pipefail
packages=(docker-registry skopeo umoci apache2-utils clang lld wasi-libc libclang-rt-14-dev-wasm32 wabt curl jq gcc redis-server zlib1g-dev liblua5.4-dev libsqlite3-dev libcjson-dev zstd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing test prerequisites: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
