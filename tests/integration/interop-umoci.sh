#!/bin/bash
# interop-umoci.sh: skopos and umoci (and oci-image-tool) agree on OCI layouts.
#
#   - what skopos writes, umoci lists, stats and unpacks (the files are those of the
#     source layers) with the same digests, and oci-image-tool validates it;
#   - umoci can add an image to a layout skopos wrote, and skopos copies that one;
#   - what umoci builds, skopos copies oci -> oci and oci -> dir -> oci with the same
#     digests, and umoci unpacks skopos's copy.
# shellcheck source=tests/integration/integ-lib.sh
source "$(dirname "$0")/integ-lib.sh"
need umoci oci-image-tool python3 tar

digests oci "$SAMPLE" latest > "$TMP/want"

# expected_rootfs LAYOUT REF DEST: the layers of an image unpacked with plain tar, for
# comparison with what umoci unpacks (the samples have no whiteouts).
expected_rootfs ()
{
  mkdir -p "$3"
  local d
  for d in $(digests oci "$1" "$2" | awk '$1 == "layer" {print $3}'); do
    tar -xzf "$1/blobs/sha256/${d#sha256:}" -C "$3"
  done
}

# same_rootfs A B WHAT: same paths, types, modes and file bytes.
same_rootfs ()
{
  tree_sum "$1" > "$TMP/rootfs-a"
  tree_sum "$2" > "$TMP/rootfs-b"
  same_file "$TMP/rootfs-a" "$TMP/rootfs-b" "$3"
}

