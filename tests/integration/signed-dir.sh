#!/bin/bash
# signed-dir.sh: copying dir: images that carry signature-N files.
#
# A signed source must keep its manifest (any change would invalidate the
# signatures): skopeo then keeps every layer as it is, even with --dest-decompress,
# and stores the signatures. When a signed image replaces another one in a dir:
# folder, none of the old image's signature files may stay beside the new manifest,
# or the copy must fail.

source "$(dirname "$0")/integ-lib.sh"

need jq

step "make a signed dir: image from the sample layout"
run_ok "copy the sample to dir:" sk copy "oci:$SAMPLE:latest" "dir:$TMP/signed"
# A leading byte with the high bit set reads as an OpenPGP packet, as skopeo expects.
printf '\xa3signature-one' > "$TMP/signed/signature-1"
printf '\xa3signature-two' > "$TMP/signed/signature-2"
ok "signed image at $TMP/signed"

step "--dest-decompress on a signed image keeps the layers and the signatures"
if ! sk copy --dest-decompress "dir:$TMP/signed" "dir:$TMP/decompressed" \
     > "$TMP/last.out" 2> "$TMP/last.err"; then
  sed 's/^/  stderr: /' "$TMP/last.err" >&2
  fail "copy --dest-decompress of a signed image failed (skopeo keeps the layers as they are)"
fi
same_file "$TMP/signed/manifest.json" "$TMP/decompressed/manifest.json" \
  "the manifest is unchanged"
same_file "$TMP/signed/signature-1" "$TMP/decompressed/signature-1" "signature-1 is kept"
same_file "$TMP/signed/signature-2" "$TMP/decompressed/signature-2" "signature-2 is kept"

if command -v skopeo > /dev/null; then
  step "skopeo does the same"
  run_ok "skopeo copy --dest-decompress" \
    skopeo_ copy --dest-decompress "dir:$TMP/signed" "dir:$TMP/skopeo-decompressed"
  same_file "$TMP/skopeo-decompressed/manifest.json" "$TMP/decompressed/manifest.json" \
    "skopeo writes the same manifest"
fi

step "replacing a signed image whose signature file cannot be removed"
run_ok "copy the signed image to the target" sk copy "dir:$TMP/signed" "dir:$TMP/target"
# A different image: same blobs, another manifest.
run_ok "make another image" sk copy "dir:$TMP/signed" "dir:$TMP/other" --remove-signatures
jq -c '.annotations.other = "yes"' "$TMP/other/manifest.json" > "$TMP/other/m.json"
mv "$TMP/other/m.json" "$TMP/other/manifest.json"

if [ "$(id -u)" = 0 ] && chattr +i "$TMP/target/signature-2" 2> /dev/null; then
  set +e
  sk copy "dir:$TMP/other" "dir:$TMP/target" > "$TMP/last.out" 2> "$TMP/last.err"
  rc=$?
  set -e
  chattr -i "$TMP/target/signature-2"
  if [ "$rc" = 0 ] && [ -e "$TMP/target/signature-2" ] \
     && ! cmp -s "$TMP/target/manifest.json" "$TMP/signed/manifest.json"; then
    fail "the copy succeeded, but the old image's signature-2 stayed beside the new manifest"
  fi
  ok "no stale signature beside a new manifest after a successful copy (exit $rc)"
else
  echo "skipped: needs root and a file system with chattr +i"
fi
