#!/usr/bin/env bats
# librbox's fast path (docs/library.md, "The fast path"): runs created ahead by the
# `rbox-runtime serve` helper. Each run must still be its own container (namespaces, cgroup,
# writable layer), a changed description must not be served by runs made for the old one, and
# the helper must leave nothing behind when the description is freed or its process dies.

load helpers

# a small program on the API: fast MODE ROOTFS (modes below)
build_fast() {
	cat >"$BATS_TEST_TMPDIR/fast.c" <<'C'
#define _GNU_SOURCE
#include <rbox/rbox.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static struct rbox_error err;
static void die(void)
{
    fprintf(stderr, "fast: %s (errno %d)\n", err.message, err.errnum);
    exit(1);
}
static void run(rbox_sandbox *sb)
{
    struct rbox_verdict v;
    if (rbox_run(sb, &v, &err) < 0)
        die();
    printf("exit %d\n", v.exit_code);
    fflush(stdout);
}
int main(int argc, char **argv)
{
    const char *mode = argv[1];
    rbox_sandbox *sb = rbox_sandbox_new(argv[2], &err);
    const char *cmd[] = { "/bin/sh", "-c", "echo X=$X", NULL };
    if (sb == NULL || rbox_sandbox_set_command(sb, cmd, &err) < 0 ||
        rbox_sandbox_setenv(sb, "X=1", &err) < 0)
        die();
    if (strcmp(mode, "bad") == 0) {
        if (rbox_sandbox_set_prestart(sb, -1, &err) == 0)
            return 2;
        printf("%s errno %d\n", err.message, err.errnum);
        rbox_sandbox_free(sb);
        return 0;
    }
    if (rbox_sandbox_set_prestart(sb, 4, &err) < 0)
        die();
    run(sb);
    if (strcmp(mode, "change") == 0) {
        /* a new value, and another file behind the same stdout descriptor */
        if (rbox_sandbox_setenv(sb, "X=2", &err) < 0)
            die();
        run(sb);
        int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || dup2(fd, 1) < 0)
            return 3;
        run(sb);
    } else if (strcmp(mode, "free") == 0) {
        rbox_sandbox_free(sb);
        char sh[512];
        snprintf(sh, sizeof(sh), "ls %s/runs %s/state; pgrep -P %d | grep -vx $$; echo checked",
                 getenv("RBOX_LIB_ROOT"), getenv("RBOX_LIB_ROOT"), (int)getpid());
        return system(sh) == 0 ? 0 : 4;
    } else if (strcmp(mode, "kill") == 0) {
        /* the helper (this program's only child) killed between runs */
        char sh[256];
        snprintf(sh, sizeof(sh), "kill -9 $(pgrep -P %d | grep -vx $$)", (int)getpid());
        if (system(sh) != 0)
            return 5;
        sleep(1);
        for (int i = 0; i < 6; i++) /* more than were prepared ahead (4) */
            run(sb);
    } else if (strcmp(mode, "die") == 0) {
        /* runs prepared ahead, then the process is killed without freeing anything */
        printf("ready\n");
        fflush(stdout);
        pause();
    }
    rbox_sandbox_free(sb);
    return 0;
}
C
	gcc -o "$BATS_TEST_TMPDIR/fast" -I"$REPO_ROOT/include" "$BATS_TEST_TMPDIR/fast.c" \
		-L"$(dirname "$LIBRBOX")" -l:librbox.so.1
	export LD_LIBRARY_PATH="$(dirname "$LIBRBOX")"
}

