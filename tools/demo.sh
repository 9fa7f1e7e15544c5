#!/bin/bash
# The main job on the sample image shipped in the repository: installs what skopos
# needs, builds it, copies the sample OCI image to a dir: layout and back, and
# inspects it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/install-deps.sh --build
[ -d _build ] || meson setup _build --buildtype=debugoptimized
ninja -C _build

export SKOPOS_TRANSPORT_DIR=""
export SKOPOS_TRANSPORT_PATH="$PWD/_build/plugins/oci:$PWD/_build/plugins/dir"
skopos="$PWD/_build/tools/skopos/skopos"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

set -x
"$skopos" --insecure-policy copy oci:tests/data/sample-oci:latest "dir:$out/sample-dir"
"$skopos" --insecure-policy copy "dir:$out/sample-dir" "oci:$out/sample-oci:copied"
"$skopos" inspect "oci:$out/sample-oci:copied"
