/* create.c - rbox-runtime create */
#define _GNU_SOURCE
#include "cli.h"
#include "log.h"

static const char usage[] =
    "Usage: rbox-runtime create [flags] ID\n"
    "\n"
    "Create a container from a bundle. Its init waits, fully set up, until 'start'.\n"
    "process.terminal needs --console-socket. Socket-activation fds (LISTEN_FDS with\n"
    "LISTEN_PID = this process) are passed on as fds 3.., before the --preserve-fds ones.\n"
    "\n"
    "Flags:\n"
    "  -b, --bundle DIR          bundle directory (default: current directory)\n"
    "  --pid-file FILE           write the init's host PID to FILE\n"
    "  --console-socket PATH     unix socket that receives the pty master (process.terminal)\n"
    "  --no-pivot                use MS_MOVE + chroot instead of pivot_root\n"
    "  --no-new-keyring          accepted for runc compatibility (no session keyring is made)\n"
    "  --preserve-fds N          pass fds 3..3+N-1 to the container process\n";

enum { O_BUNDLE = 1, O_PIDFILE, O_CONSOLE, O_NOPIVOT, O_NOKEYRING, O_PRESERVE };
const struct cli_opt create_flags[] = {
    { "bundle", 'b', true, O_BUNDLE },
    { "pid-file", 0, true, O_PIDFILE },
    { "console-socket", 0, true, O_CONSOLE },
    { "no-pivot", 0, false, O_NOPIVOT },
    { "no-new-keyring", 0, false, O_NOKEYRING },
    { "preserve-fds", 0, true, O_PRESERVE },
    { NULL, 0, false, 0 },
};

/* Shared with cmd_run: one create flag; returns 1 if handled, 0 if not a create flag, -1 error */
int create_flag(struct create_opts *o, int id, const char *arg, rbox_err **err);
int create_flag(struct create_opts *o, int id, const char *arg, rbox_err **err)
{
    switch (id) {
    case O_BUNDLE: o->bundle = arg; return 1;
    case O_PIDFILE: o->pid_file = arg; return 1;
    case O_CONSOLE: o->console_socket = arg; return 1;
    case O_NOPIVOT: o->no_pivot = true; return 1;
    case O_NOKEYRING: return 1;
    case O_PRESERVE:
        return cli_parse_int("--preserve-fds", arg, 0, 1 << 20, &o->preserve_fds, err) < 0 ? -1 : 1;
    }
    return 0;
}

int cmd_create(const struct global_opts *g, int argc, char **argv)
{
    rbox_err *err = NULL;
    struct create_opts o = { .mode = MODE_CREATE };
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "create" };
    const char *arg;
    int id;
    while ((id = cli_next(&p, create_flags, &arg, &err)) != 0) {
        if (id == CLI_HELP)
            return cli_usage(usage);
        if (id < 0 || create_flag(&o, id, arg, &err) < 0)
            return cli_fail(err);
    }
    if (cli_require_args(&p, 1, 1, "container ID", &err) < 0)
        return cli_fail(err);
    o.id = argv[p.i];
    struct container *c = NULL;
    if (container_create(g, &o, &c, &err) < 0)
        return cli_fail(err);
    container_free(c);
    return 0;
}
