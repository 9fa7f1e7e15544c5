#!/bin/bash
# bad-inputs.sh: skopos refuses bad input with one clear line on stderr (after any
# progress lines) that names the thing at fault, a non-zero exit status (2 for an
# image missing from a layout, as skopeo does), and nothing left behind: a destination
# that did not exist still does not, one that did is unchanged byte for byte.
#
# Cases: missing source folder, missing tag, ambiguous layout, corrupt index.json,
# a blob whose bytes do not match its digest, a truncated blob, a missing blob, digests
# that would escape the layout when used as paths (checked with strace: no file named
# by them is ever touched), unknown transport, a transport whose module is not
# installed, malformed references, and existing destinations after failed copies.
# shellcheck source=tests/integration/integ-lib.sh
source "$(dirname "$0")/integ-lib.sh"
need python3 sha256sum

# Copy progress lines, which skopos writes on stderr (skopeo on stdout; see "DIFFERENCES
# FROM SKOPEO" in docs/skopos.1.md).
progress_re='^(Getting image (list )?source signatures|Copying (blob|config|image) '
progress_re+='|Writing manifest( list)? to image destination|Storing (list )?signatures)'

# expect_fail WHAT RC NEEDLE CMD...: CMD fails with exit status RC ("any" for any
# non-zero one); stderr holds, after any progress lines, exactly one line, the error,
# and it contains NEEDLE.
expect_fail ()
{
  local what=$1 want_rc=$2 needle=$3 rc=0
  shift 3
  "$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
  if [ "$rc" -eq 0 ]; then
    fail "$what: succeeded, expected a failure (command: $*)"
  fi
  if [ "$want_rc" != any ] && [ "$rc" -ne "$want_rc" ]; then
    sed 's/^/  stderr: /' "$TMP/err" >&2
    fail "$what: exit status $rc, expected $want_rc"
  fi
  grep -vE "$progress_re" "$TMP/err" > "$TMP/err.msg" || true
  local lines
  lines=$(grep -c . "$TMP/err.msg" || true)
  if [ "$lines" -ne 1 ] || [ "$(tail -n 1 "$TMP/err")" != "$(cat "$TMP/err.msg")" ]; then
    sed 's/^/  stderr: /' "$TMP/err" >&2
    fail "$what: expected one error line at the end of stderr, found $lines other lines"
  fi
  if ! grep -qF -- "$needle" "$TMP/err.msg"; then
    sed 's/^/  stderr: /' "$TMP/err" >&2
    fail "$what: the error does not name '$needle'"
  fi
  ok "$what (exit $rc): $(cat "$TMP/err.msg")"
}

absent ()
{
  [ ! -e "$1" ] || { find "$1" | head -20 >&2; fail "a failed command left $1 behind"; }
}

# snapshot PATH / unchanged PATH: a folder stays the same byte for byte.
snapshot ()
{
  tree_sum "$1" > "$TMP/snap.$(basename "$1")"
}
unchanged ()
{
  tree_sum "$1" > "$TMP/snap-now"
  cmp -s "$TMP/snap.$(basename "$1")" "$TMP/snap-now" || {
    diff -u "$TMP/snap.$(basename "$1")" "$TMP/snap-now" | head -30 >&2
    fail "$1 was modified by a failed command"
  }
}

# A private, writable copy of the sample; layer digests for the corruption cases.
fresh_copy ()
{
  rm -rf "$1"
  mkdir -p "$(dirname "$1")"
  cp -r "$SAMPLE" "$1"
}
digests oci "$SAMPLE" latest > "$TMP/want"
layer1=$(awk '$1 == "layer" {print $3}' "$TMP/want" | sed -n 1p)
layer2=$(awk '$1 == "layer" {print $3}' "$TMP/want" | sed -n 2p)
config=$(awk '$1 == "config" {print $2}' "$TMP/want")
manifest=$(awk '$1 == "top" {print $3}' "$TMP/want")
blob ()
{
  echo "$1/blobs/sha256/${2#sha256:}"
}

# ---- missing things ---------------------------------------------------------------
step "missing source folder"
expect_fail "copy from a missing oci layout" 1 "$TMP/nope" \
  sk copy "oci:$TMP/nope:latest" "oci:$TMP/d1:t"
absent "$TMP/d1"
expect_fail "inspect a missing oci layout" 1 "$TMP/nope" sk inspect "oci:$TMP/nope:latest"
expect_fail "copy from a missing dir folder" 1 "$TMP/nope" sk copy "dir:$TMP/nope" "dir:$TMP/d1"
absent "$TMP/d1"

