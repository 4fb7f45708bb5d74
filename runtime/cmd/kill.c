/* kill.c - rbox-runtime kill */
#define _GNU_SOURCE
#include "cli.h"
#include "signals.h"
#include "pidfd.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char usage[] =
    "Usage: rbox-runtime kill [flags] ID [SIGNAL]\n"
    "\n"
    "Send SIGNAL (a name like TERM or SIGTERM, or a number; default TERM) to the container's\n"
    "init process. SIGNAL 0 sends nothing: it only checks that the container is alive (exit 0)\n"
    "or not (exit 1).\n"
    "\n"
    "Flags:\n"
    "  -a, --all   signal every process in the container's cgroup\n";

static const struct cli_opt flags[] = { { "all", 'a', false, 1 }, { NULL, 0, false, 0 } };

/* Signal the init through a pidfd opened after checking its start time: a reused pid is never
 * signalled. */
static int signal_init(const struct rbox_state *st, int sig, rbox_err **err)
{
    int pfd = pidfd_open_verified(st->pid, st->pid_start);
    if (pfd < 0)
        return rbox_error(err, 0, "container \"%s\" is not running", st->id);
    int r = (int)syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
    int saved = errno;
    close(pfd);
    if (r < 0)
        return rbox_error(err, saved, "signalling container \"%s\"", st->id);
    return 0;
}

int cmd_kill(const struct global_opts *g, int argc, char **argv)
{
    rbox_err *err = NULL;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "kill" };
    const char *arg;
    bool all = false;
    int id;
    while ((id = cli_next(&p, flags, &arg, &err)) != 0) {
        if (id == CLI_HELP)
            return cli_usage(usage);
        if (id < 0)
            return cli_fail(err);
        all = true;
    }
    if (cli_require_args(&p, 1, 2, "container ID", &err) < 0)
        return cli_fail(err);
    int sig = SIGTERM;
    /* 0: no signal, only the check that the init is alive (kill(2)'s meaning, as runc) */
    if (cli_rest(&p) == 2 && strcmp(argv[p.i + 1], "0") == 0)
        sig = 0;
    else if (cli_rest(&p) == 2 && (sig = signal_parse(argv[p.i + 1])) < 0) {
        rbox_error(&err, 0, "kill: unknown signal \"%s\"", argv[p.i + 1]);
        return cli_fail(err);
    }
    struct container_ref ref;
    if (container_ref_open(g->root, argv[p.i], false, &ref, &err) < 0)
        return cli_fail(err);
    int ret = 0;
    enum container_status status = state_status(ref.dirfd, ref.st);
    if (all && ref.st->cgroup)
        ret = cgroup_kill_all(ref.st->cgroup, sig, &err);
    else if (status == ST_STOPPED)
        ret = rbox_error(&err, 0, "container \"%s\" is not running", ref.st->id);
    else
        ret = signal_init(ref.st, sig, &err);
    container_ref_close(&ref);
    return ret < 0 ? cli_fail(err) : 0;
}
