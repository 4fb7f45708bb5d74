/* exec_relay.h - rbox exec without -t: the runtime, and so the process in the container, gets
 * pipes that rbox owns, never rbox's own stdio (which may be the caller's terminal). */
#ifndef RBOX_EXEC_RELAY_H
#define RBOX_EXEC_RELAY_H

#include "error.h"

#include <signal.h>
#include <stdbool.h>

/* Run argv[0] (rbox-runtime exec ...) in a new session with stdin a pipe fed from our stdin
 * (interactive; else /dev/null) and stdout/stderr two pipes copied to ours, forwarding the
 * signals that arrive on sfd (every one: the runtime is in no terminal's process group). The
 * child starts with signal mask *old. Returns the runtime's wait status, or -1 with *err. */
int exec_relay(char *const argv[], bool interactive, int sfd, const sigset_t *old, rbox_err **err);

#endif
