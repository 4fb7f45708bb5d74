/* pause.c - rbox pause and unpause: freeze / thaw every process of running containers
 * through rbox-runtime pause / resume (the cgroup freezer); the state says "paused" meanwhile
 * (ps: "Up 5 minutes (Paused)", inspect: State.Paused). */
#define _GNU_SOURCE
#include "ctr.h"
#include "events.h"
#include "mcli.h"
#include "proto.h"
#include "rtclient.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char pause_usage[] =
    "Usage: rbox pause CONTAINER [CONTAINER...]\n"
    "\n"
    "Freeze every process of running containers (the cgroup freezer). A paused container\n"
    "can be unpaused, stopped, killed or removed with rm -f; exec and attach wait for\n"
    "unpause.\n";

static const char unpause_usage[] = "Usage: rbox unpause CONTAINER [CONTAINER...]\n"
                                    "\n"
                                    "Thaw the processes of paused containers.\n";

/* Under the container's lock: freeze (to = CS_PAUSED) or thaw (to = CS_RUNNING). quiet: no
 * error when the container is not in the other state (the thaw after a signal). */
static int set_paused(struct store *s, const char *id, bool pause, bool quiet, rbox_err **err)
{
    struct ctr_state st;
    if (ctr_read(s, id, &st, err) < 0) /* reconciled first */
        return -1;
    _cleanup_close_ int lock = ctr_lock(s, id, err);
    _cleanup_close_ int fd = lock < 0 ? -1 : ctr_open_dir(s, id, err);
    if (fd < 0)
        return -1;
    if (ctr_state_read(fd, &st) < 0)
        return rbox_error(err, 0, "no such container: %s", id);
    enum ctr_status from = pause ? CS_RUNNING : CS_PAUSED;
    if (st.status != from) {
        if (quiet)
            return 0;
        if (pause && st.status == CS_PAUSED)
            return rbox_error(err, 0, "container %s is already paused", st.name);
        if (pause)
            return rbox_error(err, 0, "container %s is not running", st.name);
        return rbox_error(err, 0, "container %s is not paused", st.name);
    }
    const char *args[] = { pause ? "pause" : "resume", st.id, NULL };
    if (rt_run(s, args, err) < 0)
        return rbox_error_prefix(err, "cannot %s container %s", pause ? "pause" : "unpause",
                                 st.name);
    st.status = pause ? CS_PAUSED : CS_RUNNING;
    if (ctr_state_write(fd, &st, false) < 0)
        return rbox_error(err, errno, "writing the state of %s", st.name);
    if (!quiet) { /* docker's pause and unpause events (not the thaw a signal needs) */
        const char *attrs[] = { "image", st.image, "name", st.name, NULL };
        event_append(s->root, "container", pause ? "pause" : "unpause", st.id, attrs);
    }
    return 0;
}

int ctr_thaw(struct store *s, const char *id)
{
    return set_paused(s, id, false, true, NULL);
}

static int each(struct cmd_ctx *c, int argc, char **argv, bool pause)
{
    const char *name = pause ? "rbox pause" : "rbox unpause";
    struct margs p = { .argc = argc, .argv = argv, .i = 1, .cmd = name, .interspersed = true };
    rbox_err *err = NULL;
    const char *arg;
    int r = margs_next(&p, NULL, &arg, &err);
    if (r == 0)
        r = margs_require(&p, 1, -1, "at least one CONTAINER", &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(pause ? pause_usage : unpause_usage) : cmd_fail(err);
    }
    int ret = 0;
    for (int k = 0; k < margs_count(&p); k++) {
        char id[ID_LEN + 1];
        if (ctr_resolve(c->s, margs_at(&p, k), id, &err) < 0 ||
            set_paused(c->s, id, pause, false, &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
            continue;
        }
        printf("%s\n", margs_at(&p, k));
    }
    margs_free(&p);
    return ret;
}

int cmd_pause(struct cmd_ctx *c, int argc, char **argv)
{
    return each(c, argc, argv, true);
}

int cmd_unpause(struct cmd_ctx *c, int argc, char **argv)
{
    return each(c, argc, argv, false);
}
