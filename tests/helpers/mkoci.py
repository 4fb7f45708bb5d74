#!/usr/bin/env python3
"""mkoci.py - build small OCI image layouts for the registry tests (registry*.bats), with only
the standard library: each layer a gzip'd tar of the given files, the config's diff_ids, the
manifest, and index.json; optionally a multi-arch index over several images.

  mkoci.py image DIR TAG [--arch A] [--layer SRC:DEST ...] [--random BYTES] [--raw]
      one image; --layer adds a layer with the tree or file SRC at DEST (SRC "busybox:PATH" adds
      PATH's busybox tree at /); --random adds a layer of BYTES random bytes (uncompressed with
      --raw, so that a pull of it streams as fast as the registry sends it)
  mkoci.py index DIR TAG ARCH...
      a multi-arch index of one single-layer image per ARCH (linux/ARCH), each with /arch holding
      ARCH
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def put_blob(layout, data):
    d = hashlib.sha256(data).hexdigest()
    p = os.path.join(layout, "blobs", "sha256")
    os.makedirs(p, exist_ok=True)
    with open(os.path.join(p, d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


def tar_of(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for src, dest in entries:
            if isinstance(src, bytes):
                ti = tarfile.TarInfo(dest.lstrip("/"))
                ti.size = len(src)
                ti.mode = 0o644
                ti.mtime = 0
                t.addfile(ti, io.BytesIO(src))
            else:
                t.add(src, arcname=dest.lstrip("/") or ".", recursive=True)
    return buf.getvalue()


def layer(layout, raw_tar, compress=True):
    diff = "sha256:" + hashlib.sha256(raw_tar).hexdigest()
    if compress:
        data = gzip.compress(raw_tar, compresslevel=1, mtime=0)
        mt = "application/vnd.oci.image.layer.v1.tar+gzip"
    else:
        data = raw_tar
        mt = "application/vnd.oci.image.layer.v1.tar"
    dg, size = put_blob(layout, data)
    return {"mediaType": mt, "digest": dg, "size": size}, diff


def image(layout, layers, arch):
    descs, diffs = zip(*layers) if layers else ((), ())
    config = {
        "architecture": arch,
        "os": "linux",
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin:/usr/bin"]},
        "rootfs": {"type": "layers", "diff_ids": list(diffs)},
    }
    cdg, csize = put_blob(layout, json.dumps(config).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdg,
                   "size": csize},
        "layers": list(descs),
    }
    mdg, msize = put_blob(layout, json.dumps(manifest).encode())
    return {"mediaType": manifest["mediaType"], "digest": mdg, "size": msize}


def write_index(layout, desc, tag):
    desc = dict(desc)
    desc["annotations"] = {"org.opencontainers.image.ref.name": tag}
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [desc]}, f)


def main():
    cmd, layout, tag = sys.argv[1:4]
    args = sys.argv[4:]
    os.makedirs(layout, exist_ok=True)
    if cmd == "index":
        entries = []
        for arch in args:
            l = layer(layout, tar_of([(arch.encode() + b"\n", "/arch")]))
            d = image(layout, [l], arch)
            d["platform"] = {"os": "linux", "architecture": arch}
            entries.append(d)
        idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
               "manifests": entries}
        dg, size = put_blob(layout, json.dumps(idx).encode())
        write_index(layout, {"mediaType": idx["mediaType"], "digest": dg, "size": size}, tag)
        return
    arch, layers, raw, i = "amd64", [], False, 0
    while i < len(args):
        a = args[i]
        if a == "--arch":
            arch = args[i + 1]
            i += 1
        elif a == "--raw":
            raw = True
        elif a == "--layer":
            src, dest = args[i + 1].rsplit(":", 1)
            layers.append(layer(layout, tar_of([(src, dest)])))
            i += 1
        elif a == "--random":
            n = int(args[i + 1])
            layers.append(layer(layout, tar_of([(os.urandom(n), "/random")]), compress=not raw))
            i += 1
        i += 1
    write_index(layout, image(layout, layers, arch), tag)


main()