step "missing tag in an existing layout (exit 2, as skopeo)"
expect_fail "copy a missing tag" 2 "nosuch" sk copy "oci:$SAMPLE:nosuch" "oci:$TMP/d1:t"
absent "$TMP/d1"
expect_fail "inspect a missing tag" 2 "nosuch" sk inspect "oci:$SAMPLE:nosuch"

step "a layout with several images needs a tag"
expect_fail "inspect an ambiguous layout" any "$SAMPLE" sk inspect "oci:$SAMPLE"

# ---- corrupt layouts --------------------------------------------------------------
step "corrupt index.json"
fresh_copy "$TMP/bad"
printf '{"schemaVersion": 2, "manifests": [ {"mediaType": ' > "$TMP/bad/index.json"
expect_fail "copy from truncated index.json" 1 "index.json" \
  sk copy "oci:$TMP/bad:latest" "oci:$TMP/d1:t"
absent "$TMP/d1"
printf '{"schemaVersion": 2, "manifests": "not a list"}' > "$TMP/bad/index.json"
expect_fail "copy from index.json of the wrong shape" 1 "index.json" \
  sk copy "oci:$TMP/bad:latest" "dir:$TMP/d1"
absent "$TMP/d1"

step "a layer whose bytes do not match its digest (same size)"
fresh_copy "$TMP/bad"
python3 - "$(blob "$TMP/bad" "$layer2")" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xff
open(p, "wb").write(bytes(b))
EOF
expect_fail "copy oci -> oci with a corrupt layer" 1 "${layer2#sha256:}" \
  sk copy "oci:$TMP/bad:latest" "oci:$TMP/d1:t"
absent "$TMP/d1"
expect_fail "copy oci -> dir with a corrupt layer" 1 "${layer2#sha256:}" \
  sk copy "oci:$TMP/bad:latest" "dir:$TMP/d1"
absent "$TMP/d1"
expect_fail "decompressing a corrupt layer reports the digest" 1 "digest mismatch" \
  sk copy --dest-decompress "oci:$TMP/bad:latest" "dir:$TMP/d1"
absent "$TMP/d1"
cp -r "$TMP/bad" "$TMP/bad-layer"

step "a config whose bytes do not match its digest"
fresh_copy "$TMP/bad"
sed -i 's/skopos-sample/skopos-SAMPLE/' "$(blob "$TMP/bad" "$config")"
expect_fail "copy with a corrupt config" 1 "${config#sha256:}" \
  sk copy "oci:$TMP/bad:latest" "oci:$TMP/d1:t"
absent "$TMP/d1"

step "a truncated layer"
fresh_copy "$TMP/bad"
f=$(blob "$TMP/bad" "$layer1")
truncate -s $(( $(stat -c %s "$f") / 2 )) "$f"
expect_fail "copy with a truncated layer" 1 "${layer1#sha256:}" \
  sk copy "oci:$TMP/bad:latest" "oci:$TMP/d1:t"
absent "$TMP/d1"

step "a missing layer"
fresh_copy "$TMP/bad"
rm "$(blob "$TMP/bad" "$layer1")"
expect_fail "copy with a missing layer" 1 "${layer1#sha256:}" \
  sk copy "oci:$TMP/bad:latest" "dir:$TMP/d1"
absent "$TMP/d1"

# ---- digests used as paths ----------------------------------------------------------
# Each sentinel holds the bytes the path would need to make the copy succeed, so a
# tool that followed the path could pass; strace shows whether any file call named it.
if command -v strace > /dev/null; then
  traced ()
  {
    strace -f -qq -e trace=%file -o "$TMP/strace.log" "$@"
  }
  no_access ()
  {
    if grep -v execve "$TMP/strace.log" | grep -F -- "$1"; then
      fail "skopos touched a path built from the bad digest ($1)"
    fi
    ok "no file call named $1"
  }
else
  echo "note: strace is not installed; path checks rely on the sentinels only"
  traced ()
  {
    "$@"
  }
  no_access ()
  {
    :
  }
fi

# retarget LAYOUT FIELD NEW_DIGEST: rewrites the manifest (its config digest, or its
# first layer digest) and points index.json at the new manifest, as an attacker would.
retarget ()
{
  python3 - "$1" "$2" "$3" <<'EOF'
import hashlib, json, os, sys
layout, field, new = sys.argv[1:4]
idx_path = os.path.join(layout, "index.json")
idx = json.load(open(idx_path))
desc = [m for m in idx["manifests"]
        if m["annotations"]["org.opencontainers.image.ref.name"] == "latest"][0]
man = json.load(open(os.path.join(layout, "blobs", "sha256", desc["digest"][7:])))
if field == "config":
    man["config"]["digest"] = new
else:
    man["layers"][0]["digest"] = new
data = json.dumps(man).encode()
digest = hashlib.sha256(data).hexdigest()
open(os.path.join(layout, "blobs", "sha256", digest), "wb").write(data)
desc["digest"] = "sha256:" + digest
desc["size"] = len(data)
json.dump(idx, open(idx_path, "w"))
EOF
}

