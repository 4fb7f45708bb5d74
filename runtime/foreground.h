/* foreground.h - a container process run in the foreground (`run`, `exec` without --detach):
 * signals forwarded to it, its pty relayed to our own stdio, its exit status collected. */
#ifndef RBOX_FOREGROUND_H
#define RBOX_FOREGROUND_H

#include "error.h"
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* Block every signal that can be forwarded (call before creating the process, so none is
 * lost) and return a signalfd for them; the old mask goes to *old. */
int foreground_signals(sigset_t *old, rbox_err **err);
/* Forward signals to pid until it exits; reap every other child on the way (we are a
 * subreaper). With master >= 0, relay stdin -> master and master -> stdout, put a terminal on
 * stdin into raw mode (restored before returning) and copy its size on SIGWINCH.
 * Returns pid's wait status, or -1 when the signalfd fails. */
int foreground_wait(pid_t pid, int sfd, int master);
/* A wait status as an exit code: the code, or 128+N for a signal N. */
int foreground_exit_code(int status);

#endif
