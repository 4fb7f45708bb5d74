#!/usr/bin/env bats
# librbox (include/rbox/rbox.h, docs/library.md) through its example, rbox-judge: verdicts,
# limits, isolation between runs, threads, bad input, the installed library.

load helpers

# one verdict's field: vfield JSON JQ
vfield() {
	jq -r "$2" <<<"$1"
}

@test "librbox: a run's verdict has the exit code and the counters" {
	requires cgroup
	run -0 judge -m 67108864 -p 16 "$BUSYBOX_ROOTFS" /bin/sh -c 'echo hello; exit 3'
	assert_line --index 0 hello
	local v=${lines[1]}
	assert_equal "$(vfield "$v" .started)" true
	assert_equal "$(vfield "$v" .exit_code)" 3
	assert_equal "$(vfield "$v" .signal)" 0
	assert_equal "$(vfield "$v" .timed_out)" false
	assert_equal "$(vfield "$v" .oom_killed)" false
	assert_equal "$(vfield "$v" .error)" null
	[ "$(vfield "$v" .wall_time_ns)" -gt 0 ]
	[ "$(vfield "$v" .cpu_user_ns)" -ge 0 ]
	[ "$(vfield "$v" .memory_peak_bytes)" -gt 0 ]
}

@test "librbox: the wall timeout kills the sandbox (SIGKILL), every process of it" {
	# (the inner shells carry the tag in their command lines while they wait for sleep)
	run -0 judge -t 300 "$BUSYBOX_ROOTFS" /bin/sh -c "sh -c 'sleep 1000; :' $TAG & sh -c 'sleep 1000; :' $TAG"
	local v=${lines[0]}
	assert_equal "$(vfield "$v" .timed_out)" true
	assert_equal "$(vfield "$v" .exit_code)" 137
	assert_equal "$(vfield "$v" .signal)" 9
	assert_equal "$(vfield "$v" .timeout_ns)" 300000000
	[ "$(vfield "$v" .wall_time_ns)" -ge 300000000 ]
	run pgrep -f "$TAG"
	assert_failure
}

@test "librbox: over the memory limit the OOM killer acts, and the verdict says so" {
	requires cgroup
	run -0 judge -m 16777216 "$BUSYBOX_ROOTFS" /bin/sh -c 'x=$(head -c 64000000 /dev/zero | tr "\0" a); echo ${#x}'
	local v=${lines[-1]}
	assert_equal "$(vfield "$v" .oom_killed)" true
	assert_equal "$(vfield "$v" .timed_out)" false
	[ "$(vfield "$v" .exit_code)" -ne 0 ]
}

@test "librbox: the limits are the sandbox's cgroup's (memory, pids, cpu)" {
	requires cgroup cgroup:cpu
	run -0 py '
sb = rbox.Sandbox(ROOTFS, ["sh", "-c", "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us"],
                  memory=32 << 20, pids=9, cpu_percent=50)
v, out, err = sb.run_capture()
print(out.decode().split())'
	assert_output --regexp "^\\['33554432', '9', '50000"
}

@test "librbox: a command that cannot be executed is a failed start with the runtime's reason" {
	run -0 judge "$BUSYBOX_ROOTFS" /no/such/program
	local v=${lines[0]}
	assert_equal "$(vfield "$v" .started)" false
	assert_equal "$(vfield "$v" .exit_code)" 127
	[[ "$(vfield "$v" .error)" == *"/no/such/program"* ]]
	assert_equal "$(vfield "$v" .wall_time_ns)" null
}

@test "librbox: a file written or a process left by run k is invisible to run k+1" {
	local script="if [ -e /marker ]; then echo LEAKED-FILE; fi
if ps | grep -v grep | grep -q '$TAG'; then echo LEAKED-PROCESS; fi
echo run > /marker; echo run > /tmp/marker
(sh -c 'sleep 1000; :' $TAG &)
echo done"
	run -0 judge -n 3 "$BUSYBOX_ROOTFS" /bin/sh -c "$script"
	refute_output --partial LEAKED
	assert_equal "$(grep -c '^done$' <<<"$output")" 3
	# the rootfs itself is never written, and nothing of the sandboxes runs on
	assert_file_not_exists "$BUSYBOX_ROOTFS/marker"
	run pgrep -f "$TAG"
	assert_failure
}

