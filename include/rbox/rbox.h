/* rbox.h - librbox: run a command in a fresh, limited sandbox and get its verdict.
 *
 * A sandbox description (struct rbox_sandbox) says what to run and under which limits; every
 * rbox_run() of it creates a new container with rbox-runtime (the runtime's isolation, not a
 * second implementation of it): fresh namespaces (mount, pid, ipc, uts, cgroup; network unless
 * RBOX_NET_HOST), a fresh writable layer (an overlay whose upper directory is a new tmpfs over
 * the read-only rootfs), a fresh cgroup with the limits, the seccomp profile, no capabilities
 * beyond docker's default set and no_new_privs. Nothing of one run is visible to the next, and
 * nothing is left behind when rbox_run() returns (the container, its cgroup, its mounts).
 *
 * Errors: functions that can fail return 0 on success and -1 on failure, and fill the caller's
 * struct rbox_error (which may be NULL) with a message and an errno value.
 *
 * Threads: a description may be used by several threads at once once it is set up (rbox_run
 * does not change it); the setters must not race with runs of the same description. Runs are
 * independent: several threads may run sandboxes at the same time.
 *
 * Needs: root (CAP_SYS_ADMIN), the rbox-runtime binary ($RBOX_RUNTIME, else the one installed
 * with the library), overlayfs. Docs: docs/library.md. */
#ifndef RBOX_RBOX_H
#define RBOX_RBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RBOX_API_VERSION 1

/* The error of a failed call: what went wrong, and the errno behind it (EINVAL for a bad value). */
struct rbox_error {
    int errnum;
    char message[1024];
};

/* The verdict of one run: the fields of `rbox run --report` (docs/sandbox.md). Counters the host
 * cannot give are -1. */
struct rbox_verdict {
    int started;        /* 0: the container could not be started (error says why) */
    int exit_code;      /* the process's exit code; 128+N when killed by signal N; 125 when the
                         * runtime failed, 126/127 when the command could not be executed */
    int signal;         /* the signal that killed the process, 0 if it exited */
    int oom_killed;     /* the kernel's OOM killer killed a process of the sandbox (memory limit) */
    int timed_out;      /* the wall timeout ran out and the sandbox was killed (SIGKILL) */
    int64_t timeout_ns; /* the timeout, 0: none */
    int64_t wall_time_ns; /* from the container's creation to the process's end (monotonic) */
    int64_t cpu_user_ns;  /* CPU time of every process that ran in the sandbox */
    int64_t cpu_system_ns;
    int64_t memory_peak_bytes; /* highest memory charged to the sandbox's cgroup */
    int64_t pids_peak;         /* most processes (threads included) alive at once */
    char error[512];           /* why the start failed ("" when started) */
};

enum rbox_network {
    RBOX_NET_NONE = 0, /* a new network namespace with only loopback (the default) */
    RBOX_NET_HOST = 1, /* the caller's network namespace */
};

typedef struct rbox_sandbox rbox_sandbox;

/* The library's version ("1.2.3"). */
const char *rbox_version(void);

/* A description that runs in ROOTFS (a directory, never modified: runs write to their own
 * layer). Defaults: command /bin/true, PATH in the environment, cwd /, uid/gid 0, no limits,
 * no timeout, the "default" seccomp profile, RBOX_NET_NONE, stdin /dev/null, stdout and
 * stderr the caller's, a writable layer. NULL on error. */
rbox_sandbox *rbox_sandbox_new(const char *rootfs, struct rbox_error *err);
void rbox_sandbox_free(rbox_sandbox *sb);

/* The command: argv[0] is the program (looked up in PATH inside the sandbox when it has no
 * '/'), the array ends with NULL. */
int rbox_sandbox_set_command(rbox_sandbox *sb, const char *const *argv, struct rbox_error *err);
/* Add "NAME=VALUE" to the environment (a NAME set before is replaced). */
int rbox_sandbox_setenv(rbox_sandbox *sb, const char *name_value, struct rbox_error *err);
/* Forget the environment (also the default PATH). */
void rbox_sandbox_clearenv(rbox_sandbox *sb);
/* Working directory inside the sandbox (absolute). */
int rbox_sandbox_set_cwd(rbox_sandbox *sb, const char *cwd, struct rbox_error *err);
/* The identity the command runs as (numeric: no look-up). */
int rbox_sandbox_set_user(rbox_sandbox *sb, uid_t uid, gid_t gid, struct rbox_error *err);

/* Limits; 0 removes one. Memory in bytes (swap included: at the limit the OOM killer acts);
 * CPU as a percentage of one CPU (150 = one and a half) or as a CFS quota per period in
 * microseconds; pids counts processes and threads; the wall timeout in nanoseconds. */
int rbox_sandbox_set_memory(rbox_sandbox *sb, int64_t bytes, struct rbox_error *err);
int rbox_sandbox_set_cpu_percent(rbox_sandbox *sb, double percent, struct rbox_error *err);
int rbox_sandbox_set_cpu_quota(rbox_sandbox *sb, int64_t quota_us, int64_t period_us,
                               struct rbox_error *err);
