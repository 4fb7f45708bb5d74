/* pause.c - rbox-runtime pause / resume: freeze and thaw every process of a container
 * (v1 freezer.state, v2 cgroup.freeze). */
#define _GNU_SOURCE
#include "cli.h"

static const char pause_usage[] =
    "Usage: rbox-runtime pause ID\n"
    "\n"
    "Freeze every process in the container's cgroup; `state` then reports \"paused\".\n";

static const char resume_usage[] = "Usage: rbox-runtime resume ID\n"
                                   "\n"
                                   "Thaw the processes of a paused container.\n";

static int freeze_verb(const struct global_opts *g, int argc, char **argv, bool freeze)
{
    rbox_err *err = NULL;
    struct cli_parser p = {
        .argc = argc, .argv = argv, .i = 1, .verb = freeze ? "pause" : "resume"
    };
    const char *arg;
    int id;
    while ((id = cli_next(&p, NULL, &arg, &err)) != 0)
        return id == CLI_HELP ? cli_usage(freeze ? pause_usage : resume_usage) : cli_fail(err);
    if (cli_require_args(&p, 1, 1, "container ID", &err) < 0)
        return cli_fail(err);
    struct container_ref ref;
    if (container_ref_open(g->root, argv[p.i], true, &ref, &err) < 0)
        return cli_fail(err);
    enum container_status status = state_status(ref.dirfd, ref.st);
    int ret = 0;
    if (freeze && status == ST_PAUSED)
        ret = rbox_error(&err, 0, "container \"%s\" is already paused", ref.st->id);
    else if (freeze && status != ST_RUNNING)
        ret = rbox_error(&err, 0, "container \"%s\" is not running", ref.st->id);
    else if (!freeze && status != ST_PAUSED)
        ret = rbox_error(&err, 0, "container \"%s\" is not paused", ref.st->id);
    else if (ref.st->cgroup == NULL)
        ret = rbox_error(&err, 0, "container \"%s\" has no cgroup to %s", ref.st->id, p.verb);
    else if (cgroup_freeze(ref.st->cgroup, freeze, &err) < 0)
        ret = rbox_error_prefix(&err, "%s \"%s\"", freeze ? "pausing" : "resuming", ref.st->id);
    container_ref_close(&ref);
    return ret < 0 ? cli_fail(err) : 0;
}

int cmd_pause(const struct global_opts *g, int argc, char **argv)
{
    return freeze_verb(g, argc, argv, true);
}

int cmd_resume(const struct global_opts *g, int argc, char **argv)
{
    return freeze_verb(g, argc, argv, false);
}
