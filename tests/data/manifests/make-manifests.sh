#!/bin/bash
# make-manifests.sh: regenerates the manifest fixtures that test-manifest.c and
# test-manifest-convert.c compare skopos against.
#
# Each "*.skopeo.json" file is what the real skopeo (Debian 12, 1.9.3) wrote when it
# converted the matching input, so the unit tests can check that skopos writes the same
# bytes. The inputs are the committed sample layouts (tests/data/sample-*-oci, built
# with umoci) and a few small images assembled here from real tar layers, in skopeo's
# dir: format so that skopeo never tries to fetch a layer URL. digests.txt holds
# `skopeo manifest-digest` for every fixture: an independent answer for the digest
# tests (it strips schema 1 signatures as registries do).
#
# Written by hand and kept as they are (the script leaves them alone, but lists their
# digests too): v2s1-unsigned.json (pretty-printed schema 1 with a repeated top layer),
# v2s1-pretty-signed.json (the same with a libtrust-style JWS block whose protected
# header cuts the payload before the final "\n}"; a real P-256 public key, signature
# not valid), oci-artifact.json, oci-index-annotated.json and v2list-variants.json
# (written in Go's field order so a parse and serialise round trip is byte-exact).
#
# The generated files are committed; the tests never run this script.
#
# Usage: tests/data/manifests/make-manifests.sh   Needs: skopeo, jq, gzip, tar, sha256sum.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
data=$(dirname "$here")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in skopeo jq gzip tar sha256sum; do
  command -v "$tool" >/dev/null || { echo "make-manifests: $tool is needed" >&2; exit 1; }
done

# put_blob DIR FILE: stores FILE in the dir: image DIR under its digest; prints the
# digest and size as `"digest":"sha256:…","size":N` for building manifests by hand.
put_blob ()
{
  local hex
  hex=$(sha256sum "$2" | cut -d' ' -f1)
  cp "$2" "$1/$hex"
  printf '"digest":"sha256:%s","size":%s' "$hex" "$(stat -c %s "$2")"
}

new_dir_image ()
{
  rm -rf "$1"
  mkdir -p "$1"
  printf 'Directory Transport Version: 1.1\n' > "$1/version"
}

# Docker descriptors put size before digest.
docker_desc ()
{
  local hex
  hex=$(sha256sum "$2" | cut -d' ' -f1)
  cp "$2" "$1/$hex"
  printf '"size":%s,"digest":"sha256:%s"' "$(stat -c %s "$2")" "$hex"
}

config_of ()
{
  cat "$1/$(jq -r .config.digest "$1/manifest.json" | cut -d: -f2)"
}

# ---- layers: real tar files with pinned times --------------------------------------
mkdir -p "$tmp/tree1/etc" "$tmp/tree2/opt"
printf 'first layer\n' > "$tmp/tree1/etc/first.txt"
printf 'second layer\n' > "$tmp/tree2/opt/second.txt"
for t in tree1 tree2; do
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=2024-01-02T03:04:05Z \
    -C "$tmp/$t" -cf "$tmp/$t.tar" .
  gzip -n -9 -c "$tmp/$t.tar" > "$tmp/$t.tar.gz"
done

# ---- OCI sample image → Docker schema 2 --------------------------------------------
sample="oci:$data/sample-oci:latest"
skopeo copy -q "$sample" "dir:$tmp/oci-sample"
cp "$tmp/oci-sample/manifest.json" "$here/oci-sample.json"
skopeo copy -q --format v2s2 "$sample" "dir:$tmp/oci-sample-v2s2"
cp "$tmp/oci-sample-v2s2/manifest.json" "$here/oci-sample.v2s2.skopeo.json"

