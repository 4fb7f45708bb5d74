#!/usr/bin/env python3
"""faultinject.py - kill rbox, rbox-runtime or rbox-monitor at random points of run/start/stop/rm.

Usage: faultinject.py RBOX ITERATIONS [SEED]   (RBOX_ROOT, RBOX_RUNROOT, RBOX_CGROUP_PARENT set)

Each iteration prepares what the operation needs (a created or running container, without
faults), starts the operation, waits until a process of the chosen kind runs (or a random
0-60 ms for rbox itself), waits a random 0-15 ms more and SIGKILLs it. Only processes this
script started are killed: the rbox process and its descendants, and the descendants of the
monitors of this store (found as descendants of rbox while it runs, or through the monitor_pid
of the store's state files, checked against the monitor's --store-root). One line per
iteration: "it=N op=OP target=KIND killed=yes|missed rc=RC: last stderr line". Exit 1 when an
operation hung (did not end within 30 s after the kill).
"""
import json
import os
import random
import signal
import subprocess
import sys
import time

RBOX = sys.argv[1]
ITERATIONS = int(sys.argv[2])
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else int(time.time())
ROOT = os.environ["RBOX_ROOT"]
rng = random.Random(SEED)


def children(pid):
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def descendants(pids):
    seen, todo = set(), list(pids)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo += children(p)
    return seen


def argv0(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return [b""]


def kind(pid):
    a = argv0(pid)
    base = os.path.basename(a[0]).decode("utf-8", "replace")
    return base if base in ("rbox", "rbox-runtime", "rbox-monitor") else None


def store_monitors(name):
    """The monitor of container NAME of this store (monitor_pid of its state file, checked by
    its command line)."""
    pids = []
    cdir = os.path.join(ROOT, "containers")
    for cid in os.listdir(cdir) if os.path.isdir(cdir) else []:
        try:
            with open(os.path.join(cdir, cid, "state")) as f:
                st = json.load(f)
            if st.get("name") != name:
                continue
            pid = int(st.get("monitor_pid", 0))
            a = argv0(pid) if pid > 0 else [b""]
            if kind(pid) == "rbox-monitor" and ROOT.encode() in a:
                pids.append(pid)
        except (OSError, ValueError, TypeError):
            pass
    return pids


def ours(rbox_pid, monitors):
    roots = ([rbox_pid] if rbox_pid else []) + monitors
    return {p: kind(p) for p in descendants(roots) if kind(p)}


def rbox(*args, check=True):
    r = subprocess.run([RBOX] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if check and r.returncode != 0:
        raise RuntimeError("rbox %s: %s" % (" ".join(args), r.stderr.decode().strip()))
    return r.stdout.decode().strip()


def prepare(op, n):
    name = "f%d" % n
    if op == "run":
        return ["run", "-d", "--name", name, "busybox", "sleep", "1000"]
    if op == "run-rm":
        return ["run", "--rm", "busybox", "true"]
    if op == "start":
        rbox("create", "--name", name, "busybox", "sleep", "1000")
        return ["start", name]
    rbox("run", "-d", "--name", name, "busybox", "sh", "-c", "trap '' TERM; sleep 1000")
    if op == "stop":
        return ["stop", "-t", "1", name]
    return ["rm", "-f", name]


def iteration(n):
    op = rng.choice(["run", "run", "run-rm", "start", "stop", "rm"])
    target = rng.choice(["rbox", "rbox-runtime", "rbox-monitor"])
    args = prepare(op, n)
    p = subprocess.Popen([RBOX] + args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, start_new_session=True)
    killed = "missed"
    deadline = time.monotonic() + (rng.uniform(0, 0.06) if target == "rbox" else 10)
    victim = None
    monitors, loops = store_monitors("f%d" % n), 0
    while victim is None and time.monotonic() < deadline:
        loops += 1
        if loops % 20 == 0:  # the state file is read only now and then: scanning must be fast
            monitors = store_monitors("f%d" % n)
        if target == "rbox":
            time.sleep(max(0, deadline - time.monotonic()))
            victim = p.pid if p.poll() is None else None
            break
        cands = [q for q, k in ours(p.pid if p.poll() is None else None, monitors).items() if k == target]
        if cands:
            victim = rng.choice(cands)
            break
        if p.poll() is not None and target != "rbox-monitor":
            break
        time.sleep(0.0005)
    if victim is not None:
        time.sleep(rng.uniform(0, 0.015))
        if kind(victim) == target or victim == p.pid:
            try:
                os.kill(victim, signal.SIGKILL)
                killed = "yes"
            except ProcessLookupError:
                pass
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        print("it=%d op=%s target=%s killed=%s HUNG" % (n, op, target, killed))
        return False
    last = err.decode("utf-8", "replace").strip().splitlines()
    print("it=%d op=%s target=%s killed=%s rc=%d: %s" %
          (n, op, target, killed, p.returncode, last[-1] if last else ""))
    return True


def main():
    print("seed=%d" % SEED)
    ok = True
    for n in range(ITERATIONS):
        ok = iteration(n) and ok
        sys.stdout.flush()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
