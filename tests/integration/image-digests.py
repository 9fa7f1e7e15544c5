#!/usr/bin/env python3
"""image-digests.py: lists the digests of an image as stored on disk, for the
integration tests to compare what different tools wrote.

  image-digests.py oci LAYOUT [REF]   image named REF in an OCI layout (or its only one)
  image-digests.py dir DIR            image in a containers "dir:" folder
  image-digests.py strip-key KEY      stdin to stdout without the top-level KEY of a
                                      pretty-printed JSON object, bytes otherwise kept

Output, one line each: "top KIND DIGEST SIZE" for what the reference names, then for
every image (each instance of an index, in order) "manifest DIGEST SIZE", "config
DIGEST SIZE" and "layer MEDIATYPE DIGEST SIZE". Every blob named is read and checked
against its digest and size; a missing or bad blob is an error (exit 1), so the same
output from two folders means the same bytes are stored in both.
"""

import hashlib
import json
import os
import re
import sys

DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


def die(msg):
    sys.stderr.write("image-digests: %s\n" % msg)
    sys.exit(1)


def check_digest(digest):
    if not isinstance(digest, str) or not DIGEST_RE.match(digest):
        die("not a sha256 digest: %r" % (digest,))
    return digest[len("sha256:"):]


def read_checked(path, digest, size=None):
    check_digest(digest)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        die("cannot read blob %s: %s" % (digest, e))
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if actual != digest:
        die("%s holds %s, not %s" % (path, actual, digest))
    if size is not None and size != len(data):
        die("%s: descriptor says %d bytes, file has %d" % (digest, size, len(data)))
    return data


def kind_of(doc):
    mt = doc.get("mediaType", "")
    if "manifests" in doc or mt.endswith("index.v1+json") or mt.endswith("list.v2+json"):
        return "index"
    return "manifest"


class Store:
    """Where blobs and instance manifests live for one storage format."""

    def __init__(self, fmt, root):
        self.fmt = fmt
        self.root = root

    def blob(self, digest):
        hexpart = check_digest(digest)
        if self.fmt == "oci":
            return os.path.join(self.root, "blobs", "sha256", hexpart)
        return os.path.join(self.root, hexpart)

    def instance(self, digest):
        hexpart = check_digest(digest)
        if self.fmt == "oci":
            return self.blob(digest)
        return os.path.join(self.root, hexpart + ".manifest.json")


def walk_image(store, digest, size, data, out):
    doc = json.loads(data)
    out.append("manifest %s %d" % (digest, len(data)))
    cfg = doc.get("config")
    if cfg is None:
        die("manifest %s has no config" % digest)
    read_checked(store.blob(cfg["digest"]), cfg["digest"], cfg.get("size"))
    out.append("config %s %d" % (cfg["digest"], cfg["size"]))
    for layer in doc.get("layers", []):
        read_checked(store.blob(layer["digest"]), layer["digest"], layer.get("size"))
        out.append("layer %s %s %d" % (layer.get("mediaType", "?"), layer["digest"],
                                       layer["size"]))


def walk(store, digest, data):
    out = []
    doc = json.loads(data)
    kind = kind_of(doc)
    out.append("top %s %s %d" % (kind, digest, len(data)))
    if kind == "index":
        for m in doc["manifests"]:
            inst = read_checked(store.instance(m["digest"]), m["digest"], m.get("size"))
            plat = m.get("platform", {})
            out.append("instance %s/%s %s" % (plat.get("os", "?"),
                                              plat.get("architecture", "?"), m["digest"]))
            walk_image(store, m["digest"], m.get("size"), inst, out)
    else:
        walk_image(store, digest, len(data), data, out)
    return out


def main_oci(layout, ref):
    try:
        with open(os.path.join(layout, "index.json"), "rb") as f:
            top = json.load(f)
    except (OSError, ValueError) as e:
        die("%s/index.json: %s" % (layout, e))
    descs = top.get("manifests", [])
    if ref:
        descs = [d for d in descs
                 if d.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref]
    if len(descs) != 1:
        die("%s: %d images named %r" % (layout, len(descs), ref))
    d = descs[0]
    store = Store("oci", layout)
    data = read_checked(store.blob(d["digest"]), d["digest"], d.get("size"))
    return walk(store, d["digest"], data)


def main_dir(folder):
    path = os.path.join(folder, "manifest.json")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        die("%s: %s" % (path, e))
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    return walk(Store("dir", folder), digest, data)


def strip_key(key):
    """Removes '    "KEY": ...' (a member of the top-level object, indented by four
    spaces as skopeo prints it) with everything up to the next top-level member, and
    fixes the comma if it was the last one."""
    lines = sys.stdin.read().split("\n")
    out = []
    i = 0
    removed = False
    while i < len(lines):
        line = lines[i]
        if line.startswith('    "%s":' % key):
            removed = True
            i += 1
            while i < len(lines) and not (lines[i].startswith('    "') or lines[i] == "}"):
                i += 1
            if i < len(lines) and lines[i] == "}" and out:
                out[-1] = out[-1].rstrip(",")
            continue
        out.append(line)
        i += 1
    if not removed:
        die("key %r not found at the top level" % key)
    sys.stdout.write("\n".join(out))


def main():
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "oci":
        lines = main_oci(args[1], args[2] if len(args) > 2 else None)
    elif len(args) == 2 and args[0] == "dir":
        lines = main_dir(args[1])
    elif len(args) == 2 and args[0] == "strip-key":
        strip_key(args[1])
        return
    else:
        die("usage: image-digests.py oci LAYOUT [REF] | dir DIR | strip-key KEY")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
