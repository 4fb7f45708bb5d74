/* container.h - the runtime side of the lifecycle: create (clone + drive the init), start,
 * and the teardown shared by delete and run. */
#ifndef RBOX_CONTAINER_H
#define RBOX_CONTAINER_H

#include "cgroup.h"
#include "config.h"
#include "error.h"
#include "state.h"

struct global_opts {
    const char *root;    /* --root */
    bool systemd_cgroup; /* --systemd-cgroup */
    bool rootless;       /* running without root (state under $XDG_RUNTIME_DIR) */
};

enum create_mode { MODE_CREATE, MODE_RUN };

struct create_opts {
    const char *id;
    const char *bundle;         /* NULL: current directory */
    const char *pid_file;       /* NULL: none */
    const char *console_socket; /* NULL: none */
    bool no_pivot;
    int preserve_fds;
    enum create_mode mode;
    bool detach; /* run --detach: a terminal then needs --console-socket */
};

/* A container this process has created and still drives (run mode keeps it). */
struct container {
    struct rbox_config *cfg;
    struct rbox_state *st;
    int dirfd;      /* state dir */
    int sync_fd;    /* run mode: our end of the sync socket, kept until the exec */
    int console_fd; /* run mode with a terminal and no --console-socket: our end */
    pid_t pid;      /* host pid of the init */
};

/* Create the container: on success it is "created" (init blocked before the user's process);
 * in MODE_RUN the caller then calls container_start_run(). On failure nothing is left. */
int container_create(const struct global_opts *g, const struct create_opts *o,
                     struct container **out, rbox_err **err);
/* MODE_RUN: release the init and wait until it has exec'd the user's process. */
int container_start_run(struct container *c, rbox_err **err);
void container_free(struct container *c);

/* `start`: open the start gate of a created container; returns once the process runs. */
int container_start(const struct global_opts *g, const char *id, rbox_err **err);

/* The poststart hooks of a container whose process runs. A failure (runtime-spec 1.3) stops and
 * destroys the container (poststop hooks included) and is returned. cfg NULL: the saved copy. */
int container_poststart(const struct global_opts *g, int dirfd, struct rbox_state *st,
                        const struct rbox_config *cfg, rbox_err **err);

/* Teardown: kill what is left (when force or the init still waits), remove the cgroup, run
 * poststop hooks, remove the state dir. */
int container_destroy(const struct global_opts *g, int dirfd, struct rbox_state *st, bool force,
                      rbox_err **err);

/* Write the pid file atomically (relative paths are relative to the cwd). */
int write_pid_file(const char *path, pid_t pid, rbox_err **err);

#endif
