#!/bin/bash
# interop-skopeo.sh: skopos and skopeo read each other's oci: and dir: output.
#
#   - what skopos writes (oci, dir; one image and a two-platform index with --all),
#     skopeo reads and copies again with the same manifest, config and layer digests;
#   - what skopeo writes, skopos reads (inspect --raw) and copies with the same digests;
#   - from the same source both tools store the same blobs; dir: output is identical
#     byte for byte, and index.json lists the same descriptors.
# inspect output is compared in inspect-compat.sh.
# shellcheck source=tests/integration/integ-lib.sh
source "$(dirname "$0")/integ-lib.sh"
need skopeo python3

digests oci "$SAMPLE" latest > "$TMP/want"
digests oci "$SAMPLE_INDEX" latest > "$TMP/want-idx"
manifest_of ()
{
  awk '$1 == "top" {print $3}' "$1" | cut -d: -f2
}
cp "$SAMPLE/blobs/sha256/$(manifest_of "$TMP/want")" "$TMP/want.manifest"
cp "$SAMPLE_INDEX/blobs/sha256/$(manifest_of "$TMP/want-idx")" "$TMP/want-idx.manifest"

# compare_layouts A B WHAT: same blob files, same descriptors in index.json.
compare_layouts ()
{
  (cd "$1/blobs/sha256" && sha256sum -- * | sort) > "$TMP/blobs-a"
  (cd "$2/blobs/sha256" && sha256sum -- * | sort) > "$TMP/blobs-b"
  same_file "$TMP/blobs-a" "$TMP/blobs-b" "$3: same blobs"
  python3 - "$1/index.json" "$2/index.json" <<'EOF' || fail "$3: index.json descriptors differ"
import json, sys
a, b = (json.load(open(p))["manifests"] for p in sys.argv[1:3])
if a != b:
    print("  skopos: %s\n  skopeo: %s" % (a, b), file=sys.stderr)
    sys.exit(1)
EOF
  ok "$3: index.json lists the same descriptors"
  python3 -c 'import json, sys
sys.exit(json.load(open(sys.argv[1])).get("schemaVersion") != 2)' \
    "$1/index.json" || fail "$3: index.json lacks schemaVersion 2"
  same_file "$1/oci-layout" "$2/oci-layout" "$3: oci-layout file"
}

# ---- skopos writes, skopeo reads -----------------------------------------------------
step "skopos writes oci:, skopeo reads it"
run_ok "skopos copy -> oci" sk copy "oci:$SAMPLE:latest" "oci:$TMP/so:t"
run_ok "skopeo inspect --raw" skopeo_ inspect --raw "oci:$TMP/so:t"
same_file "$TMP/want.manifest" "$TMP/last.out" "skopeo reads the same manifest bytes"
run_ok "skopeo copy skopos's oci -> oci" skopeo_ copy "oci:$TMP/so:t" "oci:$TMP/so-k:t"
digests oci "$TMP/so-k" t > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "skopeo's copy of it has every digest"

step "skopos writes dir:, skopeo reads it"
run_ok "skopos copy -> dir" sk copy "oci:$SAMPLE:latest" "dir:$TMP/sd"
run_ok "skopeo copy skopos's dir -> oci" skopeo_ copy "dir:$TMP/sd" "oci:$TMP/sd-k:t"
digests oci "$TMP/sd-k" t > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "skopeo's copy of skopos's dir has every digest"

