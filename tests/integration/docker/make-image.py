#!/usr/bin/env python3
# make-image.py: writes a small OCI image layout for the docker-archive and
# docker-daemon tests, from files made up on the spot (no registry, no network).
#
#   make-image.py LAYOUT TAG [--layers N] [--compression none|gzip|zstd]...
#                 [--os OS] [--arch ARCH] [--label TEXT]
#
# Each layer holds one text file, /skopos-test/layer-<i>.txt. --compression may be
# given once per layer (the last one repeats). zstd layers are made with the zstd
# tool. Time stamps are pinned, so the same arguments give the same digests. Prints
# the config digest, then the diff IDs, one per line.
import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

STAMP = 1704164645  # 2024-01-02T03:04:05Z


def layer_tar(index, label):
    data = f"layer {index} of the {label} test image\n".encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("skopos-test")
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        info.mtime = STAMP
        tar.addfile(info)
        info = tarfile.TarInfo(f"skopos-test/layer-{index}.txt")
        info.size = len(data)
        info.mode = 0o644
        info.mtime = STAMP
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def compress(data, how):
    if how == "none":
        return data, "application/vnd.oci.image.layer.v1.tar"
    if how == "gzip":
        return (gzip.compress(data, mtime=0),
                "application/vnd.oci.image.layer.v1.tar+gzip")
    if how == "zstd":
        out = subprocess.run(["zstd", "-q", "-c", "-"], input=data, check=True,
                             stdout=subprocess.PIPE).stdout
        return out, "application/vnd.oci.image.layer.v1.tar+zstd"
    sys.exit(f"make-image: unknown compression {how}")


def write_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return "sha256:" + digest


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("layout")
    parser.add_argument("tag")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--compression", action="append", default=[])
    parser.add_argument("--os", default="linux")
    parser.add_argument("--arch", default="amd64")
    parser.add_argument("--label", default="skopos")
    args = parser.parse_args()

    os.makedirs(os.path.join(args.layout, "blobs", "sha256"), exist_ok=True)
    kinds = args.compression or ["gzip"]
    layers, diff_ids = [], []
    for i in range(args.layers):
        plain = layer_tar(i, args.label)
        diff_ids.append("sha256:" + hashlib.sha256(plain).hexdigest())
        data, media_type = compress(plain, kinds[min(i, len(kinds) - 1)])
        layers.append({"mediaType": media_type, "digest": write_blob(args.layout, data),
                       "size": len(data)})

    config = {
        "created": "2024-01-02T03:04:05Z",
        "architecture": args.arch,
        "os": args.os,
        "config": {"Env": ["PATH=/usr/bin:/bin"], "Labels": {"test": args.label}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2024-01-02T03:04:05Z", "created_by": f"layer {i}"}
                    for i in range(args.layers)],
    }
    config_bytes = json.dumps(config, separators=(",", ":")).encode()
    config_digest = write_blob(args.layout, config_bytes)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": len(config_bytes)},
        "layers": layers,
    }
    manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode()
    manifest_digest = write_blob(args.layout, manifest_bytes)

    index_path = os.path.join(args.layout, "index.json")
    index = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = json.load(f)
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name")
                          != args.tag]
    index["manifests"].append({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": manifest_digest, "size": len(manifest_bytes),
        "annotations": {"org.opencontainers.image.ref.name": args.tag}})
    with open(index_path, "w") as f:
        json.dump(index, f, separators=(",", ":"))
    with open(os.path.join(args.layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')

    print(config_digest)
    for d in diff_ids:
        print(d)


if __name__ == "__main__":
    main()