@test "librbox: several sandboxes at once from the threads of one process" {
	requires cgroup
	run -0 judge -n 12 -j 4 -p 8 "$BUSYBOX_ROOTFS" /bin/sh -c 'echo "$$"; exit 7'
	assert_equal "$(grep -c '"exit_code":7' <<<"$output")" 12
	# each its own pid namespace: the command is pid 1 in every one
	assert_equal "$(grep -cx 1 <<<"$output")" 12
	check_run_cgroups_gone
}

@test "librbox: seccomp profiles by name and from a file" {
	# minimal: no open(), so ls fails; compute allows it
	run -0 judge -s minimal "$BUSYBOX_ROOTFS" /bin/ls /
	assert_output --partial '"exit_code":1'
	run -0 judge -s compute "$BUSYBOX_ROOTFS" /bin/ls /
	assert_output --partial '"exit_code":0'
	run -0 judge -s "$REPO_ROOT/manager/rbox/container/profiles/io-heavy.json" "$BUSYBOX_ROOTFS" /bin/cat /etc/passwd
	assert_output --partial '"exit_code":0'
	run -2 judge -s no-such-profile "$BUSYBOX_ROOTFS" /bin/true
	assert_output 'rbox-judge: unknown seccomp profile "no-such-profile" (use default, minimal, io-heavy, compute, network, unconfined, or a .json file)'
	echo '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 70000}' >"$BATS_TEST_TMPDIR/bad.json"
	run -2 judge -s "$BATS_TEST_TMPDIR/bad.json" "$BUSYBOX_ROOTFS" /bin/true
	assert_output --partial "bad.json"
	assert_equal "${#lines[@]}" 1
}

@test "librbox: user, cwd, env, bind mounts read-only and read-write, tmpfs, read-only root" {
	mkdir -p "$BATS_TEST_TMPDIR/ro" "$BATS_TEST_TMPDIR/rw"
	echo input >"$BATS_TEST_TMPDIR/ro/in"
	chmod 777 "$BATS_TEST_TMPDIR/rw"
	run -0 py "
d = os.environ['BATS_TEST_TMPDIR']
sb = rbox.Sandbox(ROOTFS, ['sh', '-c', 'id -u; id -g; pwd; echo \$GREETING; cat /in/in; echo out > /out/f; touch /in/x 2>/dev/null || echo ro-refused; touch /scratch/y && echo tmpfs-ok; grep -c \" /scratch tmpfs\" /proc/mounts'],
                  user=(1000, 1001), cwd='/tmp', env={'PATH': '/bin', 'GREETING': 'hi'},
                  binds=[(d + '/ro', '/in', True), (d + '/rw', '/out', False)], tmpfs=[('/scratch', 'size=1m')])
v, out, err = sb.run_capture()
sys.stdout.write(out.decode())
ro = rbox.Sandbox(ROOTFS, ['sh', '-c', 'touch /x 2>/dev/null || echo root-ro'], readonly_root=True)
sys.stdout.write(ro.run_capture()[1].decode())"
	assert_output "1000
1001
/tmp
hi
input
ro-refused
tmpfs-ok
1
root-ro"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/rw/f")" out
	assert_file_not_exists "$BATS_TEST_TMPDIR/ro/x"
}

@test "librbox: network none is a namespace with loopback only" {
	run -0 py "
sb = rbox.Sandbox(ROOTFS, ['sh', '-c', 'ls /sys/class/net'])
print(sb.run_capture()[1].decode().split())"
	assert_output "['lo']"
}

@test "librbox: bad values are one error with a message and an errno" {
	run -0 py "
for kw in ({'memory': -1}, {'pids': -5}, {'cwd': 'rel'}, {'binds': [('/nonexistent-src', '/x', True)]},
           {'tmpfs': ['/']}, {'cpu_percent': 0.5}, {'timeout': -1}):
    try:
        rbox.Sandbox(ROOTFS, **kw)
        print('accepted', kw)
    except rbox.Error as e:
        print(e.errno, e.strerror)
try:
    rbox.Sandbox('/nonexistent-rootfs')
except rbox.Error as e:
    print(e.errno, e.strerror)"
	assert_line --index 0 "22 memory: -1 is negative"
	assert_line --index 1 "22 pids: -5 is negative"
	assert_line --index 2 '22 cwd: "rel" is not an absolute path'
	assert_line --index 3 "2 bind mount source /nonexistent-src: No such file or directory"
	assert_line --index 4 '22 tmpfs destination: "/" is the root'
	assert_line --index 5 "22 cpu: 0.5% is not between 1 and 100000"
	assert_line --index 6 "22 timeout: -1000000000 is negative"
	assert_line --index 7 "2 rootfs /nonexistent-rootfs: No such file or directory"
	refute_output --partial accepted
}

