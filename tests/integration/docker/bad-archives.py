#!/usr/bin/env python3
# bad-archives.py: writes docker archives that must be refused, and two that must
# not, into a folder, with a list of what each one's error has to say.
#
#   bad-archives.py DIR
#
# DIR/cases lists one archive per line: NAME<TAB>EXPECTED ("ok" for the good ones,
# else a piece of the error message). Every archive holds the same small image (a
# config and two layers), broken in one way.
import hashlib
import io
import json
import os
import sys
import tarfile

STAMP = 1704164645


def layer(text):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        data = text.encode()
        info = tarfile.TarInfo("data.txt")
        info.size = len(data)
        info.mtime = STAMP
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


LAYERS = [layer("first layer\n"), layer("second layer\n")]
DIFF_IDS = ["sha256:" + hashlib.sha256(x).hexdigest() for x in LAYERS]
CONFIG = json.dumps({"architecture": "amd64", "os": "linux",
                     "config": {"Labels": {"test": "bad-archives"}},
                     "rootfs": {"type": "layers", "diff_ids": DIFF_IDS}},
                    separators=(",", ":")).encode()
CONFIG_NAME = hashlib.sha256(CONFIG).hexdigest() + ".json"


class Archive:
    def __init__(self, path):
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.GNU_FORMAT)
        self.path = path

    def file(self, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = STAMP
        self.tar.addfile(info, io.BytesIO(data))

    def link(self, name, target, hard=False):
        info = tarfile.TarInfo(name)
        info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
        info.linkname = target
        info.mtime = STAMP
        self.tar.addfile(info)

    def manifest(self, config=CONFIG_NAME, layers=("l0.tar", "l1.tar")):
        item = [{"Config": config, "RepoTags": ["example.com/bad:1"], "Layers": list(layers)}]
        self.file("manifest.json", json.dumps(item).encode())

    def close(self, cut=None):
        self.tar.close()
        data = self.buf.getvalue()
        with open(self.path, "wb") as f:
            f.write(data[:cut] if cut else data)


def standard(a, config=CONFIG, layers=LAYERS):
    a.file(CONFIG_NAME, config)
    a.file("l0.tar", layers[0])
    a.file("l1.tar", layers[1])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cases = []

    def case(name, expected, build, cut=None):
        a = Archive(os.path.join(out, name + ".tar"))
        build(a)
        a.close(cut)
        cases.append((name, expected))

    # Accepted: layers reached through a symbolic link and a hard link, names with "./".
    def good_links(a):
        a.file("./" + CONFIG_NAME, CONFIG)
        a.file("blobs/real0.tar", LAYERS[0])
        a.file("blobs/real1.tar", LAYERS[1])
        a.link("legacy/layer.tar", "../blobs/real0.tar")
        a.link("hard.tar", "blobs/real1.tar", hard=True)
        a.manifest(config="./" + CONFIG_NAME, layers=("legacy/layer.tar", "./hard.tar"))
    case("good-links", "ok", good_links)

    def dotdot(a):
        standard(a)
        a.file("ok/../../escape", b"x")
        a.manifest()
    case("dotdot", "'..'", dotdot)

    def absolute(a):
        standard(a)
        a.file("/tmp/skopos-absolute-member", b"x")
        a.manifest()
    case("absolute", "absolute name", absolute)

    def symlink_out(a):
        standard(a)
        a.link("evil.tar", "../../../etc/passwd")
        a.manifest(layers=("l0.tar", "evil.tar"))
    case("symlink-out", "outside the archive", symlink_out)

    def symlink_absolute(a):
        standard(a)
        a.link("evil.tar", "/etc/passwd")
        a.manifest(layers=("l0.tar", "evil.tar"))
    case("symlink-absolute", "outside the archive", symlink_absolute)

    def hardlink_out(a):
        standard(a)
        a.link("evil.tar", "../outside.tar", hard=True)
        a.manifest(layers=("l0.tar", "evil.tar"))
    case("hardlink-out", "outside the archive", hardlink_out)

    def missing_layer(a):
        standard(a)
        a.manifest(layers=("l0.tar", "gone.tar"))
    case("missing-layer", "no such member", missing_layer)

    def missing_config(a):
        a.file("l0.tar", LAYERS[0])
        a.file("l1.tar", LAYERS[1])
        a.manifest()
    case("missing-config", "no such member", missing_config)

    def dangling(a):
        standard(a)
        a.link("dangling.tar", "nowhere.tar")
        a.manifest(layers=("l0.tar", "dangling.tar"))
    case("dangling-link", "not in the archive", dangling)

    def config_digest(a):
        standard(a, config=CONFIG.replace(b"bad-archives", b"tampered!!!!"))
        a.manifest()
    case("config-digest", "does not match the digest", config_digest)

    def layer_digest(a):
        standard(a, layers=[LAYERS[0], layer("not the second layer\n")])
        a.manifest()
    case("layer-digest", "digest", layer_digest)

    def duplicate(a):
        standard(a)
        a.file("l1.tar", LAYERS[0])
        a.manifest()
    case("duplicate", "twice", duplicate)

    def no_manifest(a):
        standard(a)
    case("no-manifest", "no manifest.json", no_manifest)

    def layer_count(a):
        standard(a)
        a.manifest(layers=("l0.tar",))
    case("layer-count", "inconsistent", layer_count)

    def not_json(a):
        standard(a)
        a.file("manifest.json", b"[{\"Config\": ")
    case("not-json", "not JSON", not_json)

    def truncated(a):
        standard(a)
        a.manifest()
    # Cut inside the first layer's data: its header promises more than there is.
    case("truncated", "Truncated", truncated, cut=512 * 4 + 100)

    with open(os.path.join(out, "cases"), "w") as f:
        for name, expected in cases:
            f.write(f"{name}\t{expected}\n")


if __name__ == "__main__":
    main()
