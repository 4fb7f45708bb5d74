/* internal.h - librbox's description of a sandbox and the pieces of a run (see
 * include/rbox/rbox.h for the API, docs/library.md for the design). */
#ifndef RBOX_LIBRBOX_INTERNAL_H
#define RBOX_LIBRBOX_INTERNAL_H

#include "error.h"
#include "json.h"
#include "rbox/rbox.h"
#include <stdbool.h>
#include <stdint.h>

#define RBOX_API __attribute__((visibility("default")))

struct lib_mount {
    char *source; /* bind: host path; tmpfs: NULL */
    char *dest;
    char *options; /* tmpfs: mount options or NULL */
    bool bind, ro;
};

struct rbox_sandbox {
    char *rootfs; /* absolute, resolved */
    char **argv;
    char **env;
    size_t n_env;
    char *cwd;
    uid_t uid;
    gid_t gid;
    int64_t memory, pids, timeout_ns;
    int64_t cpu_quota, cpu_period; /* microseconds; 0: none */
    char *seccomp;                 /* profile name, or NULL with seccomp_text from a file */
    char *seccomp_text;            /* a file's content */
    enum rbox_network net;
    struct lib_mount *mounts;
    size_t n_mounts;
    bool readonly_root;
    int in_fd, out_fd, err_fd; /* -1: /dev/null; -2: the caller's (default for out and err) */
    char *cgroup_parent, *workdir, *runtime;
    int prestart;          /* runs prepared ahead (fast.c); 0: the fast path is off */
    struct lib_pool *pool; /* fast.c: the helper and the prepared runs */
};

/* Fill the public error from an internal one (and free it); returns -1. */
int lib_fail(struct rbox_error *out, rbox_err *err);
int lib_failf(struct rbox_error *out, int errnum, const char *fmt, ...) PRINTF(3, 4);

/* config.c: the run's config.json (OCI) into w. root: the directory the container's root is. */
void lib_config(json_w *w, const struct rbox_sandbox *sb, const char *root,
                const char *cgroups_path);

/* run.c: a new run id; whether the host is pure cgroup v2 (creates are serialised, see run.c);
 * a verdict from the runtime's `run --stats` text (NULL: none, the run failed: exit_code and
 * error say how). */
void lib_run_id(char *buf, size_t len);
bool lib_pure_v2(void);
/* run.c, for fast.c too: the command's stdio. stream: two pipes whose read ends (non-blocking)
 * land in *rd_out and *rd_err, the write ends in *out and *errfd; else the sandbox's fds dup'ed
 * (-1: /dev/null, -2: ours). -1 with err filled and nothing left open. */
int lib_stdio(const struct rbox_sandbox *sb, bool stream, int *in, int *out, int *errfd,
              int *rd_out, int *rd_err, struct rbox_error *err);
/* Reads *fd to the callbacks as stream (1, 2): what is there (all false), or to EOF (all: at
 * EAGAIN the fd counts as ended, or with wait poll()s for more); *fd is closed and -1 at EOF. */
void lib_drain(int *fd, int stream, const struct rbox_callbacks *cb, void *user, bool all,
               bool wait);
int lib_pidfd_send_signal(int fd, int sig);
/* The run's cgroup: <cgroup_parent without trailing slashes>/<id>. */
char *lib_cgroup_path(const struct rbox_sandbox *sb, const char *id);
void lib_verdict(const struct rbox_sandbox *sb, const char *id, const char *stats, int exit_code,
                 const char *error, bool timed_out, uint64_t t_start, uint64_t t_end,
                 struct rbox_verdict *out);

/* fast.c: the pool of a new description; a run through it (1: not taken, use the slow path);
 * freeing it (waits for the helper to finish). */
void lib_pool_init(struct rbox_sandbox *sb);
int lib_fast_run(const struct rbox_sandbox *sb, const struct rbox_callbacks *cb, void *user,
                 struct rbox_verdict *v, struct rbox_error *err);
void lib_pool_free(struct rbox_sandbox *sb);

#endif
