#!/usr/bin/env bats
# The layered image store: OCI layouts with several layers and whiteouts, rbox load / save
# against skopeo and podman, the image config at run, tag / history / prune / rmi, sharing of
# layers, many layers in one overlay, crash safety.

load helpers

# A layer directory: the busybox binary and sh.
base_tree() {
	local d=$1
	mkdir -p "$d/bin" "$d/etc" "$d/tmp"
	cp /bin/busybox "$d/bin/busybox"
	local a
	for a in sh cat echo id ls pwd sleep test true; do
		ln -sf busybox "$d/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nweb:x:1500:1500:web:/srv:/bin/sh\n' >"$d/etc/passwd"
	printf 'root:x:0:\nweb:x:1500:\n' >"$d/etc/group"
}

# mk_layout OUT KIND COMP CONFIG LAYERDIR...: an OCI image layout by hand.
# KIND oci|docker (manifest and layer media types), COMP none|gzip|zstd, CONFIG the JSON of
# the config's "config" object.
mk_layout() {
	local out=$1 kind=$2 comp=$3 cfg=$4
	shift 4
	mkdir -p "$out/blobs/sha256"
	local diffs="[]" layers="[]" d f dig size diff lmt
	for d in "$@"; do
		tar -C "$d" --numeric-owner --sort=name --mtime=@0 -cf "$out/l.tar" .
		diff=$(sha256sum "$out/l.tar" | cut -d' ' -f1)
		case $comp in
		gzip) gzip -n "$out/l.tar" && f=$out/l.tar.gz ;;
		zstd) zstd -q --rm "$out/l.tar" && f=$out/l.tar.zst ;;
		*) f=$out/l.tar ;;
		esac
		if [ "$kind" = docker ]; then
			lmt=application/vnd.docker.image.rootfs.diff.tar.gzip
		else
			lmt=application/vnd.oci.image.layer.v1.tar
			[ "$comp" = none ] || lmt="$lmt+$comp"
		fi
		dig=$(sha256sum "$f" | cut -d' ' -f1)
		size=$(stat -c %s "$f")
		mv "$f" "$out/blobs/sha256/$dig"
		diffs=$(jq -c --arg d "sha256:$diff" '. + [$d]' <<<"$diffs")
		layers=$(jq -c --arg m "$lmt" --arg d "sha256:$dig" --argjson s "$size" \
			'. + [{mediaType: $m, digest: $d, size: $s}]' <<<"$layers")
	done
	local mmt=application/vnd.oci.image.manifest.v1+json cmt=application/vnd.oci.image.config.v1+json
	if [ "$kind" = docker ]; then
		mmt=application/vnd.docker.distribution.manifest.v2+json
		cmt=application/vnd.docker.container.image.v1+json
	fi
	jq -cn --argjson c "$cfg" --argjson d "$diffs" \
		'{created: "2024-01-02T03:04:05Z", architecture: "amd64", os: "linux", config: $c,
		  rootfs: {type: "layers", diff_ids: $d},
		  history: [$d[] | {created: "2024-01-02T03:04:05Z", created_by: "layer"}]}' >"$out/c.json"
	local cd cs
	cd=$(sha256sum "$out/c.json" | cut -d' ' -f1)
	cs=$(stat -c %s "$out/c.json")
	mv "$out/c.json" "$out/blobs/sha256/$cd"
	jq -cn --arg mt "$mmt" --arg cmt "$cmt" --arg cd "sha256:$cd" --argjson cs "$cs" --argjson l "$layers" \
		'{schemaVersion: 2, mediaType: $mt, config: {mediaType: $cmt, digest: $cd, size: $cs}, layers: $l}' >"$out/m.json"
	local md ms
	md=$(sha256sum "$out/m.json" | cut -d' ' -f1)
	ms=$(stat -c %s "$out/m.json")
	mv "$out/m.json" "$out/blobs/sha256/$md"
	jq -cn --arg mt "$mmt" --arg md "sha256:$md" --argjson ms "$ms" \
		'{schemaVersion: 2, manifests: [{mediaType: $mt, digest: $md, size: $ms,
		  annotations: {"org.opencontainers.image.ref.name": "t"}}]}' >"$out/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
}