step "skopos writes an index (--all) to oci: and dir:, skopeo reads both"
run_ok "skopos copy --all -> oci" sk copy --all "oci:$SAMPLE_INDEX:latest" "oci:$TMP/soi:t"
run_ok "skopos copy --all -> dir" sk copy --all "oci:$SAMPLE_INDEX:latest" "dir:$TMP/sdi"
run_ok "skopeo inspect --raw (oci index)" skopeo_ inspect --raw "oci:$TMP/soi:t"
same_file "$TMP/want-idx.manifest" "$TMP/last.out" "skopeo reads the same index bytes (oci)"
run_ok "skopeo inspect --raw (dir index)" skopeo_ inspect --raw "dir:$TMP/sdi"
same_file "$TMP/want-idx.manifest" "$TMP/last.out" "skopeo reads the same index bytes (dir)"
run_ok "skopeo copy --all skopos's oci" skopeo_ copy --all "oci:$TMP/soi:t" "oci:$TMP/soi-k:t"
digests oci "$TMP/soi-k" t > "$TMP/got"
same_file "$TMP/want-idx" "$TMP/got" "skopeo's copy of skopos's oci index has every digest"
run_ok "skopeo copy --all skopos's dir" skopeo_ copy --all "dir:$TMP/sdi" "oci:$TMP/sdi-k:t"
digests oci "$TMP/sdi-k" t > "$TMP/got"
same_file "$TMP/want-idx" "$TMP/got" "skopeo's copy of skopos's dir index has every digest"

# ---- skopeo writes, skopos reads -----------------------------------------------------
step "skopeo writes oci: and dir:, skopos reads and copies them"
run_ok "skopeo copy -> oci" skopeo_ copy "oci:$SAMPLE:latest" "oci:$TMP/ko:t"
run_ok "skopeo copy -> dir" skopeo_ copy "oci:$SAMPLE:latest" "dir:$TMP/kd"
run_ok "skopos inspect --raw (skopeo's oci)" sk inspect --raw "oci:$TMP/ko:t"
same_file "$TMP/want.manifest" "$TMP/last.out" "skopos reads skopeo's oci manifest bytes"
run_ok "skopos inspect --raw (skopeo's dir)" sk inspect --raw "dir:$TMP/kd"
same_file "$TMP/want.manifest" "$TMP/last.out" "skopos reads skopeo's dir manifest bytes"
run_ok "skopos copy skopeo's oci -> oci" sk copy "oci:$TMP/ko:t" "oci:$TMP/ko-s:t"
digests oci "$TMP/ko-s" t > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "skopos's copy of skopeo's oci has every digest"
run_ok "skopos copy skopeo's dir -> oci" sk copy "dir:$TMP/kd" "oci:$TMP/kd-s:t"
digests oci "$TMP/kd-s" t > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "skopos's copy of skopeo's dir has every digest"

step "skopeo writes an index (--all), skopos reads and copies it"
run_ok "skopeo copy --all -> oci" skopeo_ copy --all "oci:$SAMPLE_INDEX:latest" "oci:$TMP/koi:t"
run_ok "skopeo copy --all -> dir" skopeo_ copy --all "oci:$SAMPLE_INDEX:latest" "dir:$TMP/kdi"
run_ok "skopos copy --all skopeo's oci" sk copy --all "oci:$TMP/koi:t" "oci:$TMP/koi-s:t"
digests oci "$TMP/koi-s" t > "$TMP/got"
same_file "$TMP/want-idx" "$TMP/got" "skopos's copy of skopeo's oci index has every digest"
run_ok "skopos copy --all skopeo's dir" sk copy --all "dir:$TMP/kdi" "dir:$TMP/kdi-s"
digests dir "$TMP/kdi-s" > "$TMP/got"
same_file "$TMP/want-idx" "$TMP/got" "skopos's copy of skopeo's dir index has every digest"

# ---- both write from the same source -------------------------------------------------
step "same source, both tools: identical output"
compare_layouts "$TMP/so" "$TMP/ko" "single image oci:"
compare_layouts "$TMP/soi" "$TMP/koi" "index oci:"
tree_sum "$TMP/sd" > "$TMP/dir-a"
tree_sum "$TMP/kd" > "$TMP/dir-b"
same_file "$TMP/dir-a" "$TMP/dir-b" "single image dir: byte for byte (files and modes)"
tree_sum "$TMP/sdi" > "$TMP/dir-a"
tree_sum "$TMP/kdi" > "$TMP/dir-b"
same_file "$TMP/dir-a" "$TMP/dir-b" "index dir: byte for byte (files and modes)"

echo "interop-skopeo: all checks passed"