# validate LAYOUT REF: oci-image-tool accepts the layout, the image and its blobs.
validate ()
{
  run_ok "oci-image-tool validate --type image $1 (ref $2)" \
    oci-image-tool validate --type image --ref "name=$2" "$1"
  local kind d
  while read -r kind d; do
    run_ok "oci-image-tool validate --type $kind $d" \
      oci-image-tool validate --type "$kind" "$1/blobs/sha256/${d#sha256:}"
  done < <(digests oci "$1" "$2" | awk '$1 == "manifest" {print "manifest", $2}
                                         $1 == "config" {print "config", $2}
                                         $1 == "top" && $2 == "index" {print "imageIndex", $3}')
  ok "oci-image-tool validates $1:$2 (layout, manifests, configs)"
}

# ---- skopos writes, umoci reads ------------------------------------------------------
step "skopos writes an OCI layout; umoci and oci-image-tool read it"
run_ok "skopos copy -> oci" sk copy "oci:$SAMPLE:latest" "oci:$TMP/s:v1"
run_ok "skopos copy tag 1.0 -> same layout" sk copy "oci:$SAMPLE:1.0" "oci:$TMP/s:v2"
run_ok "umoci ls" umoci ls --layout "$TMP/s"
same_text "umoci ls lists both tags" "v1 v2" "$(sort "$TMP/last.out" | xargs)"

run_ok "umoci stat" umoci stat --json --image "$TMP/s:v1"
python3 - "$TMP/last.out" "$TMP/want" <<'EOF' || fail "umoci stat does not list the sample's layers"
import json, sys
stat = json.load(open(sys.argv[1]))
layers = [h["layer"]["digest"] for h in stat["history"] if h.get("layer")]
want = [l.split()[2] for l in open(sys.argv[2]) if l.startswith("layer ")]
if layers != want:
    sys.exit("umoci stat layers %s, expected %s" % (layers, want))
EOF
ok "umoci stat shows the two sample layers in order"

run_ok "umoci unpack --rootless" umoci unpack --rootless --image "$TMP/s:v1" "$TMP/bundle"
expected_rootfs "$SAMPLE" latest "$TMP/expected"
same_rootfs "$TMP/expected" "$TMP/bundle/rootfs" "umoci unpacks the sample's files"
[ -x "$TMP/bundle/rootfs/usr/local/bin/hello.sh" ] || fail "hello.sh lost its exec bit"
grep -q '^ID=' "$TMP/bundle/rootfs/etc/os-release" || fail "os-release not in the rootfs"
ok "hello.sh executable, os-release present"
python3 - "$TMP/bundle/config.json" <<'EOF' || fail "runtime config lacks the image's Env or Cmd"
import json, sys
proc = json.load(open(sys.argv[1]))["process"]
assert "SAMPLE_GREETING=hello" in proc["env"], proc["env"]
assert proc["args"] == ["/usr/local/bin/hello.sh"], proc["args"]
EOF
ok "umoci's runtime config carries the image Env and Cmd"

validate "$TMP/s" v1

step "skopos writes an index (--all); oci-image-tool validates it"
run_ok "skopos copy --all -> oci" sk copy --all "oci:$SAMPLE_INDEX:latest" "oci:$TMP/si:multi"
validate "$TMP/si" multi

step "umoci adds an image to skopos's layout; skopos copies it"
run_ok "umoci config" umoci config --image "$TMP/s:v1" --tag v3 \
  --config.label "com.example.added-by=umoci" --history.created 2024-01-01T00:00:00Z
run_ok "umoci unpack" umoci unpack --rootless --image "$TMP/s:v3" "$TMP/b3"
mkdir -p "$TMP/b3/rootfs/opt"
cp "$HELPER" "$TMP/b3/rootfs/opt/"
run_ok "umoci repack" umoci repack --image "$TMP/s:v3" "$TMP/b3"
digests oci "$TMP/s" v3 > "$TMP/want-v3"
run_ok "skopos copy umoci's v3" sk copy "oci:$TMP/s:v3" "oci:$TMP/s3:t"
digests oci "$TMP/s3" t > "$TMP/got"
same_file "$TMP/want-v3" "$TMP/got" "skopos copies umoci's image with every digest"
digests oci "$TMP/s" v1 > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "umoci's changes left skopos's v1 intact"

# ---- umoci writes, skopos reads ------------------------------------------------------
step "umoci builds an image; skopos copies it oci -> oci and oci -> dir -> oci"
mkdir -p "$TMP/tree/srv/data"
head -c 200000 /dev/urandom > "$TMP/tree/srv/data/random.bin"
printf 'made by umoci in interop-umoci.sh\n' > "$TMP/tree/srv/data/note.txt"
ln -s note.txt "$TMP/tree/srv/data/link"
run_ok "umoci init" umoci init --layout "$TMP/u"
run_ok "umoci new" umoci new --image "$TMP/u:base"
# unpack + repack: umoci 0.4.7's `insert` writes tars GNU tar calls truncated.
run_ok "umoci unpack (empty image)" umoci unpack --rootless --image "$TMP/u:base" "$TMP/ubase"
cp -a "$TMP/tree/srv" "$TMP/ubase/rootfs/"
run_ok "umoci repack" umoci repack --image "$TMP/u:base" "$TMP/ubase"
run_ok "umoci config" umoci config --image "$TMP/u:base" --config.env A=1 \
  --config.label "com.example.from=umoci"
digests oci "$TMP/u" base > "$TMP/want-u"

run_ok "skopos inspect --raw" sk inspect --raw "oci:$TMP/u:base"
top=$(awk '$1 == "top" {print $3}' "$TMP/want-u")
same_file "$TMP/u/blobs/sha256/${top#sha256:}" "$TMP/last.out" "skopos reads umoci's manifest"
run_ok "skopos copy umoci -> oci" sk copy "oci:$TMP/u:base" "oci:$TMP/u2:copy"
digests oci "$TMP/u2" copy > "$TMP/got"
same_file "$TMP/want-u" "$TMP/got" "oci -> oci keeps umoci's digests"
run_ok "skopos copy umoci -> dir" sk copy "oci:$TMP/u:base" "dir:$TMP/ud"
run_ok "skopos copy dir -> oci" sk copy "dir:$TMP/ud" "oci:$TMP/u3:back"
digests oci "$TMP/u3" back > "$TMP/got"
same_file "$TMP/want-u" "$TMP/got" "oci -> dir -> oci keeps umoci's digests"

run_ok "umoci unpack skopos's copy" umoci unpack --rootless --image "$TMP/u3:back" "$TMP/ub"
same_rootfs "$TMP/ubase/rootfs" "$TMP/ub/rootfs" "umoci unpacks skopos's copy to the tree it packed"
validate "$TMP/u3" back

echo "interop-umoci: all checks passed"
