#!/bin/bash
# docker-archive.sh: the docker-archive transport against the real tools. Archives
# written by skopos (tagged, with --additional-tag, to a file and to a pipe) load in
# `docker load` and `podman load` with their config digest, diff IDs and tags; archives
# from `docker save` (one image and several, plain and compressed as a whole, from a
# file and from a pipe) and from podman save and skopeo read in skopos as skopeo reads
# them; an image with a zstd layer is stored with plain layers; every malformed archive
# is refused with its own error, leaving nothing behind.
#
# Starts a private dockerd (see docker/lib.sh); images are made here from local files.
source "$(dirname "$0")/integ-lib.sh"
source "$(dirname "$0")/docker/lib.sh"
need python3 skopeo podman tar gzip xz zstd sha256sum

HERE=$SKOPOS_SOURCE_DIR/tests/integration/docker
start_dockerd

sample_config=$(json_get "$SAMPLE/blobs/sha256/$(json_get "$SAMPLE/index.json" \
  'd["manifests"][0]["digest"][7:]')" 'd["config"]["digest"]')
sample_diff_ids=$(json_get "$SAMPLE/blobs/sha256/${sample_config#sha256:}" \
  'd["rootfs"]["diff_ids"]')

# docker_id_and_layers REF: "ID LAYERS" as dockerd reports them.
docker_id_and_layers ()
{
  dk image inspect --format '{{.Id}} {{json .RootFS.Layers}}' "$1"
}

# ---- skopos writes, docker and podman load ------------------------------------------
step "oci -> docker-archive with a tag and two additional tags"
run_ok "copy to docker-archive" sk copy -q --additional-tag example.com/sample:extra \
  --additional-tag other.example/ns/img:v2 "oci:$SAMPLE:latest" \
  "docker-archive:$TMP/sample.tar:example.com/sample:v1"
