/* state.c - rbox-runtime state */
#define _GNU_SOURCE
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

static const char usage[] = "Usage: rbox-runtime state ID\n"
                            "\n"
                            "Print the container's OCI state as JSON (status: created, running,\n"
                            "paused or stopped).\n";

int cmd_state(const struct global_opts *g, int argc, char **argv)
{
    rbox_err *err = NULL;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "state" };
    const char *arg;
    int id;
    while ((id = cli_next(&p, NULL, &arg, &err)) != 0)
        return id == CLI_HELP ? cli_usage(usage) : cli_fail(err);
    if (cli_require_args(&p, 1, 1, "container ID", &err) < 0)
        return cli_fail(err);
    struct container_ref ref;
    if (container_ref_open(g->root, argv[p.i], false, &ref, &err) < 0)
        return cli_fail(err);
    char *json = state_oci_json(ref.st, state_status(ref.dirfd, ref.st), true);
    printf("%s\n", json);
    free(json);
    container_ref_close(&ref);
    return 0;
}
