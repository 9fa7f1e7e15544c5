#!/bin/bash
# roundtrip.sh: oci -> dir -> oci -> oci with skopos keeps every digest (manifest,
# config, layers) of the sample image, and of the two-platform sample index with
# copy --all; a copy without --all picks the instance for the platform asked; the
# source layouts are never modified.
# shellcheck source=tests/integration/integ-lib.sh
source "$(dirname "$0")/integ-lib.sh"
need python3

src_before=$TMP/src-before.sum
{ tree_sum "$SAMPLE"; tree_sum "$SAMPLE_INDEX"; } > "$src_before"

# ---- one image -----------------------------------------------------------------------
step "single image: oci -> dir -> oci -> oci"
digests oci "$SAMPLE" latest > "$TMP/want"

run_ok "copy oci -> dir" sk copy "oci:$SAMPLE:latest" "dir:$TMP/d1"
digests dir "$TMP/d1" > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "dir copy keeps every digest"
same_file "$SAMPLE/blobs/sha256/$(awk '/^top/ {print $3}' "$TMP/want" | cut -d: -f2)" \
  "$TMP/d1/manifest.json" "dir manifest.json is the source manifest byte for byte"

run_ok "copy dir -> oci" sk copy "dir:$TMP/d1" "oci:$TMP/o1:rt"
digests oci "$TMP/o1" rt > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "dir -> oci keeps every digest"

run_ok "copy oci -> oci" sk copy "oci:$TMP/o1:rt" "oci:$TMP/o2:again"
digests oci "$TMP/o2" again > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "oci -> oci keeps every digest"

step "a second tag in the same layout shares the blobs"
run_ok "copy oci:1.0 -> existing layout" sk copy "oci:$SAMPLE:1.0" "oci:$TMP/o2:one"
digests oci "$TMP/o2" one > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "second tag has the same digests"
digests oci "$TMP/o2" again > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "first tag still intact"
nblobs=$(find "$TMP/o2/blobs/sha256" -type f | wc -l)
same_text "layout holds manifest + config + 2 layers once" 4 "$nblobs"
names=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(" ".join(sorted(m.get("annotations", {}).get("org.opencontainers.image.ref.name", "-")
                     for m in d["manifests"])))' \
  "$TMP/o2/index.json")
same_text "index.json names both tags" "again one" "$names"

step "copying onto an existing tag replaces it, leaving one entry"
run_ok "copy over tag" sk copy "oci:$SAMPLE_INDEX:latest" "oci:$TMP/o2:again"
count=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(sum(1 for m in d["manifests"]
          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "again"))' \
  "$TMP/o2/index.json")
same_text "one entry for tag 'again'" 1 "$count"
digests oci "$TMP/o2" one > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "other tag untouched by the overwrite"

# ---- multi-platform index ----------------------------------------------------------
step "index: copy --all oci -> dir -> oci -> oci"
digests oci "$SAMPLE_INDEX" latest > "$TMP/want-idx"
grep -q '^top index ' "$TMP/want-idx" || fail "sample index is not an index"

run_ok "copy --all oci -> dir" sk copy --all "oci:$SAMPLE_INDEX:latest" "dir:$TMP/di"
digests dir "$TMP/di" > "$TMP/got"
same_file "$TMP/want-idx" "$TMP/got" "dir keeps the index and both instances"

run_ok "copy --all dir -> oci" sk copy --all "dir:$TMP/di" "oci:$TMP/oi:multi"
digests oci "$TMP/oi" multi > "$TMP/got"
same_file "$TMP/want-idx" "$TMP/got" "dir -> oci keeps the index and both instances"

run_ok "copy --all oci -> oci" sk copy --all "oci:$TMP/oi:multi" "oci:$TMP/oi2:multi"
digests oci "$TMP/oi2" multi > "$TMP/got"
same_file "$TMP/want-idx" "$TMP/got" "oci -> oci keeps the index and both instances"

run_ok "copy --all oci (no tag) -> oci" sk copy --all "oci:$SAMPLE_INDEX" "oci:$TMP/oi3:x"
digests oci "$TMP/oi3" x > "$TMP/got"
same_file "$TMP/want-idx" "$TMP/got" "a layout with one image needs no tag"