tags=$(tar -xOf "$TMP/sample.tar" manifest.json | python3 -c 'import json, sys
print(" ".join(json.load(sys.stdin)[0]["RepoTags"]))')
same_text "RepoTags hold the reference and both additional tags" \
  "example.com/sample:v1 example.com/sample:extra other.example/ns/img:v2" "$tags"
for diff_id in $(echo "$sample_diff_ids" | tr -d '[]"' | tr ',' ' '); do
  hex=${diff_id#sha256:}
  same_text "layer $hex is a plain tar named by its diff ID" "$hex" \
    "$(member_sha256 "$TMP/sample.tar" "$hex.tar")"
done
same_text "the config is stored under its digest" "${sample_config#sha256:}" \
  "$(member_sha256 "$TMP/sample.tar" "${sample_config#sha256:}.json")"
tar -tf "$TMP/sample.tar" | grep -qx repositories || fail "no legacy repositories file"

run_ok "docker load" dk load -i "$TMP/sample.tar"
for ref in example.com/sample:v1 example.com/sample:extra other.example/ns/img:v2; do
  same_text "docker has $ref with the config digest and diff IDs" \
    "$sample_config $sample_diff_ids" "$(docker_id_and_layers "$ref")"
done

run_ok "podman load" pm load -i "$TMP/sample.tar"
for ref in example.com/sample:v1 example.com/sample:extra other.example/ns/img:v2; do
  same_text "podman has $ref with the config digest" "${sample_config#sha256:}" \
    "$(pm image inspect --format '{{.Id}}' "$ref")"
done
same_text "podman has the diff IDs" "$(echo "$sample_diff_ids" | tr -d '[]"' | tr ',' ' ')" \
  "$(pm image inspect --format '{{range .RootFS.Layers}}{{.}} {{end}}' \
       example.com/sample:v1 | sed 's/ $//')"

step "docker-archive:/dev/stdout into a pipe"
"$SKOPOS" --policy "$POLICY" copy -q "oci:$SAMPLE:latest" \
  "docker-archive:/dev/stdout:example.com/piped:1" 2> "$TMP/piped.err" \
  | dk load > "$TMP/piped.load" || { cat "$TMP/piped.err" >&2; fail "copy | docker load"; }
grep -q 'Loaded image: example.com/piped:1' "$TMP/piped.load" \
  || fail "docker load did not load the piped archive: $(cat "$TMP/piped.load")"
same_text "the piped image has the config digest and diff IDs" \
  "$sample_config $sample_diff_ids" "$(docker_id_and_layers example.com/piped:1)"
"$SKOPOS" --policy "$POLICY" copy -q "oci:$SAMPLE:latest" \
  "docker-archive:/dev/stdout:example.com/piped:2" 2> "$TMP/piped.err" | pm load \
  > "$TMP/piped.load" 2>&1 \
  || { cat "$TMP/piped.err" "$TMP/piped.load" >&2; fail "copy | podman load"; }
same_text "podman loads the piped archive" "${sample_config#sha256:}" \
  "$(pm image inspect --format '{{.Id}}' example.com/piped:2)"

# ---- docker save, skopos reads --------------------------------------------------------
step "docker save of one image, read by skopos and skopeo"
run_ok "docker save" dk save -o "$TMP/saved1.tar" example.com/sample:v1
run_ok "skopos inspect --raw --config" sk inspect --raw --config \
  "docker-archive:$TMP/saved1.tar"
cp "$TMP/last.out" "$TMP/saved1.config.skopos"
run_ok "skopeo inspect --raw --config" skopeo_ inspect --raw --config \
  "docker-archive:$TMP/saved1.tar"
same_file "$TMP/last.out" "$TMP/saved1.config.skopos" "skopos and skopeo read the same config"
same_text "that config is the one docker holds" "${sample_config#sha256:}" \
  "$(sha256sum < "$TMP/saved1.config.skopos" | cut -d' ' -f1)"

# inspect_summary TOOL IMAGE: the parts of `inspect` both tools must agree on. The
# manifest digest is left out: skopeo labels the uncompressed layers of an archive
# ...tar.gzip, skopos labels them as what they are (docs/known-issues.md).
inspect_summary ()
{
  "$@" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(json.dumps({k: d.get(k) for k in ("Name", "Created", "Labels", "Architecture", "Os",
                                          "Layers", "Env")}, sort_keys=True))'
}
inspect_summary sk inspect "docker-archive:$TMP/saved1.tar" > "$TMP/sum.skopos"
inspect_summary skopeo_ inspect "docker-archive:$TMP/saved1.tar" > "$TMP/sum.skopeo"
same_file "$TMP/sum.skopeo" "$TMP/sum.skopos" "skopos inspect agrees with skopeo inspect"

run_ok "docker-archive (docker save) -> oci" sk copy -q "docker-archive:$TMP/saved1.tar" \
  "oci:$TMP/from-save:x"
run_ok "inspect the copy" sk inspect --raw --config "oci:$TMP/from-save:x"
same_text "the copy keeps the diff IDs" "$sample_diff_ids" \
  "$(python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["rootfs"]["diff_ids"],
     separators=(",", ":")))' < "$TMP/last.out")"

step "archives written by podman save and by skopeo read as skopeo reads them"
run_ok "podman save" pm save -o "$TMP/podman-saved.tar" example.com/sample:v1
run_ok "skopeo writes an archive" skopeo_ copy -q "oci:$SAMPLE:latest" \
  "docker-archive:$TMP/skopeo-written.tar:example.com/by-skopeo:1"
for archive in podman-saved.tar skopeo-written.tar; do
  run_ok "skopos reads $archive" sk inspect --raw --config "docker-archive:$TMP/$archive"
  same_text "skopos reads the config from $archive" "${sample_config#sha256:}" \
    "$(sha256sum < "$TMP/last.out" | cut -d' ' -f1)"
  inspect_summary sk inspect "docker-archive:$TMP/$archive" > "$TMP/sum.skopos"
  inspect_summary skopeo_ inspect "docker-archive:$TMP/$archive" > "$TMP/sum.skopeo"
  same_file "$TMP/sum.skopeo" "$TMP/sum.skopos" "skopos inspect agrees with skopeo on $archive"
  run_ok "copy $archive -> docker-archive" sk copy -q "docker-archive:$TMP/$archive" \
    "docker-archive:$TMP/re-$archive:example.com/re:1"
  run_ok "docker load the copy of $archive" dk load -i "$TMP/re-$archive"
  same_text "the copy of $archive loads with the config digest and diff IDs" \
    "$sample_config $sample_diff_ids" "$(docker_id_and_layers example.com/re:1)"
done

step "docker save of several images"
mkdir -p "$TMP/rootfs/etc"
echo "imported by docker-archive.sh" > "$TMP/rootfs/etc/imported.txt"
tar -C "$TMP/rootfs" -cf "$TMP/rootfs.tar" .
run_ok "docker import" dk import "$TMP/rootfs.tar" example.com/imported:1
run_ok "docker save (two images)" dk save -o "$TMP/two.tar" example.com/imported:1 \
  example.com/sample:v1
imported_id=$(dk image inspect --format '{{.Id}}' example.com/imported:1)

fails_with "no selector with two images is ambiguous" "holds 2 images" \
  sk inspect "docker-archive:$TMP/two.tar"
fails_with "an unknown tag says how many images there are" "holds 2 images" \
  sk inspect "docker-archive:$TMP/two.tar:example.com/nothing:here"
fails_with "an index out of range says how many images there are" "holds 2 images" \
  sk inspect "docker-archive:$TMP/two.tar:@2"

for selector in example.com/imported:1 example.com/sample:v1 @0 @1; do
  run_ok "skopos reads :$selector" sk inspect --raw --config "docker-archive:$TMP/two.tar:$selector"
  cp "$TMP/last.out" "$TMP/two.skopos"
  run_ok "skopeo reads :$selector" skopeo_ inspect --raw --config \
    "docker-archive:$TMP/two.tar:$selector"
  same_file "$TMP/last.out" "$TMP/two.skopos" "skopos and skopeo agree on :$selector"
done
got=$(sk inspect --raw --config "docker-archive:$TMP/two.tar:example.com/imported:1" | sha256sum)
same_text "the tag selects the imported image" "${imported_id#sha256:}" "${got%% *}"

run_ok "skopos list-tags" sk list-tags "docker-archive:$TMP/two.tar"
cp "$TMP/last.out" "$TMP/tags.skopos"
run_ok "skopeo list-tags" skopeo_ list-tags "docker-archive:$TMP/two.tar"
same_file "$TMP/last.out" "$TMP/tags.skopos" "list-tags prints what skopeo prints"

step "archives compressed as a whole, and read from a pipe"
sk inspect --raw --config "docker-archive:$TMP/two.tar:@1" > "$TMP/want.config"
gzip -c "$TMP/two.tar" > "$TMP/two.tar.gz"
xz -c "$TMP/two.tar" > "$TMP/two.tar.xz"
zstd -q -c "$TMP/two.tar" > "$TMP/two.tar.zst"
for packed in two.tar.gz two.tar.xz two.tar.zst; do
  run_ok "read $packed" sk inspect --raw --config "docker-archive:$TMP/$packed:@1"
  same_file "$TMP/want.config" "$TMP/last.out" "$packed reads as the plain archive"
done
sk inspect --raw --config "docker-archive:/dev/stdin:@1" < "$TMP/two.tar.gz" > "$TMP/pipe.config"
same_file "$TMP/want.config" "$TMP/pipe.config" "a compressed archive on stdin reads too"
cat "$TMP/two.tar" | sk inspect --raw --config "docker-archive:/dev/stdin:@1" > "$TMP/pipe.config"
same_file "$TMP/want.config" "$TMP/pipe.config" "a plain archive through a pipe reads too"

step "docker save -> skopos -> docker load keeps everything"
run_ok "docker-archive -> docker-archive" sk copy -q "docker-archive:$TMP/two.tar:@0" \
  "docker-archive:$TMP/again.tar:example.com/again:1"
run_ok "docker load" dk load -i "$TMP/again.tar"
same_text "the image has the same ID" \
  "$(dk image inspect --format '{{.Id}} {{json .RootFS.Layers}}' \
       "$(tar -xOf "$TMP/two.tar" manifest.json | python3 -c 'import json,sys
print(json.load(sys.stdin)[0]["RepoTags"][0])')")" \
  "$(docker_id_and_layers example.com/again:1)"

# ---- refusals ----------------------------------------------------------------------------
step "malformed archives are refused, each with its error"
python3 "$HERE/bad-archives.py" "$TMP/bad"
while IFS=$'\t' read -r name expected; do
  if [ "$expected" = ok ]; then
    run_ok "$name is accepted" sk copy -q "docker-archive:$TMP/bad/$name.tar" \
      "oci:$TMP/bad/out-$name:x"
    continue
  fi
  fails_with "$name is refused" "$expected" sk copy -q "docker-archive:$TMP/bad/$name.tar" \
    "docker-archive:$TMP/bad/out-$name.tar"
  [ ! -e "$TMP/bad/out-$name.tar" ] || fail "$name left a destination archive behind"
done < "$TMP/bad/cases"
[ ! -e "$TMP/escape" ] && [ ! -e /tmp/skopos-absolute-member ] \
  || fail "a refused archive wrote outside its destination"

# list-tags refuses a tag that is not a docker reference, as skopeo does.
python3 - "$TMP/bad/good-links.tar" "$TMP/bad/invalid-tag.tar" <<'PY'
import io, json, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(src) as tin, tarfile.open(dst, "w") as tout:
    for m in tin.getmembers():
        data = tin.extractfile(m).read() if m.isfile() else None
        if m.name in ("manifest.json", "./manifest.json"):
            items = json.loads(data)
            items[0]["RepoTags"] = ["Invalid::Tag"]
            data = json.dumps(items).encode()
            m.size = len(data)
        tout.addfile(m, io.BytesIO(data) if data is not None else None)
PY
fails_with "list-tags with an invalid tag" "invalid tag 'Invalid::Tag'" \
  sk list-tags "docker-archive:$TMP/bad/invalid-tag.tar"
leftovers=$(find "$TMP/bad" -name '.*skopos*' | wc -l)
same_text "no temporary files are left next to the destinations" 0 "$leftovers"

step "an existing archive is never modified"
cp "$TMP/sample.tar" "$TMP/existing.tar"
fails_with "a non-empty destination file is refused" "not empty" \
  sk copy -q "oci:$SAMPLE:latest" "docker-archive:$TMP/existing.tar"
same_file "$TMP/sample.tar" "$TMP/existing.tar" "the existing archive is untouched"
fails_with "a destination cannot name an index" "image index" \
  sk copy -q "oci:$SAMPLE:latest" "docker-archive:$TMP/new.tar:@0"
fails_with "an additional tag must be a tag" "additional-tag" \
  sk copy -q --additional-tag "example.com/x@sha256:$(printf '%064d' 0)" \
  "oci:$SAMPLE:latest" "docker-archive:$TMP/new.tar"
[ ! -e "$TMP/new.tar" ] || fail "a refused copy created its destination"
ok "refused copies create nothing"

# ---- zstd layers ------------------------------------------------------------------------
step "an image with a zstd layer becomes plain layers"
python3 "$HERE/make-image.py" "$TMP/zstd-oci" z --layers 2 --compression zstd \
  --compression gzip --label zstd > "$TMP/zstd.ids"
zstd_config=$(sed -n 1p "$TMP/zstd.ids")
run_ok "oci (zstd) -> docker-archive" sk copy -q "oci:$TMP/zstd-oci:z" \
  "docker-archive:$TMP/zstd.tar:example.com/zstd:1"
for diff_id in $(sed -n '2,$p' "$TMP/zstd.ids"); do
  same_text "layer ${diff_id:7:12} is stored plain" "${diff_id#sha256:}" \
    "$(member_sha256 "$TMP/zstd.tar" "${diff_id#sha256:}.tar")"
done
run_ok "docker load (zstd source)" dk load -i "$TMP/zstd.tar"
same_text "docker has the zstd image's config" "$zstd_config" \
  "$(dk image inspect --format '{{.Id}}' example.com/zstd:1)"
