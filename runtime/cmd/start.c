/* start.c - rbox-runtime start */
#define _GNU_SOURCE
#include "cli.h"

static const char usage[] =
    "Usage: rbox-runtime start ID\n"
    "\n"
    "Start the user's process in a created container. Returns once it runs\n"
    "(after the poststart hooks; when one fails, the container is stopped and\n"
    "removed, and start fails).\n";

int cmd_start(const struct global_opts *g, int argc, char **argv)
{
    rbox_err *err = NULL;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "start" };
    const char *arg;
    int id;
    while ((id = cli_next(&p, NULL, &arg, &err)) != 0)
        return id == CLI_HELP ? cli_usage(usage) : cli_fail(err);
    if (cli_require_args(&p, 1, 1, "container ID", &err) < 0 ||
        container_start(g, argv[p.i], &err) < 0)
        return cli_fail(err);
    return 0;
}