# Three layers: a base, then whiteouts (a file, an opaque dir), then one more file.
whiteout_layers() {
	local t=$BATS_TEST_TMPDIR
	base_tree "$t/L1"
	mkdir -p "$t/L1/gone" "$t/L1/keep"
	echo a >"$t/L1/etc/a"
	echo x >"$t/L1/gone/x"
	echo k >"$t/L1/keep/k"
	mkdir -p "$t/L2/etc" "$t/L2/gone"
	: >"$t/L2/etc/.wh.a"
	: >"$t/L2/gone/.wh..wh..opq"
	echo y >"$t/L2/gone/y"
	mkdir -p "$t/L3/etc"
	echo c >"$t/L3/etc/c"
	printf 'root:x:0:\nweb:x:1500:\nextra:x:2000:web\n' >"$t/L3/etc/group"
}

# podman with a private store (never the host's).
podman_priv() {
	podman --root "$BATS_TEST_TMPDIR/podman/root" --runroot "$BATS_TEST_TMPDIR/podman/run" \
		--storage-driver vfs "$@"
}

@test "load: skopeo's oci-archive and docker-archive of a 3-layer image with whiteouts run" {
	requires cmd:skopeo
	whiteout_layers
	local t=$BATS_TEST_TMPDIR c
	for c in gzip zstd none; do
		mk_layout "$t/lay-$c" oci "$c" '{"Cmd":["sh","-c","ls /etc /gone /keep"]}' "$t/L1" "$t/L2" "$t/L3"
	done
	skopeo copy -q "oci:$t/lay-gzip:t" "oci-archive:$t/o.tar:multi:gz"
	skopeo copy -q "oci:$t/lay-zstd:t" "oci-archive:$t/z.tar:multi:zst"
	skopeo copy -q "oci:$t/lay-none:t" "docker-archive:$t/d.tar:multi:plain"
	run rbox load -i "$t/o.tar"
	assert_success
	assert_output "Loaded image: multi:gz"
	run rbox load <"$t/z.tar"
	assert_output "Loaded image: multi:zst"
	run rbox load -i "$t/d.tar"
	assert_output "Loaded image: multi:plain"
	for c in gz zst plain; do
		run rbox run --rm "multi:$c"
		assert_success
		refute_line a
		refute_line x
		assert_line y
		assert_line c
		assert_line k
	done
	# users from the merged /etc: passwd from the base layer, group from the top one
	run rbox run --rm -u web multi:gz id
	assert_output "uid=1500(web) gid=1500(web) groups=2000(extra)"
	# the layers: compressed blobs kept as they came; each diff unpacked once for all three
	assert_equal "$(rbox image inspect multi:gz | jq -r '.[0].RootFS.Layers | length')" 3
	assert_equal "$(rbox image inspect multi:gz | jq -c '.[0].RootFS.Layers')" \
		"$(rbox image inspect multi:plain | jq -c '.[0].RootFS.Layers')"
	assert_equal "$(ls "$RBOX_ROOT/images/layers" | wc -l)" 3
	# overlay's whiteouts on disk: a 0/0 char device and an opaque dir
	local l2
	l2=$(rbox image inspect multi:gz | jq -r '.[0].RootFS.Layers[1]')
	l2=$RBOX_ROOT/images/layers/${l2#sha256:}/diff
	assert_equal "$(stat -c '%F %t:%T' "$l2/etc/a")" "character special file 0:0"
	run python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$l2/gone"
	assert_output y
}

@test "load: a Docker schema 2 manifest (docker media types) in an oci-archive" {
	base_tree "$BATS_TEST_TMPDIR/B"
	mk_layout "$BATS_TEST_TMPDIR/lay" docker gzip '{"Cmd":["echo","schema2"]}' "$BATS_TEST_TMPDIR/B"
	tar -C "$BATS_TEST_TMPDIR/lay" -cf "$BATS_TEST_TMPDIR/s2.tar" oci-layout index.json blobs
	run rbox load -i "$BATS_TEST_TMPDIR/s2.tar"
	assert_success
	assert_output "Loaded image: t:latest"
	run rbox run --rm t
	assert_output schema2
	assert_equal "$(rbox image inspect t | jq -r '.[0].ManifestMediaType')" \
		application/vnd.docker.distribution.manifest.v2+json
}

@test "save | load: byte-identical layer digests, both formats; skopeo and podman read them" {
	requires cmd:skopeo cmd:podman
	whiteout_layers
	local t=$BATS_TEST_TMPDIR
	mk_layout "$t/lay" oci gzip '{"Cmd":["sh","-c","ls /gone"]}' "$t/L1" "$t/L2" "$t/L3"
	skopeo copy -q "oci:$t/lay:t" "oci-archive:$t/in.tar:rt:1"
	rbox load -i "$t/in.tar" >/dev/null
	local id diffs blobs
	id=$(rbox image inspect rt:1 | jq -r '.[0].Id')
	diffs=$(rbox image inspect rt:1 | jq -c '.[0].RootFS.Layers')
	blobs=$(skopeo inspect "oci-archive:$t/in.tar" | jq -c .Layers)
	rbox save -o "$t/d.tar" rt:1
	rbox save --format oci-archive -o "$t/o.tar" rt:1
	# docker-archive: plain tars (the diff IDs); oci-archive: the blobs as they came
	assert_equal "$(skopeo inspect "docker-archive:$t/d.tar" | jq -c .Layers)" "$diffs"
	assert_equal "$(skopeo inspect "oci-archive:$t/o.tar" | jq -c .Layers)" "$blobs"
	assert_equal "$(tar -xOf "$t/d.tar" manifest.json | jq -r '.[0].RepoTags[0]')" rt:1
	# podman loads both, with the same image ID and layers
	run podman_priv load -i "$t/d.tar"
	assert_success
	run podman_priv load -i "$t/o.tar"
	assert_success
	assert_equal "$(podman_priv image inspect "${id#sha256:}" | jq -c '.[0].RootFS.Layers')" "$diffs"
	# and back into an empty store
	rbox rmi rt:1 >/dev/null
	for f in d o; do
		run rbox load -i "$t/$f.tar"
		assert_success
		assert_equal "$(rbox image inspect rt:1 | jq -r '.[0].Id')" "$id"
		assert_equal "$(rbox image inspect rt:1 | jq -c '.[0].RootFS.Layers')" "$diffs"
		run rbox run --rm rt:1
		assert_output y
		rbox rmi rt:1 >/dev/null
	done
	# stdout, and never to a terminal
	rbox save busybox | tar -t | grep -qx manifest.json
	run -125 script -qec "$RBOX_BIN save busybox" /dev/null
	assert_output --partial "refusing to write an archive to a terminal"
	run -125 rbox save --format tar -o "$t/x.tar" busybox
	assert_output --partial 'invalid value "tar" for --format'
	assert_file_not_exists "$t/x.tar"
}

@test "run: the image config (Entrypoint, Cmd, Env, WorkingDir, User, StopSignal, Labels)" {
	base_tree "$BATS_TEST_TMPDIR/B"
	mkdir -p "$BATS_TEST_TMPDIR/B/srv/app"
	mk_layout "$BATS_TEST_TMPDIR/lay" oci gzip '{"Entrypoint":["/bin/sh","-c"],
		"Cmd":["echo $FOO $BAR; pwd; id -u"], "Env":["PATH=/bin","FOO=foo","BAR=bar"],
		"WorkingDir":"/srv/app","User":"web","StopSignal":"SIGUSR1",
		"Labels":{"org.example.a":"1","b":"2"},"ExposedPorts":{"80/tcp":{}}}' "$BATS_TEST_TMPDIR/B"
	tar -C "$BATS_TEST_TMPDIR/lay" -cf "$BATS_TEST_TMPDIR/c.tar" oci-layout index.json blobs
	rbox load -i "$BATS_TEST_TMPDIR/c.tar" >/dev/null
	run rbox run --name cfg t
	assert_success
	assert_output "foo bar
/srv/app
1500"
	assert_equal "$(inspect_field cfg .Config.StopSignal)" SIGUSR1
	assert_equal "$(inspect_field cfg '.Config.Labels."org.example.a"')" 1
	rbox rm cfg >/dev/null
	# flags win: -e, -w, -u, a command replaces Cmd only, --entrypoint drops Cmd
	run rbox run --rm -e FOO=mine -w / -u 0 --label b=3 t 'echo $FOO $BAR; pwd; id -u'
	assert_output "mine bar
/
0"
	run rbox run --rm --entrypoint /bin/echo t hello
	assert_output hello
	run rbox image inspect t
	assert_equal "$(jq -c '.[0].Config.ExposedPorts' <<<"$output")" '{"80/tcp":{}}'
	assert_equal "$(jq -r '.[0].Config.Labels.b' <<<"$output")" 2
	# no Entrypoint, no Cmd, no command: refused as docker does
	mk_layout "$BATS_TEST_TMPDIR/lay2" oci gzip '{}' "$BATS_TEST_TMPDIR/B"
	sed -i 's/"t"/"nocmd"/' "$BATS_TEST_TMPDIR/lay2/index.json"
	tar -C "$BATS_TEST_TMPDIR/lay2" -cf "$BATS_TEST_TMPDIR/n.tar" oci-layout index.json blobs
	rbox load -i "$BATS_TEST_TMPDIR/n.tar" >/dev/null
	run -125 rbox run nocmd
	assert_output "rbox: no command specified (image nocmd has no default command)"
	assert_equal "$(ls -A "$RBOX_ROOT/containers")" ""
}

@test "overlay: 60 layers in one mount, the options well under a page" {
	base_tree "$BATS_TEST_TMPDIR/L0"
	local dirs=("$BATS_TEST_TMPDIR/L0") i
	for i in $(seq 1 60); do
		mkdir -p "$BATS_TEST_TMPDIR/L$i"
		echo "$i" >"$BATS_TEST_TMPDIR/L$i/f$i"
		dirs+=("$BATS_TEST_TMPDIR/L$i")
	done
	mk_layout "$BATS_TEST_TMPDIR/lay" oci none '{"Cmd":["sh","-c","cat /f1 /f30 /f60; sleep 100"]}' "${dirs[@]}"
	tar -C "$BATS_TEST_TMPDIR/lay" -cf "$BATS_TEST_TMPDIR/m.tar" oci-layout index.json blobs
	rbox load -i "$BATS_TEST_TMPDIR/m.tar" >/dev/null
	assert_equal "$(rbox image inspect t | jq '.[0].RootFS.Layers | length')" 61
	rbox run -d --name many t >/dev/null
	wait_for 100 0.1 sh -c "'$RBOX_BIN' logs many | grep -qx 60"
	run rbox logs many
	assert_output "1
30
60"
	local line
	line=$(grep -F " $RBOX_RUNROOT/containers/$(ctr_id many)/rootfs " /proc/self/mountinfo)
	[[ $line == *lowerdir=l/* ]]
	# the whole option string (what mount(2) got) fits one page with room to spare
	local opts=${line##* - overlay overlay }
	echo "overlay options: ${#opts} bytes for 61 layers"
	[ "${#opts}" -lt 4096 ]
	rbox rm -f many >/dev/null
}

@test "tag, history, images --digests --no-trunc --filter, rmi by tag, ID and digest" {
	base_tree "$BATS_TEST_TMPDIR/B"
	mk_layout "$BATS_TEST_TMPDIR/lay" oci gzip '{"Cmd":["true"],"Labels":{"tier":"web"}}' "$BATS_TEST_TMPDIR/B"
	tar -C "$BATS_TEST_TMPDIR/lay" -cf "$BATS_TEST_TMPDIR/a.tar" oci-layout index.json blobs
	rbox load -i "$BATS_TEST_TMPDIR/a.tar" >/dev/null
	run rbox tag t localhost:5000/team/app:v2
	assert_success
	run rbox tag t 'Bad Name'
	assert_failure
	assert_output --partial 'invalid image reference "Bad Name"'
	local id digest
	id=$(rbox image inspect t | jq -r '.[0].Id')
	digest=$(rbox image inspect t | jq -r '.[0].Digest')
	run rbox image inspect t
	assert_equal "$(jq -c '.[0].RepoTags' <<<"$output")" '["t:latest","localhost:5000/team/app:v2"]'
	assert_equal "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" "t@$digest"
	run rbox images --digests --no-trunc
	assert_line --regexp "^localhost:5000/team/app +v2 +$digest +$id "
	run rbox images --filter label=tier=web --format '{{.Repository}}:{{.Tag}}'
	assert_output "t:latest
localhost:5000/team/app:v2"
	run rbox images --filter reference='local*/*/*' -q
	assert_output "${id:7:12}"
	run rbox images --filter dangling=true -q
	assert_output ""
	run -125 rbox images --filter color=red
	assert_output --partial 'invalid value "color=red" for --filter'
	run rbox history t
	assert_success
	assert_line --index 0 --regexp '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$'
	assert_line --index 1 --regexp "^${id:7:12} +.* ago +layer +[0-9.]+MB"
	# several names: by ID needs -f
	run -125 rbox rmi "${id:7:12}"
	assert_output --partial "must be forced"
	run rbox rmi localhost:5000/team/app:v2
	assert_output "Untagged: localhost:5000/team/app:v2"
	run rbox image inspect "t@$digest"
	assert_equal "$(jq -r '.[0].Id' <<<"$output")" "$id"
	run rbox rmi "t@$digest"
	assert_success
	assert_line "Untagged: t:latest"
	assert_line "Deleted: $id"
	run -125 rbox image inspect "$id"
	assert_output --partial "no such image"
}

@test "images --filter before= and since= compare creation times; an unknown image is refused" {
	base_tree "$BATS_TEST_TMPDIR/B"
	tar -C "$BATS_TEST_TMPDIR/B" -cf "$BATS_TEST_TMPDIR/b.tar" .
	rbox image import "$BATS_TEST_TMPDIR/b.tar" first >/dev/null
	sleep 0.05
	rbox image import "$BATS_TEST_TMPDIR/b.tar" second:v1 >/dev/null
	run rbox images --filter since=first --format '{{.Repository}}:{{.Tag}}'
	assert_success
	assert_output "second:v1"
	run rbox images --filter before=second:v1 --format '{{.Repository}}'
	assert_output "first"
	run rbox images --filter since=first --filter before=second:v1 -q
	assert_output ""
	run -125 rbox images --filter before=nosuch
	assert_output --partial "--filter before=nosuch"
	assert_equal "${#lines[@]}" 1
}

@test "layers shared by images are stored once; rmi and prune remove only what nothing uses" {
	base_tree "$BATS_TEST_TMPDIR/B"
	mkdir -p "$BATS_TEST_TMPDIR/X" "$BATS_TEST_TMPDIR/Y"
	echo x >"$BATS_TEST_TMPDIR/X/x"
	echo y >"$BATS_TEST_TMPDIR/Y/y"
	local n
	for n in x y; do
		mk_layout "$BATS_TEST_TMPDIR/lay$n" oci gzip '{"Cmd":["ls","/"]}' "$BATS_TEST_TMPDIR/B" "$BATS_TEST_TMPDIR/${n^}"
		sed -i "s/\"t\"/\"img$n\"/" "$BATS_TEST_TMPDIR/lay$n/index.json"
		tar -C "$BATS_TEST_TMPDIR/lay$n" -cf "$BATS_TEST_TMPDIR/$n.tar" oci-layout index.json blobs
		rbox load -i "$BATS_TEST_TMPDIR/$n.tar" >/dev/null
	done
	local base
	base=$(rbox image inspect imgx | jq -r '.[0].RootFS.Layers[0]')
	assert_equal "$(rbox image inspect imgy | jq -r '.[0].RootFS.Layers[0]')" "$base"
	assert_equal "$(ls "$RBOX_ROOT/images/layers" | wc -l)" 3
	rbox create --name usey imgy >/dev/null
	run rbox rmi imgx
	assert_success
	assert_equal "$(ls "$RBOX_ROOT/images/layers" | wc -l)" 2
	assert_dir_exists "$RBOX_ROOT/images/layers/${base#sha256:}/diff"
	# imgy is used: prune -a keeps it
	run rbox image prune -a -f
	assert_success
	assert_line --regexp '^Total reclaimed space: '
	rbox image inspect imgy >/dev/null
	run rbox start -a usey
	assert_line y
	rbox rm usey >/dev/null
	run rbox image prune -a -f
	assert_line "untagged: imgy:latest"
	run rbox images -q
	assert_output ""
	assert_equal "$(ls -A "$RBOX_ROOT/images/layers" "$RBOX_ROOT/images/blobs/sha256" "$RBOX_ROOT/images/l" | grep -v -e : -e '^$' || true)" ""
	# without -f it asks
	run rbox image prune <<<"n"
	assert_output --partial "Are you sure you want to continue?"
}

@test "import: - reads stdin; an image archive is refused and pointed to rbox load" {
	base_tree "$BATS_TEST_TMPDIR/B"
	echo marker >"$BATS_TEST_TMPDIR/B/marker"
	tar -C "$BATS_TEST_TMPDIR/B" -czf "$BATS_TEST_TMPDIR/r.tgz" .
	run rbox import - fromstdin <"$BATS_TEST_TMPDIR/r.tgz"
	assert_success
	run rbox run --rm fromstdin cat /marker
	assert_output marker
	rbox save -o "$BATS_TEST_TMPDIR/saved.tar" fromstdin
	run -125 rbox import "$BATS_TEST_TMPDIR/saved.tar" wrong
	assert_output --partial "image archive"
	assert_output --partial "rbox load"
	assert_equal "${#lines[@]}" 1
	rbox save --format oci-archive -o "$BATS_TEST_TMPDIR/saved-oci.tar" fromstdin
	run -125 rbox import - wrong <"$BATS_TEST_TMPDIR/saved-oci.tar"
	assert_output --partial "rbox load"
	run rbox images --format '{{.Repository}}'
	refute_line wrong
	assert_equal "$(ls -A "$RBOX_ROOT/images/tmp")" ""
}

@test "load: a corrupt blob is refused with its digest; a killed load leaves nothing half-made" {
	base_tree "$BATS_TEST_TMPDIR/B"
	mk_layout "$BATS_TEST_TMPDIR/lay" oci gzip '{"Cmd":["true"]}' "$BATS_TEST_TMPDIR/B"
	tar -C "$BATS_TEST_TMPDIR/lay" -cf "$BATS_TEST_TMPDIR/good.tar" oci-layout index.json blobs
	local layer
	layer=$(jq -r '.layers[0].digest' "$BATS_TEST_TMPDIR/lay/blobs/sha256/$(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/lay/index.json" | cut -d: -f2)")
	# flip bytes in the middle of the layer blob (same size)
	printf 'XXXX' | dd of="$BATS_TEST_TMPDIR/lay/blobs/sha256/${layer#sha256:}" bs=1 seek=1000 conv=notrunc status=none
	tar -C "$BATS_TEST_TMPDIR/lay" -cf "$BATS_TEST_TMPDIR/bad.tar" oci-layout index.json blobs
	run -125 rbox load -i "$BATS_TEST_TMPDIR/bad.tar"
	assert_output --partial "blob $layer is corrupt"
	assert_equal "${#lines[@]}" 1
	run rbox images -q
	assert_output ""
	assert_equal "$(ls -A "$RBOX_ROOT/images/tmp" "$RBOX_ROOT/images/layers")" "$RBOX_ROOT/images/layers:

$RBOX_ROOT/images/tmp:"
	# a load killed while it reads its input: no image, and the next command removes its
	# staging dir (a live one, flock'd, is left alone)
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	"$RBOX_BIN" load -i "$BATS_TEST_TMPDIR/fifo" 3>&- &
	local pid=$!
	exec 4>"$BATS_TEST_TMPDIR/fifo"
	head -c 100000 "$BATS_TEST_TMPDIR/good.tar" >&4
	wait_for 100 0.1 test -d "$RBOX_ROOT/images/tmp/$(ls "$RBOX_ROOT/images/tmp" | head -1)/x"
	# another load meanwhile cleans tmp/ under the store lock, but not the live dir
	run rbox load -i "$BATS_TEST_TMPDIR/good.tar"
	assert_success
	assert_equal "$(ls -A "$RBOX_ROOT/images/tmp" | wc -l)" 1
	kill -9 "$pid"
	wait "$pid" || true
	exec 4>&-
	assert_equal "$(rbox images -q | wc -l)" 1
	run rbox run --rm t
	assert_success
	# the next store-locked command removes the dead one
	rbox rmi t >/dev/null
	assert_equal "$(ls -A "$RBOX_ROOT/images/tmp")" ""
}

@test "load: docker's newer archive (OCI layout and manifest.json), compressed archives; busybox by its full name" {
	base_tree "$BATS_TEST_TMPDIR/B"
	local lay=$BATS_TEST_TMPDIR/lay m
	mk_layout "$lay" oci none '{"Cmd":["echo","docker25"]}' "$BATS_TEST_TMPDIR/B"
	m=$(jq -r '.manifests[0].digest' "$lay/index.json" | cut -d: -f2)
	jq -c '[{Config: ("blobs/sha256/" + (.config.digest | ltrimstr("sha256:"))), RepoTags: ["new/format:1"],
		Layers: [.layers[].digest | "blobs/sha256/" + ltrimstr("sha256:")]}]' "$lay/blobs/sha256/$m" >"$lay/manifest.json"
	tar -C "$lay" -cf - oci-layout index.json manifest.json blobs | gzip >"$BATS_TEST_TMPDIR/d25.tar.gz"
	run rbox load -i "$BATS_TEST_TMPDIR/d25.tar.gz"
	assert_success
	assert_output "Loaded image: new/format:1"
	run rbox run --rm new/format:1
	assert_output docker25
	assert_equal "$(rbox image inspect docker.io/new/format:1 | jq -r '.[0].RootFS.Layers[0]')" \
		"$(jq -r '.layers[0].digest' "$lay/blobs/sha256/$m")"
	rbox save new/format:1 | zstd -q | rbox load -q
	run rbox run --rm docker.io/library/busybox:latest echo full
	assert_output full
	assert_equal "$(rbox image inspect busybox | jq -r '.[0].Id')" \
		"$(rbox image inspect docker.io/library/busybox | jq -r '.[0].Id')"
	run -125 rbox load -i "$BATS_TEST_TMPDIR/B/etc/passwd"
	assert_output --partial "rbox: loading $BATS_TEST_TMPDIR/B/etc/passwd: "
	assert_equal "${#lines[@]}" 1
	assert_equal "$(ls -A "$RBOX_ROOT/images/tmp")" ""
}

@test "references: docker's normalization (docker.io/library, registries with ports, digests)" {
	rbox tag busybox team/app
	rbox tag busybox index.docker.io/library/short:1
	rbox tag busybox localhost/local:2
	rbox tag busybox registry.example.com:5000/a/b/c:3
	run rbox images --format '{{.Repository}}:{{.Tag}}'
	assert_line team/app:latest
	assert_line short:1
	assert_line localhost/local:2
	assert_line registry.example.com:5000/a/b/c:3
	local id
	id=$(rbox image inspect busybox | jq -r '.[0].Id')
	for r in docker.io/team/app:latest docker.io/library/short:1 short:1 localhost/local:2; do
		assert_equal "$(rbox image inspect "$r" | jq -r '.[0].Id')" "$id"
	done
	run -125 rbox tag busybox 'a@sha256:1234'
	assert_output --partial 'invalid image reference "a@sha256:1234"'
	run -125 rbox tag busybox "a@sha256:$(printf '%064d' 0)"
	assert_output --partial "cannot hold a digest"
	run -125 rbox tag busybox 'host:port/x'
	assert_output --partial 'invalid image reference'
}

@test "load: two concurrent loads of images sharing a layer store it once; both run" {
	base_tree "$BATS_TEST_TMPDIR/B"
	local n pids=()
	for n in p q; do
		mkdir -p "$BATS_TEST_TMPDIR/$n"
		echo "$n" >"$BATS_TEST_TMPDIR/$n/which"
		mk_layout "$BATS_TEST_TMPDIR/lay$n" oci gzip '{"Cmd":["cat","/which"]}' "$BATS_TEST_TMPDIR/B" "$BATS_TEST_TMPDIR/$n"
		sed -i "s/\"t\"/\"img$n\"/" "$BATS_TEST_TMPDIR/lay$n/index.json"
		tar -C "$BATS_TEST_TMPDIR/lay$n" -cf "$BATS_TEST_TMPDIR/$n.tar" oci-layout index.json blobs
	done
	for n in p q; do
		"$RBOX_BIN" load -q -i "$BATS_TEST_TMPDIR/$n.tar" 3>&- &
		pids+=($!)
	done
	for n in "${pids[@]}"; do wait "$n"; done
	assert_equal "$(ls "$RBOX_ROOT/images/layers" | wc -l)" 3
	assert_equal "$(ls "$RBOX_ROOT/images/tmp" | wc -l)" 0
	run rbox run --rm imgp
	assert_output p
	run rbox run --rm imgq
	assert_output q
}