@test "librbox fast path: a file written or a process left by run k is invisible to run k+1 (0, 1, 4 prepared ahead)" {
	# run k+1's container exists (created ahead) while run k runs: it must still see nothing
	# of run k, in its root, its /tmp, its /dev/shm or its processes
	local script="for f in /marker /etc/marker /tmp/marker /dev/shm/marker; do [ -e \$f ] && echo LEAKED-FILE \$f; done
if ps | grep -v grep | grep -q '$TAG'; then echo LEAKED-PROCESS; fi
for f in /marker /etc/marker /tmp/marker /dev/shm/marker; do echo run > \$f; done
(sh -c 'sleep 1000; :' $TAG &)
echo \"done \$\$\""
	for n in 0 1 4; do
		RBOX_LIB_PRESTART=$n run -0 judge -n 5 "$BUSYBOX_ROOTFS" /bin/sh -c "$script"
		refute_output --partial LEAKED
		# pid 1 of its own pid namespace each time
		assert_equal "$(grep -c '^done 1$' <<<"$output")" 5
		assert_file_not_exists "$BUSYBOX_ROOTFS/marker"
		assert_file_not_exists "$BUSYBOX_ROOTFS/etc/marker"
		run pgrep -f "$TAG"
		assert_failure
	done
}

@test "librbox fast path: runs on several threads at once each get their own container" {
	requires cgroup
	run -0 judge -n 16 -j 8 -p 8 "$BUSYBOX_ROOTFS" /bin/sh -c 'echo "pid $$"; [ -e /x ] && echo LEAKED; touch /x; exit 3'
	assert_equal "$(grep -c '"exit_code":3' <<<"$output")" 16
	assert_equal "$(grep -cx 'pid 1' <<<"$output")" 16
	refute_output --partial LEAKED
	check_run_cgroups_gone
}

@test "librbox fast path: a description changed between runs is run as changed" {
	build_fast
	run -0 "$BATS_TEST_TMPDIR/fast" change "$BUSYBOX_ROOTFS" "$BATS_TEST_TMPDIR/out"
	assert_line --index 0 "X=1"
	assert_line --index 2 "X=2"
	# the third run's stdout is the new file behind fd 1, not the one the runs ahead were given
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_line --index 0 "X=2"
}

@test "librbox fast path: freeing the description removes the prepared runs and the helper" {
	build_fast
	run -0 "$BATS_TEST_TMPDIR/fast" free "$BUSYBOX_ROOTFS"
	# no run directory, no container state, no child process left once free returned
	assert_output "X=1
exit 0
$RBOX_LIB_ROOT/runs:

$RBOX_LIB_ROOT/state:
checked"
}

@test "librbox fast path: the prepared runs go away when their process dies" {
	requires cgroup
	build_fast
	coproc FAST { exec "$BATS_TEST_TMPDIR/fast" die "$BUSYBOX_ROOTFS"; }
	local pid=$FAST_PID line
	read -r line <&"${FAST[0]}" # X=1
	read -r line <&"${FAST[0]}" # exit 0
	read -r line <&"${FAST[0]}"
	assert_equal "$line" ready
	kill -9 "$pid"
	wait "$pid" || true
	# the helper and its workers see EOF and undo the prepared containers on their own
	local i
	for i in $(seq 100); do
		[ -z "$(ls -A "$RBOX_LIB_ROOT/runs" 2>/dev/null)" ] && [ -z "$(ls "$STATE_ROOT" 2>/dev/null)" ] &&
			! pgrep -f "$RBOX_LIB_ROOT/state" >/dev/null && break
		sleep 0.1
	done
	run ls "$RBOX_LIB_ROOT/runs" "$STATE_ROOT"
	assert_output "$RBOX_LIB_ROOT/runs:

$STATE_ROOT:"
	run pgrep -f "$RBOX_LIB_ROOT/state"
	assert_failure
	check_run_cgroups_gone
}

@test "librbox fast path: a helper killed between runs is replaced; the runs still get verdicts" {
	build_fast
	run -0 "$BATS_TEST_TMPDIR/fast" kill "$BUSYBOX_ROOTFS"
	assert_equal "$(grep -cx 'X=1' <<<"$output")" 7
	assert_equal "$(grep -cx 'exit 0' <<<"$output")" 7
}

@test "librbox fast path: a bad prestart count is an error" {
	build_fast
	run -0 "$BATS_TEST_TMPDIR/fast" bad "$BUSYBOX_ROOTFS"
	assert_output "prestart: -1 is not between 0 and 64 errno 22"
}
