#!/bin/bash
# The library exports exactly the SKOPOS_API functions of the public headers, and
# each bundled transport module exports exactly one symbol.
set -euo pipefail
lib="$SKOPOS_BUILD_DIR/core/libskopos.so.1"
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sed 's/@.*//' | sort -u)
declared=$(grep -ho 'skopos_[a-z0-9_]* (' "$SKOPOS_SOURCE_DIR"/include/skopos/*.h \
  | sed 's/ ($//' | grep -v '^skopos_transport_get_descriptor$' | sort -u)

missing=$(comm -13 <(echo "$exported") <(echo "$declared") || true)
extra=$(comm -23 <(echo "$exported") <(echo "$declared") || true)
[ -z "$extra" ] || { echo "exported but not declared in a public header:"; echo "$extra"; exit 1; }
[ -z "$missing" ] || { echo "declared in a public header but not exported:"; echo "$missing"; exit 1; }
echo "libskopos exports $(echo "$exported" | wc -l) symbols, all declared"

IFS=: read -r -a dirs <<< "$SKOPOS_TRANSPORT_PATH"
for d in "${dirs[@]}"; do
  for so in "$d"/libskopos-transport-*.so; do
    [ -e "$so" ] || continue
    syms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBR]$/ {print $3}')
    if [ "$syms" != "skopos_transport_get_descriptor" ]; then
      echo "$so exports: $syms"; exit 1
    fi
    echo "$(basename "$so"): exports only skopos_transport_get_descriptor"
  done
done
