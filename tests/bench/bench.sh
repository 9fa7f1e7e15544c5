#!/bin/bash
# bench.sh: prints how long skopos and skopeo take, and how much memory they use, to copy
# and inspect a larger image. Figures only: nothing is asserted, and the test suite
# never runs this script.
#
# Usage: tests/bench/bench.sh [BUILD_DIR]     (default: build; or set SKOPOS)
#   BENCH_LAYERS=3 BENCH_LAYER_MIB=50 BENCH_RUNS=3 BENCH_INSPECT_RUNS=20
#
# The image is made at run time: BENCH_LAYERS layers, each a gzip'ed tar (gzip -1) of
# BENCH_LAYER_MIB MiB of random bytes, in an OCI layout under $TMPDIR (default
# /var/tmp: a tmpfs /tmp would measure memory, not a disk). Each case runs BENCH_RUNS
# times into a fresh destination; the table shows the fastest run's wall time and the
# largest peak RSS. Measured with /usr/bin/time (Debian package "time").
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build=${1:-$source_dir/build}
SKOPOS=${SKOPOS:-$build/tools/skopos/skopos}
layers=${BENCH_LAYERS:-3}
layer_mib=${BENCH_LAYER_MIB:-50}
runs=${BENCH_RUNS:-3}
inspect_runs=${BENCH_INSPECT_RUNS:-20}

[ -x "$SKOPOS" ] || { echo "bench: no skopos at $SKOPOS (build it, or set SKOPOS)" >&2; exit 1; }
if [ -z "${SKOPOS_TRANSPORT_PATH:-}" ] && [ -d "$build/plugins" ]; then
  SKOPOS_TRANSPORT_PATH=$(find "$build/plugins" -name 'libskopos-transport-*.so' -printf '%h\n' |
                          sort -u | paste -sd:)
  export SKOPOS_TRANSPORT_PATH SKOPOS_TRANSPORT_DIR=
fi
for tool in skopeo python3 tar gzip openssl sha256sum; do
  command -v "$tool" > /dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ]; then
  echo "bench: /usr/bin/time is missing: apt-get install time (peak RSS needs it)" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/skopos-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
policy=$tmp/policy.json
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' > "$policy"

# ---- the image -----------------------------------------------------------------------
echo "making $layers layers of $layer_mib MiB random data in $tmp ..."
src=$tmp/src
mkdir -p "$src/blobs/sha256" "$tmp/gen"
for i in $(seq 1 "$layers"); do
  mkdir -p "$tmp/gen/$i"
  head -c "$((layer_mib * 1024 * 1024))" /dev/urandom > "$tmp/gen/$i/data-$i.bin"
  tar -C "$tmp/gen/$i" -cf - . | gzip -1 > "$tmp/gen/layer-$i.tar.gz"
done
python3 - "$tmp/gen" "$src" "$layers" <<'EOF'
import gzip, hashlib, json, os, shutil, sys
gen, layout, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
blobs = os.path.join(layout, "blobs", "sha256")

def sha256_file(path, decompress=False):
    h = hashlib.sha256()
    opener = gzip.open if decompress else open
    with opener(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()

def put(data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, d), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}

layers, diff_ids = [], []
for i in range(1, n + 1):
    path = os.path.join(gen, "layer-%d.tar.gz" % i)
    digest = sha256_file(path)
    diff_ids.append(sha256_file(path, decompress=True))
    shutil.move(path, os.path.join(blobs, digest[7:]))
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                   "digest": digest, "size": os.path.getsize(os.path.join(blobs, digest[7:]))})
config = {"architecture": "amd64", "os": "linux", "created": "2024-01-02T03:04:05Z",
          "config": {"Env": ["PATH=/usr/bin:/bin"]},
          "rootfs": {"type": "layers", "diff_ids": diff_ids}}
