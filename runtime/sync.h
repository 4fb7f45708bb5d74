/* sync.h - the runtime <-> container-init protocol over one SOCK_SEQPACKET socketpair.
 *
 * Steps (the same list is repeated in container.c and init.c):
 *   1. parent -> init   SYNC_GO        uid/gid maps written, init placed in its cgroup
 *   2. init   -> parent SYNC_HOOKS     mounts prepared, not pivoted: run prestart/createRuntime
 *      parent -> init   SYNC_ACK       (only when the config has such hooks)
 *   3. init   -> parent SYNC_READY     init is set up and blocked before the user's process
 *   4. parent -> init   SYNC_COMMIT    state.json written (create); init now waits on the start
 * gate or parent -> init SYNC_START    (run) exec now; EOF on the socket then means "exec happened"
 *   at any step: init -> parent SYNC_ERROR (errno + one-line message) and the init exits;
 *   EOF seen by the init means the runtime died: the init exits.
 * The double-fork path adds SYNC_PID (the intermediate child reports the init's host PID).
 * A seccomp filter with SCMP_ACT_NOTIFY adds, right before execve (after the start gate for
 * create, on the start connection): init -> SYNC_SECCOMP with the listener fd attached;
 * the runtime hands it to linux.seccomp.listenerPath and answers SYNC_ACK (or SYNC_ERROR).
 */
#ifndef RBOX_SYNC_H
#define RBOX_SYNC_H

#include "error.h"
#include <stdint.h>
#include <sys/types.h>

enum sync_type {
    SYNC_GO = 1,
    SYNC_HOOKS,
    SYNC_ACK,
    SYNC_READY,
    SYNC_COMMIT,
    SYNC_START,
    SYNC_ERROR,
    SYNC_PID,
    SYNC_MAPS,    /* init -> parent: in a new user namespace, write my maps now */
    SYNC_SECCOMP, /* init -> parent: the seccomp listener fd (SCM_RIGHTS) */
};

#define SYNC_MSG_MAX 1024

struct sync_msg {
    int32_t type;
    int32_t value; /* errno for SYNC_ERROR, pid for SYNC_PID */
    char text[SYNC_MSG_MAX];
};

/* Send a message; returns -1 with errno on failure. */
int sync_send(int fd, enum sync_type type, int32_t value, const char *text);
/* Receive one message; returns 0 on EOF, 1 on a message, -1 on error (errno). */
int sync_recv(int fd, struct sync_msg *m);
/* Receive and require `want`: a SYNC_ERROR becomes err (its text is the message), EOF or another
 * type become "container init exited unexpectedly" / "protocol error". */
int sync_expect(int fd, enum sync_type want, struct sync_msg *m, rbox_err **err);
/* Send a message with one fd attached (SCM_RIGHTS); -1 with errno on failure. */
int sync_send_fd(int fd, enum sync_type type, int passfd);
/* Like sync_recv; *passfd receives an attached fd (O_CLOEXEC) or -1. */
int sync_recv_fd(int fd, struct sync_msg *m, int *passfd);
/* Send an error (init side) */
void sync_send_error(int fd, const rbox_err *err);

#endif
