#!/bin/bash
# user-checks.sh: what a user scripting image mirroring with oci: and dir: relies on,
# found by testing the CLI as a new user would. Each check runs even when an earlier
# one failed, so one run lists every regression; the script fails if any did.
#
#  - a copy interrupted by SIGINT or SIGTERM leaves no new destination folder, no
#    staging folder next to it, no spool file in --tmpdir, and an existing layout
#    byte for byte unchanged;
#  - --command-timeout makes a copy that outlives it fail and leave nothing;
#  - copy --all --format converts the list itself, not only its images;
#  - --preserve-digests keeps uncompressed layers as they are, as skopeo does;
#  - corrupt sources fail with one line and leave nothing behind.

source "$(dirname "$0")/integ-lib.sh"
need python3 jq skopeo

failures=0
bad ()
{
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# passed WHAT: prints "ok: WHAT" unless a check failed since the last call.
reported=0
passed ()
{
  [ "$failures" -eq "$reported" ] && ok "$*"
  reported=$failures
}

# snapshot FOLDER: every entry with its mode, size and link target, then every file's
# hash, so two snapshots differ if anything at all changed.
snapshot ()
{
  (cd "$1" && find . -printf '%p %m %s %l\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

# An OCI layout whose layers are uncompressed random data: copying it to oci: compresses
# every layer, which takes long enough to interrupt. Written straight to disk (no
# skopos involved), so a skopos bug cannot hide in the fixture.
make_layout ()
{
  python3 - "$1" "$2" "$3" << 'EOF'
import hashlib, io, json, os, sys, tarfile
out, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out + "/blobs/sha256")
def put(data):
    h = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{h}", "wb") as f:
        f.write(data)
    return "sha256:" + h
layers = []
for i in range(count):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        info = tarfile.TarInfo(f"file{i}")
        info.size = size
        t.addfile(info, io.BytesIO(os.urandom(size)))
    data = buf.getvalue()
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar",
                   "digest": put(data), "size": len(data)})
OCI = "application/vnd.oci.image."
rootfs = {"type": "layers", "diff_ids": [l["digest"] for l in layers]}
config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": rootfs}).encode()
manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI + "manifest.v1+json",
                       "config": {"mediaType": OCI + "config.v1+json",
                                  "digest": put(config), "size": len(config)},
                       "layers": layers}).encode()
entry = {"mediaType": OCI + "manifest.v1+json", "digest": put(manifest), "size": len(manifest),
         "annotations": {"org.opencontainers.image.ref.name": "t"}}
index = {"schemaVersion": 2, "manifests": [entry]}
with open(out + "/index.json", "w") as f:
    json.dump(index, f)
with open(out + "/oci-layout", "w") as f:
    f.write('{"imageLayoutVersion": "1.0.0"}')
EOF
}

step "fixtures"
make_layout "$TMP/big" 3 $((48 * 1024 * 1024))
make_layout "$TMP/unc" 2 50000
mkdir -p "$TMP/spool" "$TMP/dst"
sk copy -q "oci:$SAMPLE:latest" "oci:$TMP/existing:old"
ok "fixtures ready"

# Background jobs of a non-interactive shell ignore SIGINT; job control gives them
# their own process group and the default disposition back.
set -m

# interrupted SIG DEST [FLAG...]: starts a copy of the big layout to DEST (with the
# copy flags FLAG...), sends SIG after a moment, and checks that the copy did not
# succeed and that nothing was left behind.
interrupted ()
{
  local sig=$1 dest=$2 what="copy to $2 interrupted by SIG$1"
  local before="" pid rc
  shift 2
  reported=$failures

  rm -rf "${TMP:?}/dst/"* "$TMP/dst/".skopos* "$TMP/spool/"* "$TMP/spool/".[!.]*
  [ -d "$TMP/existing" ] && before=$(snapshot "$TMP/existing")

  "$SKOPOS" --policy "$POLICY" --tmpdir "$TMP/spool" copy -q "$@" "oci:$TMP/big:t" \
    "$dest" 2> "$TMP/err" &
  pid=$!
  sleep 1
  kill "-$sig" "$pid" 2> /dev/null || true
  rc=0
  wait "$pid" || rc=$?

  [ "$rc" -ne 0 ] || { bad "$what: exit status 0 (the copy finished before the signal?)"; return; }
  local leftovers
  leftovers=$(find "$TMP/dst" "$TMP/spool" -mindepth 1 | head -5)
  [ -z "$leftovers" ] || bad "$what: left behind: $(echo "$leftovers" | tr '\n' ' ')"
  if [ -n "$before" ] && [ "$before" != "$(snapshot "$TMP/existing")" ]; then
    bad "$what: the existing layout changed: $(find "$TMP/existing" -name '.*' | head -3)"
  fi
  [ "$(wc -l < "$TMP/err")" -le 1 ] || bad "$what: more than one line on stderr"
  passed "$what (exit $rc)"
}

