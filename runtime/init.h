/* init.h - the container's init process, from clone to execve of the user's process. */
#ifndef RBOX_INIT_H
#define RBOX_INIT_H

#include "cgroup.h"
#include "config.h"
#include "namespaces.h"
#include "seccomp.h"

struct init_args {
    const struct rbox_config *cfg;
    const char *id;
    int sync_fd;    /* the init's end of the sync socketpair */
    int start_fd;   /* create: listening start-gate socket; run: -1 (START comes on sync_fd) */
    int console_fd; /* connected --console-socket, or -1 */
    bool no_pivot;
    int preserve_fds;
    int listen_fds; /* socket activation: LISTEN_FDS fds at 3.., before the preserved ones */
    struct ns_plan *plan;
    struct cgroup *cg; /* NULL when the container has no cgroup */
    const struct seccomp_prog *seccomp;
    bool report_pid;       /* double-fork path: send our pid with SCM_CREDENTIALS first */
    bool join_cgroup;      /* the init joins cg itself (cgroup_enter_self) before anything else */
    bool cgroup_v2_joined; /* ... except the cgroup2 hierarchy: clone3 put it there */
    bool new_userns;
    int *bind_fds; /* mounts_open_bind_sources() (new user namespace), or NULL */
};

/* Never returns: execs the user's process or exits non-zero after reporting the error over
 * the sync socket (or the start connection). */
__attribute__((noreturn)) void init_main(struct init_args *a);

/* Double-fork path: the intermediate child. Joins/creates namespaces, forks the init. */
__attribute__((noreturn)) void init_intermediate(struct init_args *a);

#endif