# ---- OCI image with every layer type Docker can hold, and annotations ---------------
img=$tmp/oci-layers
new_dir_image "$img"
printf '{"architecture":"amd64","os":"linux","config":{"Env":["A=<b>&c"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s","sha256:%s","sha256:%s"]}}' \
  "$(sha256sum < "$tmp/tree1.tar" | cut -d' ' -f1)" "$(sha256sum < "$tmp/tree2.tar" | cut -d' ' -f1)" \
  "$(sha256sum < "$tmp/tree1.tar" | cut -d' ' -f1)" "$(sha256sum < "$tmp/tree2.tar" | cut -d' ' -f1)" \
  > "$tmp/oci-layers-config.json"
cfg=$(put_blob "$img" "$tmp/oci-layers-config.json")
l1=$(put_blob "$img" "$tmp/tree1.tar")
l2=$(put_blob "$img" "$tmp/tree2.tar.gz")
cp "$tmp/tree1.tar" "$tmp/tree1-nd.tar" && l3=$(put_blob "$img" "$tmp/tree1-nd.tar")
l4=$(put_blob "$img" "$tmp/tree2.tar.gz")
cat > "$img/manifest.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json",$cfg},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar",$l1},{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",$l2,"annotations":{"org.example.note":"<gzip> & more"}},{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar",$l3},{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",$l4}],"annotations":{"org.opencontainers.image.title":"layers","a.first":"x"}}
EOF
tr -d '\n' < "$img/manifest.json" > "$here/oci-layers.json"
cp "$here/oci-layers.json" "$img/manifest.json"
skopeo copy -q --format v2s2 "dir:$img" "dir:$tmp/oci-layers-v2s2"
cp "$tmp/oci-layers-v2s2/manifest.json" "$here/oci-layers.v2s2.skopeo.json"

# The same image without a mediaType field (allowed before image-spec 1.0.2).
jq -c 'del(.mediaType)' "$here/oci-layers.json" | tr -d '\n' > "$here/oci-nomime.json"
cp "$here/oci-nomime.json" "$img/manifest.json"
skopeo copy -q --format v2s2 "dir:$img" "dir:$tmp/oci-nomime-v2s2"
cp "$tmp/oci-nomime-v2s2/manifest.json" "$here/oci-nomime.v2s2.skopeo.json"

# ---- Docker schema 2 image with a rich config → OCI ---------------------------------
img=$tmp/v2s2-rich
new_dir_image "$img"
d1=$(sha256sum < "$tmp/tree1.tar" | cut -d' ' -f1)
d2=$(sha256sum < "$tmp/tree2.tar" | cut -d' ' -f1)
cat > "$tmp/rich-config.json" <<EOF
{"architecture":"arm","variant":"v7","os":"linux","os.version":"5.10","author":"Jo <jo@example.com> & co","created":"2023-05-01T10:20:30.120000000+02:00","docker_version":"20.10.24","container":"3b1c","container_config":{"Hostname":"3b1c","Cmd":["/bin/sh","-c","#(nop) CMD"]},"config":{"Hostname":"","Domainname":"","User":"1000:1000","AttachStdin":false,"AttachStdout":false,"ExposedPorts":{"80/tcp":{},"443/tcp":{}},"Tty":false,"Env":["PATH=/usr/local/bin:/usr/bin:/bin","GREETING=<hello>"],"Cmd":["sh","-c","echo \u00e9t\u00e9 \u2028 done"],"Healthcheck":{"Test":["NONE"]},"Image":"sha256:0123","Volumes":{"/data":{}},"WorkingDir":"/srv","Entrypoint":null,"OnBuild":null,"Labels":{"z.last":"1","a.first":"2","m":"<&>"},"StopSignal":"SIGTERM","ArgsEscaped":true},"rootfs":{"type":"layers","diff_ids":["sha256:$d1","sha256:$d2","sha256:$d1","sha256:$d2"]},"history":[{"created":"2023-05-01T08:20:30Z","created_by":"/bin/sh -c #(nop) ADD file:1 in / ","empty_layer":false},{"created":"2023-05-01T08:20:31.5Z","created_by":"/bin/sh -c #(nop) CMD","empty_layer":true,"comment":"no layer","author":"Jo"},{"created":"2023-05-01T08:20:32Z","created_by":"ADD second"},{"created":"2023-05-01T08:20:33Z","created_by":"ADD foreign"},{"created":"2023-05-01T08:20:34Z","created_by":"ADD foreign gz"}]}
EOF
cfg=$(docker_desc "$img" "$tmp/rich-config.json")
l1=$(docker_desc "$img" "$tmp/tree1.tar.gz")
l2=$(docker_desc "$img" "$tmp/tree2.tar")
l3=$(docker_desc "$img" "$tmp/tree1.tar")
l4=$(docker_desc "$img" "$tmp/tree2.tar.gz")
printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json",%s},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip",%s},{"mediaType":"application/vnd.docker.image.rootfs.diff.tar",%s},{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar",%s},{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",%s}]}' \
  "$cfg" "$l1" "$l2" "$l3" "$l4" > "$img/manifest.json"
