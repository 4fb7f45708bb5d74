"""rbox - Python binding of librbox (ctypes; include/rbox/rbox.h, docs/library.md).

    import rbox
    sb = rbox.Sandbox("/srv/rootfs", ["/job/solution"], memory=64 << 20, pids=16,
                      timeout=2.0, seccomp="compute", binds=[("/srv/job", "/job", True)])
    v = sb.run()                      # a Verdict: exit_code, signal, oom_killed, timed_out, ...
    v, out, err = sb.run_capture()    # the same, with stdout and stderr as bytes
    sb.run_stream(on_output=lambda stream, data: ..., on_exit=lambda verdict: ...)

The library is found in $RBOX_LIBRARY (a path), else as "librbox.so.1" through the dynamic
loader (make install puts it in $(PREFIX)/lib). Errors raise rbox.Error (message, errno).
A Sandbox may be run from several threads at once: ctypes releases the GIL during the call.
"""
import ctypes
import os

__all__ = ["Error", "Verdict", "Sandbox", "NET_NONE", "NET_HOST", "version"]

NET_NONE = 0
NET_HOST = 1


class _Error(ctypes.Structure):
    _fields_ = [("errnum", ctypes.c_int), ("message", ctypes.c_char * 1024)]


class _Verdict(ctypes.Structure):
    _fields_ = [
        ("started", ctypes.c_int),
        ("exit_code", ctypes.c_int),
        ("signal", ctypes.c_int),
        ("oom_killed", ctypes.c_int),
        ("timed_out", ctypes.c_int),
        ("timeout_ns", ctypes.c_int64),
        ("wall_time_ns", ctypes.c_int64),
        ("cpu_user_ns", ctypes.c_int64),
        ("cpu_system_ns", ctypes.c_int64),
        ("memory_peak_bytes", ctypes.c_int64),
        ("pids_peak", ctypes.c_int64),
        ("error", ctypes.c_char * 512),
    ]


_OUTPUT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char),
                           ctypes.c_size_t)
_EXIT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(_Verdict))


class _Callbacks(ctypes.Structure):
    _fields_ = [("on_output", _OUTPUT), ("on_exit", _EXIT)]


