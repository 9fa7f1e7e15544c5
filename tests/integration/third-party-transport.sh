#!/bin/bash
# third-party-transport.sh: a transport built outside the source tree takes part in a
# real copy.
#
# skopos is installed into a staging folder (meson install --destdir); the example in
# docs/examples/example-transport/ is copied elsewhere and built with its Makefile
# against that install through pkg-config alone; the module must export one symbol.
# Then the installed skopos (and the build tree's) copies example:NAME images to oci:
# and dir:, and skopeo, umoci and oci-image-tool read the results.
# shellcheck source=tests/integration/integ-lib.sh
source "$(dirname "$0")/integ-lib.sh"
need make cc pkg-config nm meson skopeo umoci python3
: "${SKOPOS_BUILD_DIR:?SKOPOS_BUILD_DIR must name the meson build folder}"

example_src=$SKOPOS_SOURCE_DIR/docs/examples/example-transport

step "the example includes only the plugin header and exports only the descriptor getter"
includes=$(grep -o '^#include <skopos/[^>]*>' "$example_src/example-transport.c" | sort -u)
same_text "only <skopos/skopos-transport-plugin.h> is included" \
  "#include <skopos/skopos-transport-plugin.h>" "$includes"

# ---- install skopos into a staging folder --------------------------------------------
step "meson install --destdir"
stage=$TMP/stage
run_ok "meson install" meson install -C "$SKOPOS_BUILD_DIR" --no-rebuild --quiet \
  --destdir "$stage"
pc=$(find "$stage" -name skopos-1.pc | head -1)
[ -n "$pc" ] || fail "meson install put no skopos-1.pc under $stage"
prefix=$(sed -n 's/^prefix=//p' "$pc")
[ -n "$prefix" ] || fail "$pc has no prefix"
ok "skopos-1.pc installed at ${pc#"$stage"} (prefix $prefix)"