step "interrupted copies leave nothing behind"
interrupted INT "oci:$TMP/dst/new:t"
interrupted TERM "oci:$TMP/dst/new:t"
# Compressing makes a dir: copy slow enough to interrupt.
interrupted INT "dir:$TMP/dst/newdir" --dest-compress
interrupted TERM "dir:$TMP/dst/newdir" --dest-compress
interrupted HUP "oci:$TMP/dst/new:t"
interrupted INT "oci:$TMP/existing:new"
interrupted TERM "oci:$TMP/existing:new"
set +m

step "--command-timeout stops a copy"
rm -rf "$TMP/dst/"*
rc=0
"$SKOPOS" --policy "$POLICY" --command-timeout 1ms copy -q "oci:$TMP/big:t" \
  "dir:$TMP/dst/timed" 2> "$TMP/err" || rc=$?
[ "$rc" -ne 0 ] || bad "copy with --command-timeout 1ms exited 0"
[ ! -e "$TMP/dst/timed" ] || bad "copy with --command-timeout 1ms left $TMP/dst/timed"
passed "--command-timeout 1ms (exit $rc: $(head -c 200 "$TMP/err"))"

step "copy --all --format converts the list too"
sk copy -q --all --format v2s2 "oci:$SAMPLE_INDEX:latest" "dir:$TMP/v2list"
got=$(jq -r .mediaType "$TMP/v2list/manifest.json")
[ "$got" = "application/vnd.docker.distribution.manifest.list.v2+json" ] \
  || bad "--all --format v2s2 wrote a list of type $got around Docker schema 2 images"
passed "--all --format v2s2 list type: $got"
# The source is a Docker list written by skopeo, so the check does not depend on the
# one above.
skopeo_ copy -q --all --format v2s2 "oci:$SAMPLE_INDEX:latest" "dir:$TMP/v2list-skopeo"
sk copy -q --all --format oci "dir:$TMP/v2list-skopeo" "dir:$TMP/ocilist"
got=$(jq -r .mediaType "$TMP/ocilist/manifest.json")
[ "$got" = "application/vnd.oci.image.index.v1+json" ] \
  || bad "--all --format oci wrote a list of type $got around OCI images"
passed "--all --format oci list type: $got"

step "--preserve-digests keeps uncompressed layers, as skopeo does"
want=$(jq -r '.manifests[0].digest' "$TMP/unc/index.json")
if sk copy -q --preserve-digests "oci:$TMP/unc:t" "oci:$TMP/unc-copy:t" 2> "$TMP/err"; then
  got=$(jq -r '.manifests[0].digest' "$TMP/unc-copy/index.json")
  [ "$got" = "$want" ] || bad "--preserve-digests changed the digest: $want -> $got"
else
  bad "--preserve-digests with uncompressed layers to oci: failed: $(cat "$TMP/err")"
fi
passed "--preserve-digests with uncompressed layers"

step "corrupt sources fail with one line and leave nothing"
# corrupt NAME EXPECTED-EXIT: copies $TMP/corrupt to a new folder and to the existing
# layout; both must fail with EXPECTED-EXIT and one line, and change nothing.
corrupt ()
{
  local name=$1 want=$2 rc before
  reported=$failures
  rm -rf "$TMP/dst/"*
  rc=0
  sk copy -q "oci:$TMP/corrupt:t" "oci:$TMP/dst/c:t" 2> "$TMP/err" || rc=$?
  [ "$rc" -eq "$want" ] || bad "$name: exit $rc, expected $want"
  [ "$(wc -l < "$TMP/err")" -eq 1 ] || bad "$name: $(wc -l < "$TMP/err") lines on stderr"
  [ ! -e "$TMP/dst/c" ] || bad "$name: left $TMP/dst/c behind"
  before=$(snapshot "$TMP/existing")
  sk copy -q "oci:$TMP/corrupt:t" "oci:$TMP/existing:c" 2> /dev/null && bad "$name: copy succeeded"
  [ "$before" = "$(snapshot "$TMP/existing")" ] || bad "$name: the existing layout changed"
  passed "$name: $(head -c 200 "$TMP/err")"
}
manifest=$(jq -r '.manifests[0].digest' "$TMP/unc/index.json")
layer=$(jq -r '.layers[0].digest' "$TMP/unc/blobs/sha256/${manifest#sha256:}")
layer=${layer#sha256:}

rm -rf "$TMP/corrupt"; cp -a "$TMP/unc" "$TMP/corrupt"
python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 1; open(p, "wb").write(b)' "$TMP/corrupt/blobs/sha256/$layer"
corrupt "a layer with one flipped bit" 1

rm -rf "$TMP/corrupt"; cp -a "$TMP/unc" "$TMP/corrupt"
truncate -s 100 "$TMP/corrupt/blobs/sha256/$layer"
corrupt "a truncated layer" 1

rm -rf "$TMP/corrupt"; cp -a "$TMP/unc" "$TMP/corrupt"
echo '{"schemaVersion":2,"manifests":[{"digest":"sha256:' > "$TMP/corrupt/index.json"
corrupt "a truncated index.json" 1

rm -rf "$TMP/corrupt"; cp -a "$TMP/unc" "$TMP/corrupt"
jq -c '.manifests[0].digest="sha256:../../../../etc/passwd"' "$TMP/unc/index.json" \
  > "$TMP/corrupt/index.json"
corrupt "a path-traversal digest in index.json" 1

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all user checks passed"
