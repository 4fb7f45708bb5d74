/* wait.c - rbox wait [--condition not-running|next-exit|removed]: block until each container
 * reaches the condition, then print its exit code (docker's wait). */
#define _GNU_SOURCE
#include "ctr.h"
#include "mcli.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char wait_usage[] =
    "Usage: rbox wait [OPTIONS] CONTAINER [CONTAINER...]\n"
    "\n"
    "Block until containers stop, then print their exit codes, one line each.\n"
    "\n"
    "Options:\n"
    "      --condition C   not-running (default): until it is not running (a created\n"
    "                      container is waited for until it ran and exited); next-exit:\n"
    "                      until its next exit (a stopped one must be started again);\n"
    "                      removed: until it is gone (an --rm container, or after 'rm')\n";

enum cond { C_NOT_RUNNING, C_NEXT_EXIT, C_REMOVED };

/* Wait on the attach socket: the monitor sends "X<code> <signal>" after the exit, even for an
 * --rm container that is gone by then. -1 when there is no monitor to ask. */
static int wait_attached(struct cmd_ctx *c, const char *id)
{
    int fd = attach_connect(c->s, id, 0, NULL);
    if (fd < 0)
        return -1;
    char msg[PROTO_MSG_MAX + 1];
    int code = -1;
    for (;;) {
        ssize_t n = recv(fd, msg, PROTO_MSG_MAX, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        msg[n] = '\0';
        if (msg[0] == MSG_EXIT) {
            code = atoi(msg + 1);
            break;
        }
    }
    close(fd);
    return code;
}

static bool active(const struct ctr_state *st)
{
    return st->status == CS_RUNNING || st->status == CS_PAUSED || st->monitor_pid != 0;
}

/* Until the container has exited (after `since`, its FinishedAt when we began, for next-exit):
 * *code. 1 when it was removed meanwhile (*code: what the monitor said, else -1). */
static int until_exit(struct cmd_ctx *c, const char *id, int64_t since, int *code, rbox_err **err)
{
    for (;;) {
        struct ctr_state st;
        if (ctr_read(c->s, id, &st, err) < 0)
            return -1;
        if (st.status == CS_RUNNING || st.status == CS_PAUSED) {
            int x = wait_attached(c, id);
            if (x >= 0) {
                if (ctr_read(c->s, id, &st, NULL) < 0) {
                    *code = x; /* --rm: gone already */
                    return 1;
                }
                *code = x;
                return 0;
            }
        }
        if ((st.status == CS_EXITED || st.status == CS_DEAD) && !active(&st) &&
            st.finished_ns != since) {
            *code = st.exit_code;
            return 0;
        }
        if (active(&st))
            ctr_wait_monitor(&st, 1000);
        else
            usleep(100000); /* created, or stopped and waiting for a start (next-exit) */
    }
}

/* removed: until the container is gone; the exit code is the last one seen (the monitor's,
 * for an --rm container). */
static int until_removed(struct cmd_ctx *c, const char *id, const struct ctr_state *first)
{
    int code = first->exit_code;
    if (first->status == CS_RUNNING || first->status == CS_PAUSED) {
        int x = wait_attached(c, id);
        if (x >= 0)
            code = x;
    }
    struct ctr_state st;
    while (ctr_read(c->s, id, &st, NULL) == 0) {
        if (st.status == CS_EXITED || st.status == CS_DEAD)
            code = st.exit_code;
        if (active(&st) && ctr_wait_monitor(&st, 1000) == 0)
            continue;
        usleep(100000);
    }
    return code;
}

static int wait_one(struct cmd_ctx *c, const char *given, enum cond cond, rbox_err **err)
{
    char id[ID_LEN + 1];
    struct ctr_state first;
    if (ctr_resolve(c->s, given, id, err) < 0 || ctr_read(c->s, id, &first, err) < 0)
        return -1;
    int code;
    if (cond == C_REMOVED) {
        code = until_removed(c, id, &first);
    } else {
        /* not-running: a container that ran and stopped is done (a created one must run
         * first); next-exit: a stopped one must be started again */
        bool running = first.status == CS_RUNNING || first.status == CS_PAUSED;
        int64_t since = !running && (cond == C_NEXT_EXIT || first.status == CS_CREATED)
                            ? first.finished_ns
                            : -1;
        if (until_exit(c, id, since, &code, err) < 0)
            return -1;
    }
    printf("%d\n", code);
    fflush(stdout);
    return 0;
}

int cmd_wait(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "condition", 0, true, 1 }, { NULL, 0, false, 0 } };
    static const char *const conds[] = { "not-running", "next-exit", "removed" };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox wait", .interspersed = true
    };
    rbox_err *err = NULL;
    enum cond cond = C_NOT_RUNNING;
    const char *arg;
    int r;
    while ((r = margs_next(&p, opts, &arg, &err)) > 0) {
        size_t k = 0;
        while (k < ARRAY_SIZE(conds) && strcmp(conds[k], arg) != 0)
            k++;
        if (k == ARRAY_SIZE(conds)) {
            r = rbox_error(&err, 0,
                           "invalid value \"%s\" for --condition: not-running, next-exit or "
                           "removed",
                           arg);
            break;
        }
        cond = (enum cond)k;
    }
    if (r == 0)
        r = margs_require(&p, 1, -1, "at least one CONTAINER", &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(wait_usage) : cmd_fail(err);
    }
    int ret = 0;
    for (int k = 0; k < margs_count(&p); k++)
        if (wait_one(c, margs_at(&p, k), cond, &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
        }
    margs_free(&p);
    return ret;
}