step "index.json names a manifest digest that climbs out of the layout"
fresh_copy "$TMP/trav/lay"
cp "$(blob "$SAMPLE" "$manifest")" "$TMP/trav/sentinel-manifest"
sed -i "s|$manifest|sha256:../../../sentinel-manifest|g" "$TMP/trav/lay/index.json"
snapshot "$TMP/trav"
expect_fail "traversal digest in index.json" any "sentinel-manifest" \
  traced "$SKOPOS" --policy "$POLICY" copy "oci:$TMP/trav/lay:latest" "oci:$TMP/d1:t"
no_access sentinel-manifest
absent "$TMP/d1"
unchanged "$TMP/trav"

step "a manifest names a layer digest that climbs out of the layout"
fresh_copy "$TMP/trav/lay"
cp "$(blob "$SAMPLE" "$layer1")" "$TMP/trav/sentinel-layer"
retarget "$TMP/trav/lay" layer "sha256:../../../sentinel-layer"
snapshot "$TMP/trav"
expect_fail "traversal digest for a layer" any "sentinel-layer" \
  traced "$SKOPOS" --policy "$POLICY" copy "oci:$TMP/trav/lay:latest" "oci:$TMP/d1:t"
no_access sentinel-layer
absent "$TMP/d1"
unchanged "$TMP/trav"

step "a manifest names a config digest that climbs out of the layout"
fresh_copy "$TMP/trav/lay"
cp "$(blob "$SAMPLE" "$config")" "$TMP/trav/sentinel-config"
retarget "$TMP/trav/lay" config "sha256:../../../sentinel-config"
snapshot "$TMP/trav"
expect_fail "traversal digest for the config" any "sentinel-config" \
  traced "$SKOPOS" --policy "$POLICY" copy "oci:$TMP/trav/lay:latest" "dir:$TMP/d1"
no_access sentinel-config
absent "$TMP/d1"
expect_fail "inspect --config with a traversal config digest" any "sentinel-config" \
  traced "$SKOPOS" --policy "$POLICY" inspect --config "oci:$TMP/trav/lay:latest"
no_access sentinel-config
unchanged "$TMP/trav"

step "a dir: manifest names a layer digest that climbs out of the folder"
rm -rf "$TMP/trav"
mkdir -p "$TMP/trav"
run_ok "make a dir: image" sk copy "oci:$SAMPLE:latest" "dir:$TMP/trav/d"
cp "$(blob "$SAMPLE" "$layer1")" "$TMP/trav/sentinel-dirlayer"
sed -i "s|$layer1|sha256:../sentinel-dirlayer|" "$TMP/trav/d/manifest.json"
grep -q sentinel-dirlayer "$TMP/trav/d/manifest.json" || fail "could not plant the digest"
snapshot "$TMP/trav"
expect_fail "traversal digest in a dir: manifest" any "sentinel-dirlayer" \
  traced "$SKOPOS" --policy "$POLICY" copy "dir:$TMP/trav/d" "oci:$TMP/d1:t"
no_access sentinel-dirlayer
absent "$TMP/d1"
unchanged "$TMP/trav"

# ---- transports and references -------------------------------------------------------
step "unknown transport"
expect_fail "copy from foo:bar" any "foo" sk copy "foo:bar" "oci:$TMP/d1:t"
absent "$TMP/d1"
expect_fail "copy to foo:bar" any "foo" sk copy "oci:$SAMPLE:latest" "foo:bar"
expect_fail "inspect foo:bar" any "foo" sk inspect "foo:bar"

step "a transport whose module is not installed"
oci_so=
IFS=: read -r -a dirs <<< "${SKOPOS_TRANSPORT_PATH:-}"
for d in "${dirs[@]}"; do
  [ -n "$d" ] && [ -f "$d/libskopos-transport-oci.so" ] && oci_so=$d/libskopos-transport-oci.so