@test "librbox: no runtime is an error of rbox_run, not a verdict" {
	RBOX_RUNTIME=/nonexistent/rbox-runtime run -1 judge "$BUSYBOX_ROOTFS" /bin/true
	assert_output "rbox-judge: runtime /nonexistent/rbox-runtime: No such file or directory"
}

@test "librbox: only the rbox_* API is exported, from the shared and the static library" {
	run -0 nm -D --defined-only "$LIBRBOX"
	refute_output --regexp ' [TDBR] [^r]'
	refute_output --regexp ' [TDBR] r[^b]'
	run -0 nm -g --defined-only "$RBOX_BUILD/lib/librbox.a"
	refute_output --regexp ' [TDBR] [^r]'
	assert_output --partial ' T rbox_run'
}

@test "librbox: make install gives the header, both libraries and rbox.pc; a program builds with pkg-config" {
	requires cmd:pkg-config
	local dest="$BATS_TEST_TMPDIR/dest"
	run -0 make -s -C "$REPO_ROOT" BUILD="$RBOX_BUILD" DESTDIR="$dest" PREFIX=/usr/local install
	assert_file_exists "$dest/usr/local/include/rbox/rbox.h"
	assert_file_exists "$dest/usr/local/lib/librbox.so.1"
	assert_file_exists "$dest/usr/local/lib/librbox.a"
	cat >"$BATS_TEST_TMPDIR/t.c" <<'C'
#include <rbox/rbox.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    struct rbox_error err;
    struct rbox_verdict v;
    rbox_sandbox *sb = rbox_sandbox_new(argv[1], &err);
    const char *cmd[] = { "/bin/sh", "-c", "exit 5", NULL };
    if (argc < 2 || !sb || rbox_sandbox_set_command(sb, cmd, &err) < 0 || rbox_run(sb, &v, &err) < 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    printf("%s %d\n", rbox_version(), v.exit_code);
    rbox_sandbox_free(sb);
    return 0;
}
C
	export PKG_CONFIG_PATH="$dest/usr/local/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
	run -0 pkg-config --modversion rbox
	assert_output "$(cat "$REPO_ROOT/VERSION")"
	# shared
	gcc -o "$BATS_TEST_TMPDIR/t" "$BATS_TEST_TMPDIR/t.c" $(pkg-config --cflags --libs rbox)
	LD_LIBRARY_PATH="$dest/usr/local/lib" run -0 "$BATS_TEST_TMPDIR/t" "$BUSYBOX_ROOTFS"
	assert_output "$(cat "$REPO_ROOT/VERSION") 5"
	# static
	gcc -o "$BATS_TEST_TMPDIR/ts" "$BATS_TEST_TMPDIR/t.c" $(pkg-config --cflags rbox) \
		"$dest/usr/local/lib/librbox.a" $(pkg-config --libs-only-l --static rbox | sed 's/-lrbox//')
	run -0 "$BATS_TEST_TMPDIR/ts" "$BUSYBOX_ROOTFS"
	assert_output "$(cat "$REPO_ROOT/VERSION") 5"
}

@test "rbox-runtime run --stats: the final counters and the init's exit, before the cgroup goes" {
	requires cgroup
	setup_bundle
	# killed by the kernel (the CPU rlimit's SIGKILL: an init ignores its own namespace's signals)
	jq '.process.args = ["sh", "-c", "ulimit -t 1; while :; do :; done"] | .linux.resources.pids = {"limit": 9}' \
		"$BUNDLE/config.json" >"$BUNDLE/c" && mv "$BUNDLE/c" "$BUNDLE/config.json"
	run -137 runtime run --stats "$BATS_TEST_TMPDIR/stats" -b "$BUNDLE" "$CTR_ID"
	CTR_ID=$CTR_ID run -0 jq -c '[.type, .id == env.CTR_ID, .exit, .data.pids.limit]' "$BATS_TEST_TMPDIR/stats"
	assert_output '["stats",true,{"code":137,"signal":9},9]'
}
