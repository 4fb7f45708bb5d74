/* exec.h - run another process in a running container (`exec`): it joins every namespace of the
 * container's init (user first), its cgroup and its root, and gets its own user, environment,
 * capabilities, rlimits, no_new_privs, seccomp profile and terminal. */
#ifndef RBOX_EXEC_H
#define RBOX_EXEC_H

#include "container.h"
#include "error.h"

struct exec_opts {
    const char *id;
    const char *process_file;   /* --process: a runtime-spec process object (JSON) */
    char **args;                /* the command (NULL-terminated) when there is no --process */
    bool detach;                /* return once the process runs (the caller is the subreaper) */
    bool tty;                   /* --tty: process.terminal */
    bool no_new_privs;          /* --no-new-privs */
    const char *pid_file;       /* --pid-file */
    const char *console_socket; /* --console-socket */
    const char *cwd;            /* --cwd */
    const char *user;           /* --user UID[:GID] */
    char **env;                 /* --env KEY=VALUE..., NULL-terminated (may be NULL) */
    char **caps;                /* --cap NAME..., added to bounding/effective/permitted */
    char **additional_gids;     /* --additional-gids GID... */
    int preserve_fds;           /* --preserve-fds */
    bool ignore_paused;         /* --ignore-paused: a paused container is not refused */
    char **cgroups;             /* --cgroup [CONTROLLER:]PATH..., NULL-terminated (may be NULL) */
};

/* Exec: with detach, returns 0 once the process runs; otherwise waits for it and returns its
 * exit code (128+N for signal N). Returns -1 with err when the process could not be started. */
int container_exec(const struct global_opts *g, const struct exec_opts *o, rbox_err **err);

/* exec_cgroup.c: the directory to join in each hierarchy of cg (its own, or the sub-cgroup that
 * --cgroup names), NULL-terminated; *out stays NULL without specs. */
int exec_cgroup_targets(struct cgroup *cg, char *const *specs, char ***out, rbox_err **err);
int exec_cgroup_enter(char *const *dirs, pid_t pid, rbox_err **err);

#endif
