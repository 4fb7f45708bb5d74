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
};

/* Fill the public error from an internal one (and free it); returns -1. */
int lib_fail(struct rbox_error *out, rbox_err *err);
int lib_failf(struct rbox_error *out, int errnum, const char *fmt, ...) PRINTF(3, 4);

/* config.c: the run's config.json (OCI) into w. root: the directory the container's root is. */
void lib_config(json_w *w, const struct rbox_sandbox *sb, const char *root,
                const char *cgroups_path);

#endif