# ---- one instance out of the index -------------------------------------------------
for arch in amd64 arm64; do
  step "index without --all, --override-arch $arch: the $arch instance alone"
  inst=$(awk -v a="linux/$arch" '$1 == "instance" && $2 == a {print $3}' "$TMP/want-idx")
  [ -n "$inst" ] || fail "no $arch instance in the sample index"
  run_ok "copy one instance" sk --override-os linux --override-arch "$arch" \
    copy "oci:$SAMPLE_INDEX:latest" "oci:$TMP/one-$arch:t"
  digests oci "$TMP/one-$arch" t > "$TMP/got"
  top=$(awk '$1 == "top" {print $2, $3}' "$TMP/got")
  same_text "top is the $arch image manifest" "manifest $inst" "$top"
  run_ok "copy one instance to dir" sk --override-os linux --override-arch "$arch" \
    copy "oci:$SAMPLE_INDEX:latest" "dir:$TMP/one-$arch-dir"
  digests dir "$TMP/one-$arch-dir" > "$TMP/got-dir"
  same_file "$TMP/got" "$TMP/got-dir" "dir holds the same $arch image"
done

step "a platform the index lacks is an error"
if sk --override-os linux --override-arch s390x copy "oci:$SAMPLE_INDEX:latest" \
     "oci:$TMP/none:t" > /dev/null 2> "$TMP/err"; then
  fail "copy of a missing platform succeeded"
fi
grep -q s390x "$TMP/err" || fail "error does not name the platform: $(cat "$TMP/err")"
[ ! -e "$TMP/none" ] || fail "failed copy left $TMP/none behind"
ok "missing platform refused, nothing written"

step "sources untouched"
{ tree_sum "$SAMPLE"; tree_sum "$SAMPLE_INDEX"; } > "$TMP/src-after.sum"
same_file "$src_before" "$TMP/src-after.sum" "sample layouts unchanged"

echo "roundtrip: all checks passed"

step "zstd: --dest-compress-format zstd --dest-force-compress-format, then back"
run_ok "copy to zstd layers" sk copy -q --dest-compress-format zstd --dest-force-compress-format \
  "oci:$SAMPLE:latest" "oci:$TMP/zstd:z"
zmanifest=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="z") | .digest' "$TMP/zstd/index.json")
ztypes=$(jq -r '.layers[].mediaType' "$TMP/zstd/blobs/sha256/${zmanifest#sha256:}" | sort -u)
[ "$ztypes" = "application/vnd.oci.image.layer.v1.tar+zstd" ] || fail "layer types: $ztypes"
for l in $(jq -r '.layers[].digest' "$TMP/zstd/blobs/sha256/${zmanifest#sha256:}"); do
  head -c 4 "$TMP/zstd/blobs/sha256/${l#sha256:}" | od -An -tx1 | grep -q "28 b5 2f fd" \
    || fail "layer $l is not zstd data"
done
ok "every layer is zstd, by media type and by its bytes"
run_ok "decompress zstd layers into dir:" sk copy -q --dest-decompress "oci:$TMP/zstd:z" "dir:$TMP/zstd-dir"
zcfg=$(jq -r .config.digest "$TMP/zstd-dir/manifest.json")
diff <(jq -r '.rootfs.diff_ids[]' "$TMP/zstd-dir/${zcfg#sha256:}") \
  <(jq -r '.layers[].digest' "$TMP/zstd-dir/manifest.json") || fail "decompressed layers are not the diff IDs"
ok "decompressed layers hash to the config's diff IDs"
expect_level_error=$(sk copy -q --dest-compress-format zstd --dest-force-compress-format \
  --dest-compress-level 99 "oci:$SAMPLE:latest" "oci:$TMP/zstd:bad" 2>&1 || true)
echo "$expect_level_error" | grep -q "out of range" || fail "level 99: $expect_level_error"
ok "a compression level out of range is refused"

step "layers compressed by skopos are valid gzip for other tools"
run_ok "decompress into dir:" sk copy -q --dest-decompress "oci:$SAMPLE:latest" "dir:$TMP/plain"
run_ok "compress into oci:" sk copy -q "dir:$TMP/plain" "oci:$TMP/regz:t"
gzm=$(jq -r '.manifests[0].digest' "$TMP/regz/index.json")
gzcfg=$(jq -r .config.digest "$TMP/regz/blobs/sha256/${gzm#sha256:}")
diff <(for l in $(jq -r '.layers[].digest' "$TMP/regz/blobs/sha256/${gzm#sha256:}"); do
         gzip -t "$TMP/regz/blobs/sha256/${l#sha256:}" || echo "gzip -t failed for $l"
         echo "sha256:$(gzip -dc "$TMP/regz/blobs/sha256/${l#sha256:}" | sha256sum | cut -d' ' -f1)"
       done) <(jq -r '.rootfs.diff_ids[]' "$TMP/regz/blobs/sha256/${gzcfg#sha256:}") \
  || fail "GNU gzip does not give back the diff IDs"
ok "GNU gzip accepts every layer and gives back the diff IDs"
run_ok "skopeo reads the recompressed image" skopeo_ copy -q "oci:$TMP/regz:t" "dir:$TMP/regz-skopeo"
ok "skopeo reads the recompressed image"