done
[ -n "$oci_so" ] || fail "libskopos-transport-oci.so not found in SKOPOS_TRANSPORT_PATH"
mkdir -p "$TMP/only-oci"
cp "$oci_so" "$TMP/only-oci/"
expect_fail "copy to dir: with only the oci module" any "dir" \
  env SKOPOS_TRANSPORT_PATH="$TMP/only-oci" SKOPOS_TRANSPORT_DIR= \
  "$SKOPOS" --policy "$POLICY" copy "oci:$SAMPLE:latest" "dir:$TMP/d1"
absent "$TMP/d1"
run_ok "copy to oci: with only the oci module" \
  env SKOPOS_TRANSPORT_PATH="$TMP/only-oci" SKOPOS_TRANSPORT_DIR= \
  "$SKOPOS" --policy "$POLICY" copy "oci:$SAMPLE:latest" "oci:$TMP/d1:t"
digests oci "$TMP/d1" t > "$TMP/got"
same_file "$TMP/want" "$TMP/got" "oci still works without the dir module"
rm -rf "$TMP/d1"

step "malformed references"
expect_fail "no transport prefix" any "oci" sk copy "oci:$SAMPLE:latest" "oci"
expect_fail "empty transport name" any ":x" sk copy "oci:$SAMPLE:latest" ":x"
expect_fail "tag with a space" any "bad tag" sk copy "oci:$SAMPLE:latest" "oci:$TMP/d1:bad tag"
absent "$TMP/d1"
expect_fail "tag starting with '-'" any "-bad" sk copy "oci:$SAMPLE:latest" "oci:$TMP/d1:-bad"
absent "$TMP/d1"

# ---- existing destinations survive failed copies -------------------------------------
# The destinations hold another image (the sample index) so that no blob of the bad
# source is already there to be reused instead of read.
step "an existing oci: destination is unchanged by a failed copy"
run_ok "make the destination" sk copy --all "oci:$SAMPLE_INDEX:latest" "oci:$TMP/keep:t"
digests oci "$SAMPLE_INDEX" latest > "$TMP/want-idx"
snapshot "$TMP/keep"
expect_fail "corrupt source onto the same tag" any "${layer2#sha256:}" \
  sk copy "oci:$TMP/bad-layer:latest" "oci:$TMP/keep:t"
unchanged "$TMP/keep"
expect_fail "corrupt source onto a new tag" any "${layer2#sha256:}" \
  sk copy "oci:$TMP/bad-layer:latest" "oci:$TMP/keep:other"
unchanged "$TMP/keep"
digests oci "$TMP/keep" t > "$TMP/got"
same_file "$TMP/want-idx" "$TMP/got" "the kept image is whole"

step "an existing dir: destination is unchanged by a failed copy"
run_ok "make the destination" sk copy --all "oci:$SAMPLE_INDEX:latest" "dir:$TMP/keepdir"
snapshot "$TMP/keepdir"
expect_fail "corrupt source onto the dir: image" any "${layer2#sha256:}" \
  sk copy "oci:$TMP/bad-layer:latest" "dir:$TMP/keepdir"
unchanged "$TMP/keepdir"

step "a folder that is not a dir: image is not overwritten"
mkdir -p "$TMP/precious"
echo "important" > "$TMP/precious/notes.txt"
snapshot "$TMP/precious"
expect_fail "copy into a non-image folder" any "$TMP/precious" \
  sk copy "oci:$SAMPLE:latest" "dir:$TMP/precious"
unchanged "$TMP/precious"

step "signatures a destination cannot store fail the copy before anything is written"
run_ok "make a dir: image" sk copy "oci:$SAMPLE:latest" "dir:$TMP/signed"
printf 'not really a signature' > "$TMP/signed/signature-1"
expect_fail "copy a signed image to oci:" 1 "--remove-signatures" \
  sk copy "dir:$TMP/signed" "oci:$TMP/d1:t"
absent "$TMP/d1"
run_ok "the same copy with --remove-signatures" \
  sk copy --remove-signatures "dir:$TMP/signed" "oci:$TMP/d1:t"
rm -rf "$TMP/d1"

step "a registry destination with both a tag and a digest is refused before any request"
# Port 9 (discard) on loopback: nothing listens there, and the refusal must come first.
expect_fail "push to name:tag@digest" 1 "not both" \
  sk copy "oci:$SAMPLE:latest" \
  "docker://127.0.0.1:9/ns/img:t@sha256:$(printf '%064d' 0)"

step "a --cert-dir that is a file is refused before any request"
expect_fail "inspect with --cert-dir naming a file" 1 "is not a folder" \
  sk inspect --cert-dir "$SAMPLE/index.json" docker://127.0.0.1:9/ns/img:t

echo "bad-inputs: all checks passed"
