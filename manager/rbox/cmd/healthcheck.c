/* healthcheck.c - rbox healthcheck run (podman's): the container's monitor runs its health
 * check now (attach message 'H'); the result counts as a scheduled one's (State.Health). */
#define _GNU_SOURCE
#include "attach.h"
#include "ctr.h"
#include "healthconf.h"
#include "mcli.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char healthcheck_usage[] =
    "Usage: rbox healthcheck COMMAND\n"
    "\n"
    "A container's health check (run --health-cmd, or the image's HEALTHCHECK).\n"
    "\n"
    "Commands:\n"
    "  run        run a running container's health check now\n";

static const char run_usage[] =
    "Usage: rbox healthcheck run CONTAINER\n"
    "\n"
    "Run the health check of a running container now (--health-cmd or the image's\n"
    "HEALTHCHECK), as the monitor does every --health-interval, and print the status after\n"
    "it: healthy, unhealthy or starting (within --health-start-period). Exits 0 when the\n"
    "check succeeded, 1 when it failed, 125 on an error (no such container, not running, no\n"
    "health check).\n";

static int health_run(struct store *s, const char *ref, rbox_err **err)
{
    char id[ID_LEN + 1];
    struct ctr_state st;
    if (ctr_resolve(s, ref, id, err) < 0 || ctr_read(s, id, &st, err) < 0)
        return -1;
    _cleanup_close_ int fd = ctr_open_dir(s, id, err);
    if (fd < 0)
        return -1;
    if (faccessat(fd, HEALTH_CONF, F_OK, 0) < 0)
        return rbox_error(err, 0, "container %s has no health check", st.name);
    if (st.status != CS_RUNNING)
        return rbox_error(err, 0, "container %s is not running", st.name);
    _cleanup_close_ int afd = attach_connect(s, id, 0, err);
    if (afd < 0)
        return -1;
    char req = MSG_HEALTH;
    if (send(afd, &req, 1, MSG_NOSIGNAL) < 0)
        return rbox_error(err, errno, "talking to the monitor of %s", st.name);
    char msg[PROTO_MSG_MAX + 1];
    for (;;) {
        ssize_t len = recv(afd, msg, PROTO_MSG_MAX, 0);
        if (len < 0 && errno == EINTR)
            continue;
        if (len <= 0 || msg[0] == MSG_EXIT)
            return rbox_error(err, 0, "container %s exited during its health check", st.name);
        msg[len] = '\0';
        if (msg[0] != MSG_HEALTH_ANSWER)
            continue;
        int code = atoi(msg + 1);
        const char *status = strchr(msg, ' ');
        if (code == -2)
            return rbox_error(err, 0, "container %s is not running", st.name);
        printf("%s\n", status ? status + 1 : "unknown");
        return code == 0 ? 0 : 1;
    }
}

int cmd_healthcheck(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return argc < 2 ? (fputs(healthcheck_usage, stderr), EXIT_RBOX)
                        : cmd_help(healthcheck_usage);
    rbox_err *err = NULL;
    if (strcmp(argv[1], "run") != 0) {
        rbox_error(&err, 0, "rbox healthcheck: unknown command %s (see 'rbox healthcheck --help')",
                   argv[1]);
        return cmd_fail(err);
    }
    struct margs p = { .argc = argc - 1,
                       .argv = argv + 1,
                       .i = 1,
                       .cmd = "rbox healthcheck run",
                       .interspersed = true };
    const char *arg;
    int r = margs_next(&p, NULL, &arg, &err);
    if (r == 0)
        r = margs_require(&p, 1, 1, "one CONTAINER", &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(run_usage) : cmd_fail(err);
    }
    r = health_run(c->s, margs_at(&p, 0), &err);
    margs_free(&p);
    return r < 0 ? cmd_fail(err) : r;
}
