/* delete.c - rbox-runtime delete */
#define _GNU_SOURCE
#include "cgroup_record.h"
#include "cli.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static const char usage[] =
    "Usage: rbox-runtime delete [flags] ID\n"
    "\n"
    "Delete a stopped (or created) container: its cgroup and state; runs poststop hooks.\n"
    "\n"
    "Flags:\n"
    "  -f, --force   kill the container first if it is running or paused; a container\n"
    "                that does not exist is not an error\n";

/* Is there anything at <root>/<id>? (A permission or I/O error counts as yes: it is reported.) */
static bool state_dir_present(const char *root, const char *id)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", root, id);
    return faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

static const struct cli_opt flags[] = { { "force", 'f', false, 1 }, { NULL, 0, false, 0 } };

int cmd_delete(const struct global_opts *g, int argc, char **argv)
{
    rbox_err *err = NULL;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "delete" };
    const char *arg;
    bool force = false;
    int id;
    while ((id = cli_next(&p, flags, &arg, &err)) != 0) {
        if (id == CLI_HELP)
            return cli_usage(usage);
        if (id < 0)
            return cli_fail(err);
        force = true;
    }
    if (cli_require_args(&p, 1, 1, "container ID", &err) < 0)
        return cli_fail(err);
    const char *cid = argv[p.i];
    int dirfd;
    if (state_dir_open(g->root, cid, &dirfd, &err) < 0) {
        /* As runc: --force of a container that does not exist succeeds silently (podman runs
         * it after a failed create and when its cleanups race). */
        if (force && validate_id(cid, NULL) == 0 && !state_dir_present(g->root, cid)) {
            rbox_err_free(err);
            return 0;
        }
        return cli_fail(err);
    }
    struct rbox_state *st = NULL;
    int ret = state_lock(dirfd, &err);
    if (ret == 0 && state_read(dirfd, cid, &st, &err) < 0) {
        /* A state dir without state.json: a create that crashed. --force clears it. */
        if (force && faccessat(dirfd, STATE_FILE, F_OK, 0) < 0 && errno == ENOENT) {
            rbox_err_free(err);
            err = NULL;
            /* its cgroup, recorded before it was made */
            ret = cgroup_record_destroy(dirfd, &err);
            if (ret == 0 && state_dir_remove(g->root, cid) < 0)
                ret = rbox_error(&err, errno, "removing %s", cid);
        } else {
            ret = -1;
        }
    } else if (ret == 0) {
        ret = container_destroy(g, dirfd, st, force, &err);
    }
    state_free(st);
    close(dirfd);
    return ret < 0 ? cli_fail(err) : 0;
}