int rbox_sandbox_set_pids(rbox_sandbox *sb, int64_t max, struct rbox_error *err);
int rbox_sandbox_set_timeout(rbox_sandbox *sb, int64_t ns, struct rbox_error *err);

/* The seccomp profile: a built-in name ("default", "minimal", "io-heavy", "compute",
 * "network"; "unconfined" for none), or a JSON file (a path with a '/' or ending in .json,
 * read and checked now), as `rbox run --security-opt seccomp=` takes them. */
int rbox_sandbox_set_seccomp(rbox_sandbox *sb, const char *name_or_file, struct rbox_error *err);

int rbox_sandbox_set_network(rbox_sandbox *sb, enum rbox_network net, struct rbox_error *err);

/* A host path bind-mounted at DEST (absolute, not "/"), read-only unless readonly is 0. */
int rbox_sandbox_add_bind(rbox_sandbox *sb, const char *source, const char *dest, int readonly,
                          struct rbox_error *err);
/* A fresh tmpfs at DEST; options as mount(8) takes them ("size=16m,mode=1777"), or NULL. */
int rbox_sandbox_add_tmpfs(rbox_sandbox *sb, const char *dest, const char *options,
                           struct rbox_error *err);
/* 1: no writable layer, the root is the rootfs itself, read-only (faster; tmpfs mounts still
 * give writable places). */
int rbox_sandbox_set_readonly_root(rbox_sandbox *sb, int readonly, struct rbox_error *err);

/* The command's stdin, stdout and stderr in rbox_run(): descriptors of the caller, duplicated
 * for each run; -1: /dev/null. (rbox_run_stream() delivers stdout and stderr to its callbacks.) */
int rbox_sandbox_set_stdio(rbox_sandbox *sb, int in_fd, int out_fd, int err_fd,
                           struct rbox_error *err);

/* Where things go. The cgroup parent (default $RBOX_CGROUP_PARENT, else "/librbox"): each run's
 * cgroup is made under it and removed after it; a relative path nests under the caller's own
 * cgroup. The work directory (default $RBOX_LIB_ROOT, else /run/librbox): the runtime's state
 * and compiled-seccomp cache, and one directory per run while it runs. The runtime binary
 * (default $RBOX_RUNTIME, else the installed rbox-runtime). */
int rbox_sandbox_set_cgroup_parent(rbox_sandbox *sb, const char *path, struct rbox_error *err);
int rbox_sandbox_set_workdir(rbox_sandbox *sb, const char *dir, struct rbox_error *err);
int rbox_sandbox_set_runtime(rbox_sandbox *sb, const char *path, struct rbox_error *err);

/* The fast path for many short runs (docs/library.md): up to N runs are prepared ahead — each
 * its own container, created by a helper process (`rbox-runtime serve`, one per description,
 * started at the first run) with fresh namespaces, a fresh cgroup and a fresh writable layer,
 * its init held before the command — so that a run only starts and waits. Default 2, or
 * $RBOX_LIB_PRESTART; 0: every run is one `rbox-runtime run`. A run still sees only its own
 * container: nothing one run writes or leaves running is visible to the next. Changing the
 * description (or the files behind its stdio descriptors) makes the prepared runs stale: they
 * are dropped, not used. rbox_sandbox_free() waits until the helper has removed everything. */
int rbox_sandbox_set_prestart(rbox_sandbox *sb, int n, struct rbox_error *err);

/* Run it once, wait for the end, fill *v. Returns 0 when there is a verdict (the command may
 * still have failed, or not started: see v->started, v->exit_code); -1 (err filled, v not)
 * when the library itself could not run it (no runtime, no work directory, ...). */
int rbox_run(const rbox_sandbox *sb, struct rbox_verdict *v, struct rbox_error *err);

/* Streaming: the same run, with the command's stdout (stream 1) and stderr (stream 2) handed
 * to on_output in chunks as they come, and on_exit called once with the verdict before
 * rbox_run_stream returns. Callbacks run on the calling thread; either may be NULL. */
struct rbox_callbacks {
    void (*on_output)(void *user, int stream, const char *data, size_t len);
    void (*on_exit)(void *user, const struct rbox_verdict *v);
};
int rbox_run_stream(const rbox_sandbox *sb, const struct rbox_callbacks *cb, void *user,
                    struct rbox_verdict *v, struct rbox_error *err);

/* The verdict as `rbox run --report` writes it (one JSON object, a newline, NUL-terminated);
 * the length, or -1 when buf is too small (2048 bytes always suffice). */
int rbox_verdict_json(const struct rbox_verdict *v, char *buf, size_t len);

/* The config.json (OCI runtime spec) a run of sb gives rbox-runtime, with root.path ROOT and
 * "<cgroup parent>/ID" as cgroupsPath: to look at, or to run the same container with another
 * OCI runtime. Allocated: free() it. NULL on error. */
char *rbox_sandbox_oci_config(const rbox_sandbox *sb, const char *root, struct rbox_error *err);

#ifdef __cplusplus
}
#endif
#endif