# A copy of the .pc with its paths moved into the staging folder, as a packager would
# make one. (--define-variable=prefix or PKG_CONFIG_SYSROOT_DIR would move glib's
# paths too.)
mkdir -p "$TMP/pc"
sed "s|$prefix|$stage$prefix|g" "$pc" > "$TMP/pc/skopos-1.pc"
export PKG_CONFIG_PATH=$TMP/pc
pkgconf=pkg-config
run_ok "pkg-config --cflags --libs skopos-1" $pkgconf --cflags --libs skopos-1
header=
read -r -a flags < "$TMP/last.out"
for flag in "${flags[@]}"; do
  case $flag in
    -I"$stage"*) [ -f "${flag#-I}/skopos/skopos-transport-plugin.h" ] && header=${flag#-I} ;;
  esac
done
[ -n "$header" ] ||
  fail "no -I folder from pkg-config holds skopos/skopos-transport-plugin.h: $(cat "$TMP/last.out")"
ok "pkg-config gives the staged headers and library"

transportdir=$($pkgconf --variable=transportdir skopos-1)
[ -n "$transportdir" ] || fail "skopos-1.pc has no transportdir variable"
case $transportdir in
  "$stage"/*) ;;
  *) transportdir=$stage$transportdir ;; # configured outside the prefix
esac
[ -f "$transportdir/libskopos-transport-oci.so" ] ||
  fail "the oci module is not installed in transportdir ($transportdir)"
ok "transportdir holds the bundled modules"

# ---- build the example as a third party ---------------------------------------------
step "build the example outside the source tree with its Makefile"
ext=$TMP/third-party/example-transport
mkdir -p "$ext"
cp "$example_src/example-transport.c" "$example_src/Makefile" "$ext/"
run_ok "make" make -C "$ext" PKG_CONFIG="$pkgconf"
if grep -i 'warning:' "$TMP/last.out" "$TMP/last.err"; then
  fail "the example builds with warnings"
fi
module=$ext/libskopos-transport-example.so
[ -f "$module" ] || fail "make did not produce $module"
exports=$(nm -D --defined-only "$module" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort | xargs)
same_text "the module exports only the descriptor getter" \
  "skopos_transport_get_descriptor" "$exports"
run_ok "make install" make -C "$ext" PKG_CONFIG="$pkgconf" TRANSPORTDIR="$transportdir" install
[ -f "$transportdir/libskopos-transport-example.so" ] || fail "make install did not install"
ok "make install put the module into transportdir"

# ---- use it with the installed skopos ----------------------------------------------
installed_cli=$stage$prefix/bin/skopos
[ -x "$installed_cli" ] || fail "no installed skopos at $installed_cli"
libdir=$(dirname "$(find "$stage" -name 'libskopos.so.1' | head -1)")
# The installed CLI finds its modules in transportdir (moved by the staging) only.
isk ()
{
  env -u SKOPOS_TRANSPORT_PATH LD_LIBRARY_PATH="$libdir" SKOPOS_TRANSPORT_DIR="$transportdir" \
    "$installed_cli" --policy "$POLICY" "$@"
}

step "installed skopos: copy example:demo -> dir: keeps the module's blobs as they are"
run_ok "skopos inspect --raw example:demo" isk inspect --raw example:demo
cp "$TMP/last.out" "$TMP/demo.manifest"
run_ok "skopos copy example:demo -> dir" isk copy example:demo "dir:$TMP/dd"
same_file "$TMP/demo.manifest" "$TMP/dd/manifest.json" "dir: holds the manifest the module served"
digests dir "$TMP/dd" > "$TMP/demo.digests"
grep -q '^layer application/vnd.oci.image.layer.v1.tar ' "$TMP/demo.digests" ||
  fail "the dir: copy does not hold the example's uncompressed tar layer"
ok "every blob the module served is stored and verified"
tar_digest=$(awk '$1 == "layer" {print $3}' "$TMP/demo.digests")
config_digest=$(awk '$1 == "config" {print $2}' "$TMP/demo.digests")

step "installed skopos: copy example:demo -> oci: (which compresses layers, as skopeo's does)"
run_ok "skopos copy example:demo -> oci" isk copy example:demo "oci:$TMP/l:demo"
digests oci "$TMP/l" demo > "$TMP/oci.digests"
same_text "the config is the module's" "$config_digest" \
  "$(awk '$1 == "config" {print $2}' "$TMP/oci.digests")"
gz=$(awk '$1 == "layer" && $2 ~ /gzip$/ {print $3}' "$TMP/oci.digests")
[ -n "$gz" ] || fail "the oci: copy has no gzip layer: $(cat "$TMP/oci.digests")"
same_text "the gzip layer holds the module's tar" "$tar_digest" \
  "sha256:$(gzip -dc "$TMP/l/blobs/sha256/${gz#sha256:}" | sha256sum | cut -d' ' -f1)"
oci_manifest=$(awk '$1 == "top" {print $3}' "$TMP/oci.digests")
run_ok "skopeo inspect --raw" skopeo_ inspect --raw "oci:$TMP/l:demo"
same_file "$TMP/l/blobs/sha256/${oci_manifest#sha256:}" "$TMP/last.out" \
  "skopeo reads the manifest skopos wrote"
run_ok "skopeo inspect" skopeo_ inspect "oci:$TMP/l:demo"
python3 - "$TMP/last.out" <<'EOF' || fail "skopeo inspect shows the wrong image"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["Labels"] == {"org.opencontainers.image.title": "demo"}, d["Labels"]
assert d["Os"] == "linux", d["Os"]
assert len(d["Layers"]) == 1, d["Layers"]
EOF
ok "skopeo inspect shows the title label and one layer"

run_ok "umoci unpack" umoci unpack --rootless --image "$TMP/l:demo" "$TMP/bundle"
same_text "hello.txt in the unpacked rootfs" "Hello from example:demo" \
  "$(cat "$TMP/bundle/rootfs/hello.txt")"
if command -v oci-image-tool > /dev/null; then
  run_ok "oci-image-tool validate" oci-image-tool validate --type image --ref name=demo "$TMP/l"
  ok "oci-image-tool validates the layout"
fi

step "build-tree skopos with SKOPOS_TRANSPORT_PATH: copy example:other -> dir:"
run_ok "skopos copy example:other (build tree)" \
  env SKOPOS_TRANSPORT_PATH="$ext:${SKOPOS_TRANSPORT_PATH:-}" \
  "$SKOPOS" --policy "$POLICY" copy example:other "dir:$TMP/d"
digests dir "$TMP/d" > /dev/null
run_ok "skopeo copy dir -> oci" skopeo_ copy "dir:$TMP/d" "oci:$TMP/l:other"
run_ok "umoci unpack" umoci unpack --rootless --image "$TMP/l:other" "$TMP/bundle2"
same_text "hello.txt names the other image" "Hello from example:other" \
  "$(cat "$TMP/bundle2/rootfs/hello.txt")"

step "the same name gives the same digests"
run_ok "copy example:demo again" isk copy example:demo "dir:$TMP/dd2"
digests dir "$TMP/dd2" > "$TMP/again.digests"
same_file "$TMP/demo.digests" "$TMP/again.digests" "reproducible image"

step "what the example cannot do fails clearly"
rc=0
isk copy "oci:$SAMPLE:latest" example:x > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -ne 0 ] || fail "a copy into the read-only example: transport succeeded"
grep -q example "$TMP/err" || fail "the error does not name the transport: $(cat "$TMP/err")"
ok "copy into example: refused: $(cat "$TMP/err")"
rc=0
isk inspect "example:Not/A/Name" > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -ne 0 ] || fail "inspect of an invalid example: name succeeded"
grep -qF "Not/A/Name" "$TMP/err" || fail "the error does not name the reference: $(cat "$TMP/err")"
ok "invalid name refused: $(cat "$TMP/err")"
rc=0
env -u SKOPOS_TRANSPORT_PATH SKOPOS_TRANSPORT_DIR= "$SKOPOS" --policy "$POLICY" \
  inspect example:demo > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -ne 0 ] || fail "example: was found without its folder on the search path"
grep -q example "$TMP/err" || fail "the error does not name the transport: $(cat "$TMP/err")"
ok "without the module on the path, example: is unknown: $(cat "$TMP/err")"

echo "third-party-transport: all checks passed"
