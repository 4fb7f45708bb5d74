#!/usr/bin/env bats
# The Python binding of librbox (bindings/python/rbox.py, ctypes): runs, streaming callbacks,
# threads, errors.

load helpers

@test "python: run_capture separates stdout and stderr; the verdict has the fields" {
	run -0 py "
sb = rbox.Sandbox(ROOTFS, ['sh', '-c', 'echo out; echo err >&2; exit 4'], memory=64 << 20, pids=8, timeout=10)
v, out, err = sb.run_capture()
print(repr(out), repr(err), v.started, v.exit_code, v.signal, v.timed_out, v.oom_killed, v.timeout_ns)
print(v.wall_time_ns > 0, v.memory_peak_bytes is None or v.memory_peak_bytes > 0, v.error)
print(v.json())"
	assert_line --index 0 "b'out\\n' b'err\\n' True 4 0 False False 10000000000"
	assert_line --index 1 "True True None"
	assert_equal "$(jq -r .exit_code <<<"${lines[2]}")" 4
	assert_equal "$(jq -r .timeout_ns <<<"${lines[2]}")" 10000000000
}

@test "python: run_stream delivers chunks as they come, then the exit once" {
	mkdir "$BATS_TEST_TMPDIR/sync"
	# the command waits for a file that only the first chunk's callback makes: the chunk was
	# delivered while the command ran, not collected at its end
	run -0 py "
d = os.environ['BATS_TEST_TMPDIR'] + '/sync'
events = []
def out(stream, data):
    events.append(('out', stream, data))
    if data == b'first\\n':
        open(d + '/go', 'w').close()
def ex(v):
    events.append(('exit', v.exit_code, v.timed_out))
sb = rbox.Sandbox(ROOTFS, ['sh', '-c', 'echo first; while [ ! -e /sync/go ]; do sleep 0.05; done; echo second >&2; exit 2'],
                  binds=[(d, '/sync', True)], timeout=60)
v = sb.run_stream(on_output=out, on_exit=ex)
print(events)"
	assert_output "[('out', 1, b'first\\n'), ('out', 2, b'second\\n'), ('exit', 2, False)]"
}

@test "python: one Sandbox run from several threads at once" {
	run -0 py "
import threading
sb = rbox.Sandbox(ROOTFS, ['sh', '-c', 'echo \$\$; touch /mine; ls / | grep -c mine'], pids=8)
res = []
def work():
    for _ in range(3):
        v, out, err = sb.run_capture()
        res.append((v.exit_code, out))
ts = [threading.Thread(target=work) for _ in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
print(len(res), set(res))"
	assert_output "12 {(0, b'1\\n1\\n')}"
	check_run_cgroups_gone
}

@test "python: errors are rbox.Error with errno and message; a failed start is a verdict" {
	run -0 py "
try:
    rbox.Sandbox(ROOTFS, seccomp='nope')
except rbox.Error as e:
    print(e.errno, e.strerror)
v = rbox.Sandbox(ROOTFS, ['/missing']).run()
print(v.started, v.exit_code, v.wall_time_ns, '/missing' in v.error)
print(rbox.version())"
	assert_line --index 0 '22 unknown seccomp profile "nope" (use default, minimal, io-heavy, compute, network, unconfined, or a .json file)'
	assert_line --index 1 "False 127 None True"
	assert_line --index 2 "$(cat "$REPO_ROOT/VERSION")"
}

@test "python: prestart= turns the fast path off or deeper; a bad count raises rbox.Error" {
	run -0 py "
for n in (0, 3):
    sb = rbox.Sandbox(ROOTFS, ['sh', '-c', 'touch /x; echo \$\$; exit 4'], prestart=n)
    print(n, [(sb.run_capture()[0].exit_code, sb.run_capture()[1]) for _ in range(2)])
    sb.close()
try:
    rbox.Sandbox(ROOTFS, prestart=-1)
except rbox.Error as e:
    print(e.errno, e.strerror)"
	assert_line --index 0 "0 [(4, b'1\\n'), (4, b'1\\n')]"
	assert_line --index 1 "3 [(4, b'1\\n'), (4, b'1\\n')]"
	assert_line --index 2 "22 prestart: -1 is not between 0 and 64"
}
