#!/bin/bash
# inspect-compat.sh: `skopos inspect` prints what `skopeo inspect` prints, byte for byte,
# for the sample images in oci: and dir: (one image, each instance of an index, the
# index itself with --raw), with --raw, --config, --config --raw and --format.
#
# skopos also prints "LayersData" (newer skopeo does; the 1.9.3 here does not): it is
# checked against the manifest, then cut out of the text (not re-serialised, so the
# rest of the bytes are compared as printed) before the comparison.
# shellcheck source=tests/integration/integ-lib.sh
source "$(dirname "$0")/integ-lib.sh"
need skopeo python3

# Images to inspect: written by skopeo so this test depends on skopos reading only.
run_ok "skopeo copy -> dir" skopeo_ copy "oci:$SAMPLE:latest" "dir:$TMP/kd"
run_ok "skopeo copy --all -> dir" skopeo_ copy --all "oci:$SAMPLE_INDEX:latest" "dir:$TMP/kdi"

# check_layers_data INSPECT_JSON RAW_MANIFEST: LayersData lists each layer of the
# manifest with its MIMEType, Digest and Size.
check_layers_data ()
{
  python3 - "$1" "$2" <<'EOF'
import json, sys
out = json.load(open(sys.argv[1]))
man = json.load(open(sys.argv[2]))
if "LayersData" not in out:
    sys.exit("no LayersData in skopos inspect output")
want = [(l["mediaType"], l["digest"], l["size"]) for l in man["layers"]]
got = [(l.get("MIMEType"), l.get("Digest"), l.get("Size")) for l in out["LayersData"]]
if want != got:
    sys.exit("LayersData %s does not match the manifest layers %s" % (got, want))
if out.get("Layers") != [l["digest"] for l in man["layers"]]:
    sys.exit("Layers does not list the manifest layers")
EOF
}

# compare WHAT ARGS...: skopos and skopeo print the same bytes and both succeed.
compare ()
{
  local what=$1
  shift
  run_ok "skopeo inspect $*" skopeo_ inspect "$@"
  mv "$TMP/last.out" "$TMP/skopeo.out"
  run_ok "skopos inspect $*" sk inspect "$@"
  mv "$TMP/last.out" "$TMP/skopos.out"
  same_file "$TMP/skopeo.out" "$TMP/skopos.out" "$what"
}

# compare_plain WHAT REF: as compare, for the default JSON output of one image (not an
# index), whose LayersData is checked against the manifest.
compare_plain ()
{
  local what=$1
  shift
  run_ok "skopeo inspect $*" skopeo_ inspect "$@"
  mv "$TMP/last.out" "$TMP/skopeo.out"
  run_ok "skopos inspect $*" sk inspect "$@"
  mv "$TMP/last.out" "$TMP/skopos.out"
  run_ok "skopeo inspect --raw $*" skopeo_ inspect --raw "$@"
  mv "$TMP/last.out" "$TMP/raw.manifest"
  check_layers_data "$TMP/skopos.out" "$TMP/raw.manifest" ||
    fail "$what: LayersData is wrong"
  ok "$what: LayersData matches the manifest"
  python3 "$HELPER" strip-key LayersData < "$TMP/skopos.out" > "$TMP/skopos.stripped" ||
    fail "$what: could not cut LayersData out of the output"
  same_file "$TMP/skopeo.out" "$TMP/skopos.stripped" "$what (without LayersData)"
}

fmt_rich='{{.Digest}} {{.Os}}/{{.Architecture}} {{.Created}} {{.Labels}} {{len .Layers}}'

for ref in "oci:$SAMPLE:latest" "oci:$SAMPLE:1.0" "dir:$TMP/kd"; do
  step "inspect $ref"
  compare_plain "inspect" "$ref"
  compare "inspect --raw" --raw "$ref"
  compare "inspect --config" --config "$ref"
  compare "inspect --config --raw" --config --raw "$ref"
  compare "inspect --format {{.Digest}}" --format '{{.Digest}}' "$ref"
  compare "inspect --format (several fields)" --format "$fmt_rich" "$ref"
done

for ref in "oci:$SAMPLE_INDEX:latest" "oci:$SAMPLE_INDEX" "dir:$TMP/kdi"; do
  step "inspect the index $ref"
  compare "inspect --raw prints the index" --raw "$ref"
  for arch in amd64 arm64; do
    # LayersData is checked against the manifest of the linux/$arch instance ("Digest"
    # is the digest of the index itself, as skopeo prints it).
    inst=$(python3 - "$SAMPLE_INDEX/index.json" "$arch" <<'EOF'
import json, os, sys
top = json.load(open(sys.argv[1]))["manifests"][0]["digest"]
blobs = os.path.join(os.path.dirname(sys.argv[1]), "blobs", "sha256")
index = json.load(open(os.path.join(blobs, top[7:])))
print([m["digest"] for m in index["manifests"]
       if m["platform"] == {"os": "linux", "architecture": sys.argv[2]}][0])
EOF
)
    run_ok "skopeo inspect" skopeo_ --override-arch "$arch" inspect "$ref"
    mv "$TMP/last.out" "$TMP/skopeo.out"
    run_ok "skopos inspect" sk --override-arch "$arch" inspect "$ref"
    mv "$TMP/last.out" "$TMP/skopos.out"
    case $ref in
      dir:*) cp "${ref#dir:}/${inst#sha256:}.manifest.json" "$TMP/inst.manifest" ;;
      *) cp "$SAMPLE_INDEX/blobs/sha256/${inst#sha256:}" "$TMP/inst.manifest" ;;
    esac
    check_layers_data "$TMP/skopos.out" "$TMP/inst.manifest" ||
      fail "--override-arch $arch: LayersData is wrong"
    ok "--override-arch $arch: LayersData matches the $arch manifest"
    python3 "$HELPER" strip-key LayersData < "$TMP/skopos.out" > "$TMP/skopos.stripped" ||
      fail "--override-arch $arch: could not cut LayersData out of the output"
    same_file "$TMP/skopeo.out" "$TMP/skopos.stripped" \
      "inspect --override-arch $arch (without LayersData)"
    for args in "--config" "--config --raw"; do
      # shellcheck disable=SC2086
      run_ok "skopeo inspect $args" skopeo_ --override-arch "$arch" inspect $args "$ref"
      mv "$TMP/last.out" "$TMP/skopeo.out"
      # shellcheck disable=SC2086
      run_ok "skopos inspect $args" sk --override-arch "$arch" inspect $args "$ref"
      same_file "$TMP/skopeo.out" "$TMP/last.out" "inspect $args --override-arch $arch"
    done
  done
done

echo "inspect-compat: all checks passed"
