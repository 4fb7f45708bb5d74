/* spawn.h - running a helper program (newuidmap, fuse-overlayfs, ...) and reading what it said;
 * the manager and the runtime start theirs the same way. */
#ifndef RBOX_SPAWN_H
#define RBOX_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* name's path through $PATH (/usr/bin:/bin when it is unset or empty), the first executable
 * one; NULL when there is none. */
char *find_in_path(const char *name);

struct spawn_opts {
    int dir_fd;  /* >= 0: the child changes into it and reads /dev/null as stdin */
    bool daemon; /* it leaves a daemon behind holding the pipe: read only what is there once
                    it has exited, without blocking */
};

/* Runs exe with argv (and our environment), its stdout and stderr into a pipe. The first line
 * of what it wrote (at most outsz - 1 bytes) lands NUL-terminated in out; its wait status in
 * *status. A failed exec exits 127 with "exec EXE: why" as its output. <0 with err filled when
 * it could not be started (pipe, fork). opts may be NULL. */
int spawn_capture(const char *exe, char *const argv[], const struct spawn_opts *opts, char *out,
                  size_t outsz, int *status, rbox_err **err);

/* fork() with a socketpair between the two: in the child *fd is its end and the call returns 0,
 * in the parent *fd is the parent's end and the child's pid is returned. <0 with err filled
 * (socketpair, fork) and nothing left open. */
pid_t fork_socketpair(int *fd, rbox_err **err);

#endif