def _load():
    path = os.environ.get("RBOX_LIBRARY") or "librbox.so.1"
    lib = ctypes.CDLL(path, use_errno=True)
    E = ctypes.POINTER(_Error)
    P = ctypes.c_void_p
    sigs = {
        "rbox_version": (ctypes.c_char_p, []),
        "rbox_sandbox_new": (P, [ctypes.c_char_p, E]),
        "rbox_sandbox_free": (None, [P]),
        "rbox_sandbox_set_command": (ctypes.c_int, [P, ctypes.POINTER(ctypes.c_char_p), E]),
        "rbox_sandbox_setenv": (ctypes.c_int, [P, ctypes.c_char_p, E]),
        "rbox_sandbox_clearenv": (None, [P]),
        "rbox_sandbox_set_cwd": (ctypes.c_int, [P, ctypes.c_char_p, E]),
        "rbox_sandbox_set_user": (ctypes.c_int, [P, ctypes.c_uint, ctypes.c_uint, E]),
        "rbox_sandbox_set_memory": (ctypes.c_int, [P, ctypes.c_int64, E]),
        "rbox_sandbox_set_cpu_percent": (ctypes.c_int, [P, ctypes.c_double, E]),
        "rbox_sandbox_set_cpu_quota": (ctypes.c_int, [P, ctypes.c_int64, ctypes.c_int64, E]),
        "rbox_sandbox_set_pids": (ctypes.c_int, [P, ctypes.c_int64, E]),
        "rbox_sandbox_set_timeout": (ctypes.c_int, [P, ctypes.c_int64, E]),
        "rbox_sandbox_set_seccomp": (ctypes.c_int, [P, ctypes.c_char_p, E]),
        "rbox_sandbox_set_network": (ctypes.c_int, [P, ctypes.c_int, E]),
        "rbox_sandbox_add_bind": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, E]),
        "rbox_sandbox_add_tmpfs": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_char_p, E]),
        "rbox_sandbox_set_readonly_root": (ctypes.c_int, [P, ctypes.c_int, E]),
        "rbox_sandbox_set_stdio": (ctypes.c_int, [P, ctypes.c_int, ctypes.c_int, ctypes.c_int, E]),
        "rbox_sandbox_set_cgroup_parent": (ctypes.c_int, [P, ctypes.c_char_p, E]),
        "rbox_sandbox_set_workdir": (ctypes.c_int, [P, ctypes.c_char_p, E]),
        "rbox_sandbox_set_runtime": (ctypes.c_int, [P, ctypes.c_char_p, E]),
        "rbox_sandbox_set_prestart": (ctypes.c_int, [P, ctypes.c_int, E]),
        "rbox_run": (ctypes.c_int, [P, ctypes.POINTER(_Verdict), E]),
        "rbox_run_stream": (ctypes.c_int, [P, ctypes.POINTER(_Callbacks), P,
                                           ctypes.POINTER(_Verdict), E]),
        "rbox_verdict_json": (ctypes.c_int, [ctypes.POINTER(_Verdict), ctypes.c_char_p,
                                             ctypes.c_size_t]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    return lib


_lib = _load()


class Error(OSError):
    """A librbox error: .errno and the library's message."""


def _check(ret, err):
    if ret is None or (isinstance(ret, int) and ret < 0):
        raise Error(err.errnum, err.message.decode(errors="replace"))
    return ret


def _b(s):
    return s if isinstance(s, bytes) else os.fsencode(s)


class Verdict:
    """The verdict of one run: the fields of `rbox run --report` (None: unknown)."""

    FIELDS = ("started", "exit_code", "signal", "oom_killed", "timed_out", "timeout_ns",
              "wall_time_ns", "cpu_user_ns", "cpu_system_ns", "memory_peak_bytes", "pids_peak",
              "error")

    def __init__(self, c):
        self._c = _Verdict()
        ctypes.pointer(self._c)[0] = c
        for k in ("started", "oom_killed", "timed_out"):
            setattr(self, k, bool(getattr(c, k)))
        self.exit_code = c.exit_code
        self.signal = c.signal
        self.timeout_ns = c.timeout_ns or None
        for k in ("wall_time_ns", "cpu_user_ns", "cpu_system_ns", "memory_peak_bytes", "pids_peak"):
            v = getattr(c, k)
            setattr(self, k, None if v < 0 else v)
        self.error = c.error.decode(errors="replace") or None

    def json(self):
        """The JSON line `rbox run --report` writes."""
        buf = ctypes.create_string_buffer(2048)
        n = _lib.rbox_verdict_json(ctypes.byref(self._c), buf, len(buf))
        return buf.value.decode() if n >= 0 else None

    def __repr__(self):
        return "Verdict(%s)" % ", ".join("%s=%r" % (k, getattr(self, k)) for k in self.FIELDS)


def version():
    return _lib.rbox_version().decode()


class Sandbox:
    """A sandbox description; each run() is a fresh container (see include/rbox/rbox.h)."""

    def __init__(self, rootfs, command=None, env=None, cwd=None, user=None, memory=None,
                 cpu_percent=None, cpu_quota=None, pids=None, timeout=None, seccomp=None,
                 network=None, binds=(), tmpfs=(), readonly_root=False, cgroup_parent=None,
                 workdir=None, runtime=None, prestart=None):
        err = _Error()
        self._sb = _check(_lib.rbox_sandbox_new(_b(rootfs), ctypes.byref(err)), err)
        self._err = err
        try:
            if command is not None:
                self._call(_lib.rbox_sandbox_set_command, self._argv(command))
            if env is not None:
                _lib.rbox_sandbox_clearenv(self._sb)
                for k, v in (env.items() if isinstance(env, dict) else env):
                    self._call(_lib.rbox_sandbox_setenv, _b("%s=%s" % (k, v)))
            if cwd is not None:
                self._call(_lib.rbox_sandbox_set_cwd, _b(cwd))
            if user is not None:
                self._call(_lib.rbox_sandbox_set_user, user[0], user[1])
            if memory is not None:
                self._call(_lib.rbox_sandbox_set_memory, int(memory))
            if cpu_percent is not None:
                self._call(_lib.rbox_sandbox_set_cpu_percent, float(cpu_percent))
            if cpu_quota is not None:
                self._call(_lib.rbox_sandbox_set_cpu_quota, int(cpu_quota[0]), int(cpu_quota[1]))
            if pids is not None:
                self._call(_lib.rbox_sandbox_set_pids, int(pids))
            if timeout is not None:
                self._call(_lib.rbox_sandbox_set_timeout, int(timeout * 1e9))
            if seccomp is not None:
                self._call(_lib.rbox_sandbox_set_seccomp, _b(seccomp))
            if network is not None:
                net = {"none": NET_NONE, "host": NET_HOST}.get(network, network)
                self._call(_lib.rbox_sandbox_set_network, net)
            for src, dst, ro in binds:
                self._call(_lib.rbox_sandbox_add_bind, _b(src), _b(dst), 1 if ro else 0)
            for t in tmpfs:
                dst, opts = (t, None) if isinstance(t, str) else t
                self._call(_lib.rbox_sandbox_add_tmpfs, _b(dst), _b(opts) if opts else None)
            if readonly_root:
                self._call(_lib.rbox_sandbox_set_readonly_root, 1)
            if cgroup_parent is not None:
                self._call(_lib.rbox_sandbox_set_cgroup_parent, _b(cgroup_parent))
            if workdir is not None:
                self._call(_lib.rbox_sandbox_set_workdir, _b(workdir))
            if runtime is not None:
                self._call(_lib.rbox_sandbox_set_runtime, _b(runtime))
            if prestart is not None:
                self._call(_lib.rbox_sandbox_set_prestart, int(prestart))
        except Error:
            self.close()
            raise

    @staticmethod
    def _argv(command):
        arr = (ctypes.c_char_p * (len(command) + 1))()
        for i, a in enumerate(command):
            arr[i] = _b(a)
        arr[len(command)] = None
        return arr

    def _call(self, f, *args):
        err = _Error()
        return _check(f(self._sb, *args, ctypes.byref(err)), err)

    def set_stdio(self, stdin=-1, stdout=-1, stderr=-1):
        """File descriptors for run() (-1: /dev/null)."""
        self._call(_lib.rbox_sandbox_set_stdio, stdin, stdout, stderr)

    def run(self):
        v = _Verdict()
        self._call(_lib.rbox_run, ctypes.byref(v))
        return Verdict(v)

    def run_stream(self, on_output=None, on_exit=None):
        """on_output(stream, data: bytes) with stream 1 (stdout) or 2 (stderr), as it comes;
        on_exit(verdict) once. Returns the Verdict."""
        def out(_user, stream, data, n):
            if on_output:
                on_output(stream, ctypes.string_at(data, n))

        def ex(_user, pv):
            if on_exit:
                on_exit(Verdict(pv[0]))

        cb = _Callbacks(_OUTPUT(out), _EXIT(ex))
        v = _Verdict()
        self._call(_lib.rbox_run_stream, ctypes.byref(cb), None, ctypes.byref(v))
        return Verdict(v)

    def run_capture(self):
        """(verdict, stdout bytes, stderr bytes)."""
        chunks = {1: [], 2: []}
        v = self.run_stream(on_output=lambda s, d: chunks[s].append(d))
        return v, b"".join(chunks[1]), b"".join(chunks[2])

    def close(self):
        if getattr(self, "_sb", None):
            _lib.rbox_sandbox_free(self._sb)
            self._sb = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
