#!/bin/bash
# copy --all of an OCI index whose entries include another index: every level is
# copied with its digest kept, and skopeo reads the result the same way.
# shellcheck source=tests/integration/integ-lib.sh
source "$(dirname "$0")/integ-lib.sh"

step "build a layout whose top index holds an index and a manifest"
src=$TMP/nested
cp -r "$SAMPLE_INDEX" "$src"
inner=$(jq -r '.manifests[0].digest' "$src/index.json")
inner_size=$(jq -r '.manifests[0].size' "$src/index.json")
first=$(jq -r '.manifests[0].digest' "$src/blobs/sha256/${inner#sha256:}")
first_size=$(jq -r '.manifests[0].size' "$src/blobs/sha256/${inner#sha256:}")
outer_json=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%s},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' \
  "$inner" "$inner_size" "$first" "$first_size")
printf '%s' "$outer_json" > "$TMP/outer.json"
outer=sha256:$(sha256sum "$TMP/outer.json" | cut -d' ' -f1)
cp "$TMP/outer.json" "$src/blobs/sha256/${outer#sha256:}"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"nested"}}]}' \
  "$outer" "$(stat -c %s "$TMP/outer.json")" > "$src/index.json"
ok "outer index $outer holds inner index $inner"

step "copy --all oci -> oci and oci -> dir -> oci"
run_ok "copy --all oci -> oci" sk copy --all -q "oci:$src:nested" "oci:$TMP/out:nested"
run_ok "copy --all oci -> dir" sk copy --all -q "oci:$src:nested" "dir:$TMP/dir"
run_ok "copy --all dir -> oci" sk copy --all -q "dir:$TMP/dir" "oci:$TMP/back:nested"

for layout in "$TMP/out" "$TMP/back"; do
  got=$(jq -r '.manifests[0].digest' "$layout/index.json")
  [ "$got" = "$outer" ] || fail "$layout: top digest $got, expected $outer"
  [ -f "$layout/blobs/sha256/${inner#sha256:}" ] || fail "$layout lacks the inner index"
  for m in $(jq -r '.manifests[].digest' "$src/blobs/sha256/${inner#sha256:}"); do
    [ -f "$layout/blobs/sha256/${m#sha256:}" ] || fail "$layout lacks instance $m"
    cfg=$(jq -r '.config.digest' "$src/blobs/sha256/${m#sha256:}")
    [ -f "$layout/blobs/sha256/${cfg#sha256:}" ] || fail "$layout lacks config $cfg"
    for l in $(jq -r '.layers[].digest' "$src/blobs/sha256/${m#sha256:}"); do
      [ -f "$layout/blobs/sha256/${l#sha256:}" ] || fail "$layout lacks layer $l"
    done
  done
  ok "$layout keeps every digest of both index levels"
done
[ -f "$TMP/dir/${inner#sha256:}.manifest.json" ] || fail "dir: lacks the inner index manifest"
ok "dir: stores the inner index as an instance manifest"

step "skopeo reads the nested copy with the same digest"
skopeo_digest=$(skopeo_ inspect --raw "oci:$TMP/back:nested" | sha256sum | cut -d' ' -f1)
[ "sha256:$skopeo_digest" = "$outer" ] || fail "skopeo sees sha256:$skopeo_digest"
ok "skopeo reads $outer"
