/* reconcile.c - rbox system reconcile: what dockerd does when it starts, for a host without a
 * daemon (contrib/rbox-reconcile.service runs it once at boot). Every container's state is read
 * and so reconciled (ctr.c: a dead monitor or a reboot is recorded, the container cleaned up,
 * an --rm one removed); then the exited containers whose --restart policy says so are started:
 * always, unless-stopped when the user did not stop it (stop, kill -s KILL, rm -f), on-failure
 * after a failure with retries left. */
#define _GNU_SOURCE
#include "ctr.h"
#include "mcli.h"
#include "proto.h"
#include "restart.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char reconcile_usage[] =
    "Usage: rbox system reconcile\n"
    "\n"
    "Bring the containers back after a reboot (or after their monitors were killed), as\n"
    "dockerd does when it starts: record and clean up every container whose rbox-monitor is\n"
    "gone (an --rm one is removed), then start the exited containers that have run before\n"
    "and whose --restart policy is always, unless-stopped (unless the user stopped it), or\n"
    "on-failure[:N] (after a failure, N restarts not used up). Prints the name of each\n"
    "container it starts. contrib/rbox-reconcile.service runs it at boot.\n";

static int reconcile_one(struct store *s, const char *id, bool *started, rbox_err **err)
{
    struct ctr_state st;
    *started = false;
    if (ctr_read(s, id, &st, NULL) < 0) /* gone meanwhile, or an --rm one reconcile removed */
        return 0;
    if (st.status != CS_EXITED || st.started_ns == 0 || st.monitor_pid != 0)
        return 0;
    _cleanup_close_ int fd = ctr_open_dir(s, id, NULL);
    struct ctr_spec sp;
    if (fd < 0 || spec_load(fd, &sp, NULL) < 0)
        return 0;
    bool want = restart_at_boot(sp.rf.restart, &st, ctr_stopped_by_user(s, id));
    spec_clear(&sp);
    if (!want)
        return 0;
    int code;
    if (ctr_start(s, id, 0, NULL, &code, err) < 0)
        return rbox_error_prefix(err, "starting %s", st.name);
    *started = true;
    printf("%s\n", st.name);
    fflush(stdout);
    return 0;
}

int cmd_system_reconcile(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = { .argc = argc, .argv = argv, .i = 1, .cmd = "rbox system reconcile" };
    rbox_err *err = NULL;
    const char *arg;
    int r = margs_next(&p, NULL, &arg, &err);
    if (r == 0)
        r = margs_require(&p, 0, 0, "no argument", &err);
    margs_free(&p);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(reconcile_usage) : cmd_fail(err);
    _cleanup_strv_ char **ids = NULL;
    size_t n = 0;
    if (ctr_list_ids(c->s, &ids, &n, &err) < 0)
        return cmd_fail(err);
    int ret = 0;
    for (size_t i = 0; i < n; i++) {
        bool started;
        if (reconcile_one(c->s, ids[i], &started, &err) < 0) {
            ret = cmd_fail(err); /* one line each; the others are still started */
            err = NULL;
        }
    }
    return ret;
}
