#!/usr/bin/env bats
# rbox system service driven by Debian's Docker SDK for Python (python3-docker) on the newer
# endpoints: events with since/until, image tag/history/save/load/remove/prune, build from a
# context, pause, archive (put/get), diff, commit, update and the prunes.

load api_helpers

@test "api sdk: events, images, build, pause, archive, diff, commit, update, prunes" {
	need_pydocker
	start_service
	mkdir -p "$BATS_TEST_TMPDIR/ctx"
	printf 'FROM busybox\nRUN echo sdk-built >/built\nCMD ["cat", "/built"]\n' >"$BATS_TEST_TMPDIR/ctx/Dockerfile"
	run /usr/bin/python3 - "$API_SOCK" "$BATS_TEST_TMPDIR" <<'PY'
import io, sys, tarfile, time, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1])
tmp = sys.argv[2]
t0 = time.time()
# build, then run what was built
img, logs = c.images.build(path=tmp + "/ctx", tag="sdk/built:1")
print("built", img.id.startswith("sha256:"), any("STEP" in l.get("stream", "") for l in logs))
print("ran", c.containers.run("sdk/built:1", remove=True).decode().strip())
# images: tag, history, save, remove, load, prune
img.tag("sdk/other", "2")
print("history", len(img.history()) >= 1)
data = b"".join(c.images.get("sdk/other:2").save())
c.images.remove("sdk/other:2")
print("tags after rm", sorted(c.images.get("sdk/built:1").tags))
loaded = c.images.load(data)
print("loaded", "sdk/other:2" in [t for i in loaded for t in i.tags])
# a container: pause, archive in and out, diff, commit, update
ct = c.containers.run("busybox", "sleep 1000", detach=True, name="sdkc")
ct.pause(); ct.reload(); print("paused", ct.status)
ct.unpause(); ct.reload(); print("unpaused", ct.status)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as tf:
    info = tarfile.TarInfo("put.txt"); body = b"put-by-sdk\n"; info.size = len(body)
    tf.addfile(info, io.BytesIO(body))
print("put", ct.put_archive("/tmp", buf.getvalue()))
stream, stat = ct.get_archive("/tmp/put.txt")
got = io.BytesIO(b"".join(stream))
with tarfile.open(fileobj=got) as tf:
    print("got", stat["name"], tf.extractfile("put.txt").read().decode().strip())
print("diff", any(d["Path"] == "/tmp/put.txt" for d in ct.diff()))
ct.update(mem_limit="64m")
ct.reload(); print("memory", ct.attrs["HostConfig"]["Memory"])
im = ct.commit(repository="sdk/committed", tag="1")
print("committed", "sdk/committed:1" in im.tags)
ct.remove(force=True)
# events of the past, by time, with a filter
evs = list(c.events(since=int(t0), until=int(time.time()) + 1, decode=True,
                    filters={"container": "sdkc"}))
print("events", sorted(set(e["Action"] for e in evs) & {"create", "start", "pause", "unpause", "destroy"}))
c.volumes.create("sdkvol")
print("volprune", c.volumes.prune()["VolumesDeleted"])
print("imgprune", "ImagesDeleted" in c.images.prune())
PY
	assert_success
	assert_line "built True True"
	assert_line "ran sdk-built"
	assert_line "history True"
	assert_line "tags after rm ['sdk/built:1']"
	assert_line "loaded True"
	assert_line "paused paused"
	assert_line "unpaused running"
	assert_line "put True"
	assert_line "got put.txt put-by-sdk"
	assert_line "diff True"
	assert_line "memory $((64 * 1024 * 1024))"
	assert_line "committed True"
	assert_line "events ['create', 'destroy', 'pause', 'start', 'unpause']"
	assert_line "volprune ['sdkvol']"
	assert_line "imgprune True"
}