cp "$img/manifest.json" "$here/v2s2-rich.json"
cp "$tmp/rich-config.json" "$here/v2s2-rich.config.json"
skopeo copy -q --format oci "dir:$img" "dir:$tmp/v2s2-rich-oci"
cp "$tmp/v2s2-rich-oci/manifest.json" "$here/v2s2-rich.oci.skopeo.json"
config_of "$tmp/v2s2-rich-oci" > "$here/v2s2-rich.oci-config.skopeo.json"

# ---- OCI index → Docker manifest list, and back --------------------------------------
index="oci:$data/sample-index-oci:latest"
skopeo copy -q --all "$index" "dir:$tmp/index"
cp "$tmp/index/manifest.json" "$here/oci-index.json"
for arch in amd64 arm64; do
  digest=$(jq -r ".manifests[] | select(.platform.architecture == \"$arch\") | .digest" \
    "$here/oci-index.json" | cut -d: -f2)
  cp "$tmp/index/$digest.manifest.json" "$here/oci-index.$arch.json"
done
skopeo copy -q --all --format v2s2 "$index" "dir:$tmp/list"
cp "$tmp/list/manifest.json" "$here/oci-index.v2list.skopeo.json"
for arch in amd64 arm64; do
  digest=$(jq -r ".manifests[] | select(.platform.architecture == \"$arch\") | .digest" \
    "$here/oci-index.v2list.skopeo.json" | cut -d: -f2)
  cp "$tmp/list/$digest.manifest.json" "$here/oci-index.$arch.v2s2.skopeo.json"
  jq -r .config.digest "$tmp/list/$digest.manifest.json" | cut -d: -f2 \
    | xargs -I{} cp "$tmp/list/{}" "$here/oci-index.$arch.v2s2.config.json"
done

skopeo copy -q --all --format oci "dir:$tmp/list" "dir:$tmp/back"
cp "$tmp/back/manifest.json" "$here/v2list.oci-index.skopeo.json"
for arch in amd64 arm64; do
  digest=$(jq -r ".manifests[] | select(.platform.architecture == \"$arch\") | .digest" \
    "$here/v2list.oci-index.skopeo.json" | cut -d: -f2)
  cp "$tmp/back/$digest.manifest.json" "$here/v2list.$arch.oci.skopeo.json"
  jq -r .config.digest "$tmp/back/$digest.manifest.json" | cut -d: -f2 \
    | xargs -I{} cp "$tmp/back/{}" "$here/v2list.$arch.oci-config.skopeo.json"
done

# ---- Docker schema 1, signed by skopeo with a throw-away key -------------------------
skopeo copy -q --format v2s1 "$sample" "dir:$tmp/v2s1"
cp "$tmp/v2s1/manifest.json" "$here/v2s1-signed.skopeo.json"

# ---- digests, as skopeo computes them -------------------------------------------------
: > "$here/digests.txt"
for f in "$here"/*.json; do
  printf '%s %s\n' "$(basename "$f")" "$(skopeo manifest-digest "$f")" >> "$here/digests.txt"
done
echo "make-manifests: wrote $(ls "$here"/*.json | wc -l) fixtures"