cfg = put(json.dumps(config).encode())
cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": cfg, "layers": layers}
m = put(json.dumps(manifest).encode())
m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
m["annotations"] = {"org.opencontainers.image.ref.name": "bench"}
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [m]}, f)
with open(os.path.join(layout, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion": "1.0.0"}')
EOF
rm -rf "$tmp/gen"
total_mib=$(du -sm "$src" | cut -f1)
echo "image: $total_mib MiB in $src"
echo

# measure NAME CMD...: runs CMD $runs times (with a fresh $tmp/dest each time) and
# prints the fastest wall time and the largest peak RSS.
measure ()
{
  local name=$1 n=$2 best="" rss=0 i
  shift 2
  for i in $(seq 1 "$n"); do
    rm -rf "$tmp/dest"
    sync
    /usr/bin/time -f '%e %M' -o "$tmp/time.out" "$@" > /dev/null 2> "$tmp/err" || {
      echo "$name: failed:" >&2
      cat "$tmp/err" >&2
      printf '%-34s %10s %12s\n' "$name" "FAILED" "-"
      return 0
    }
    read -r secs kib < <(tail -1 "$tmp/time.out")
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN {exit !(a < b)}'; then
      best=$secs
    fi
    [ "$kib" -gt "$rss" ] && rss=$kib
  done
  printf '%-34s %10s %9s MiB\n' "$name" "${best}s" "$((rss / 1024))"
}

# An uncompressed copy of the image, to measure compressing on the way (dir -> oci).
"$SKOPOS" --policy "$policy" copy -q --dest-decompress "oci:$src:bench" "dir:$tmp/plain"

printf '%-34s %10s %13s\n' "case (best of $runs)" "wall" "peak RSS"
for tool in skopos skopeo; do
  if [ "$tool" = skopos ]; then cli=$SKOPOS; else cli=$(command -v skopeo); fi
  measure "$tool copy oci -> oci" "$runs" "$cli" --policy "$policy" copy \
    "oci:$src:bench" "oci:$tmp/dest:bench"
  measure "$tool copy oci -> dir" "$runs" "$cli" --policy "$policy" copy \
    "oci:$src:bench" "dir:$tmp/dest"
  measure "$tool copy dir (plain) -> oci (gzip)" "$runs" "$cli" --policy "$policy" copy \
    "dir:$tmp/plain" "oci:$tmp/dest:bench"
  measure "$tool inspect (best of $inspect_runs)" "$inspect_runs" "$cli" inspect "oci:$src:bench"
  measure "$tool inspect --raw" "$inspect_runs" "$cli" inspect --raw "oci:$src:bench"
done
echo

# ---- sha256 throughput ---------------------------------------------------------------
# What hashing costs by itself, for comparison with the copies above (which must hash
# every byte once): OpenSSL uses the CPU's SHA extensions where coreutils does not.
blob=$(find "$src/blobs/sha256" -type f -printf '%s %f\n' | sort -rn | head -1 | cut -d' ' -f2)
blob_mib=$(( $(stat -c %s "$src/blobs/sha256/$blob") / 1024 / 1024 ))
cat "$src/blobs/sha256/$blob" > /dev/null
throughput ()
{
  local name=$1 start end
  shift
  start=$(date +%s.%N)
  "$@" < "$src/blobs/sha256/$blob" > /dev/null
  end=$(date +%s.%N)
  awk -v n="$name" -v s="$start" -v e="$end" -v m="$blob_mib" \
    'BEGIN {printf "%-34s %8.0f MiB/s\n", n, m / (e - s)}'
}
echo "sha256 of one $blob_mib MiB blob (cached):"
throughput "sha256sum (coreutils)" sha256sum
throughput "openssl dgst -sha256" openssl dgst -sha256
throughput "python3 hashlib (OpenSSL)" python3 -c \
  'import hashlib,sys; h=hashlib.sha256()
for c in iter(lambda: sys.stdin.buffer.read(1<<20), b""): h.update(c)'
grep -q -m1 -w sha_ni /proc/cpuinfo && echo "(this CPU has SHA extensions: sha_ni)" ||
  echo "(this CPU has no SHA extensions)"
