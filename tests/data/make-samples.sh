#!/bin/bash
# make-samples.sh: regenerates the sample images the integration tests copy around.
#
#   tests/data/sample-oci/        one linux/amd64 image, two layers, Env, Labels, Cmd,
#                                 tagged "latest" and "1.0"
#   tests/data/sample-index-oci/  a multi-platform image index (linux/amd64 and
#                                 linux/arm64, one small layer each), tagged "latest"
#
# Both are built with umoci from real files (this machine's /etc/os-release, a small
# shell script, a text file). Every time stamp is pinned (file mtimes, config "created",
# history entries), so running the script again gives the same blobs and digests; the
# generated layouts are committed, and the tests never run this script.
#
# Usage: tests/data/make-samples.sh [OUTPUT_DIR]   (default: the folder of this script)
# Needs: umoci, python3, sha256sum, tar, gzip.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
stamp='2024-01-02T03:04:05Z'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in umoci python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "make-samples: $tool is needed" >&2; exit 1; }
done

# Files get fixed times, owners and modes so the tar layers are reproducible.
pin_tree ()
{
  chown -R 0:0 "$1"
  find "$1" -type d -exec chmod 0755 {} +
  find "$1" -exec touch -h -d "$stamp" {} +
}

# add_layer LAYOUT TAG SRC_DIR COMMENT: one layer holding the tree SRC_DIR at /.
# (unpack + repack rather than `umoci insert`: umoci 0.4.7's insert writes a tar without
# the last entry's padding and the end-of-archive blocks, which GNU tar rejects.)
add_layer ()
{
  local bundle=$tmp/bundle
  rm -rf "$bundle"
  umoci unpack --rootless --image "$1:$2" "$bundle"
  cp -a "$3/." "$bundle/rootfs/"
  pin_tree "$bundle/rootfs"
  umoci repack --image "$1:$2" --history.created "$stamp" \
    --history.created_by "make-samples.sh: $4" --history.author "skopos tests" "$bundle"
  rm -rf "$bundle"
}

new_image ()
{
  umoci new --image "$1:$2"
  umoci config --image "$1:$2" --no-history --created "$stamp" --os linux \
    --architecture "$3" --author "skopos tests"
}

# ---- sample-oci: a two-layer image --------------------------------------------------
layer1=$tmp/layer1
layer2=$tmp/layer2
mkdir -p "$layer1/etc" "$layer1/usr/share/sample" "$layer2/usr/local/bin"
cp /etc/os-release "$layer1/etc/os-release"
chmod 0644 "$layer1/etc/os-release"
cat > "$layer1/usr/share/sample/README.txt" <<'EOF'
This is the skopos sample image.
It has two layers: this text with /etc/os-release, then /usr/local/bin/hello.sh.
EOF
chmod 0644 "$layer1/usr/share/sample/README.txt"
cat > "$layer2/usr/local/bin/hello.sh" <<'EOF'
#!/bin/sh
# Prints a greeting and the distribution this image was built from.
. /etc/os-release
echo "hello from the skopos sample image (built on ${PRETTY_NAME:-unknown})"
EOF
chmod 0755 "$layer2/usr/local/bin/hello.sh"
pin_tree "$layer1"
pin_tree "$layer2"

img=$tmp/sample-oci
umoci init --layout "$img"
new_image "$img" latest amd64
add_layer "$img" latest "$layer1" "add /etc/os-release and README.txt"
add_layer "$img" latest "$layer2" "add hello.sh"
umoci config --image "$img:latest" --created "$stamp" --history.created "$stamp" \
  --history.created_by "make-samples.sh: set Env, Labels, Cmd" \
  --config.env "PATH=/usr/local/bin:/usr/bin:/bin" --config.env "SAMPLE_GREETING=hello" \
  --config.label "org.opencontainers.image.title=skopos-sample" \
  --config.label "org.opencontainers.image.version=1.0" \
  --config.label "com.example.sample=yes" \
  --config.cmd /usr/local/bin/hello.sh --config.workingdir / \
  --manifest.annotation "org.opencontainers.image.created=$stamp"
umoci tag --image "$img:latest" 1.0
umoci gc --layout "$img"

# ---- sample-index-oci: two platforms under one index ---------------------------------
idx=$tmp/sample-index-oci
umoci init --layout "$idx"
for arch in amd64 arm64; do
  tree=$tmp/tree-$arch
  mkdir -p "$tree/etc"
  printf 'This file belongs to the linux/%s instance of the sample index.\n' "$arch" \
    > "$tree/etc/platform.txt"
  chmod 0644 "$tree/etc/platform.txt"
  pin_tree "$tree"
  new_image "$idx" "$arch" "$arch"
  add_layer "$idx" "$arch" "$tree" "add platform.txt"
  umoci config --image "$idx:$arch" --created "$stamp" --no-history \
    --config.env "PATH=/usr/bin:/bin" --config.label "com.example.arch=$arch" \
    --config.cmd /bin/cat --config.cmd /etc/platform.txt
done

# umoci writes image manifests only; the index blob is assembled here and index.json
# then names that one index, as skopeo and containers/image expect for a list.
python3 - "$idx" <<'EOF'
import hashlib, json, os, sys

layout = sys.argv[1]
with open(os.path.join(layout, "index.json")) as f:
    top = json.load(f)
by_tag = {m["annotations"]["org.opencontainers.image.ref.name"]: m for m in top["manifests"]}
manifests = []
for arch in ("amd64", "arm64"):
    m = by_tag[arch]
    manifests.append({"mediaType": m["mediaType"], "digest": m["digest"], "size": m["size"],
                      "platform": {"architecture": arch, "os": "linux"}})
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
         "manifests": manifests}
data = json.dumps(index, separators=(",", ":")).encode()
digest = hashlib.sha256(data).hexdigest()
with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
    f.write(data)
top["manifests"] = [{"mediaType": "application/vnd.oci.image.index.v1+json",
                     "digest": "sha256:" + digest, "size": len(data),
                     "annotations": {"org.opencontainers.image.ref.name": "latest"}}]
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump(top, f, separators=(",", ":"))
EOF
umoci gc --layout "$idx"

# Blob files are written 0600 by umoci; readable copies are friendlier in a checkout.
for layout in "$img" "$idx"; do
  for b in "$layout"/blobs/sha256/*; do
    if gzip -t "$b" 2>/dev/null; then
      gzip -dc "$b" | tar -tf - >/dev/null || { echo "make-samples: $b: bad tar" >&2; exit 1; }
    fi
  done
  find "$layout" -type f -exec chmod 0644 {} +
  for b in "$layout"/blobs/sha256/*; do
    [ "$(sha256sum < "$b" | cut -d' ' -f1)" = "$(basename "$b")" ] || {
      echo "make-samples: blob $b does not match its name" >&2
      exit 1
    }
  done
  rm -rf "${out:?}/$(basename "$layout")"
  cp -a "$layout" "$out/"
done
du -sh "$out/sample-oci" "$out/sample-index-oci"
