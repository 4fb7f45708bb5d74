/* exec.c - rbox-runtime exec */
#define _GNU_SOURCE
#include "cli.h"
#include "exec.h"

#include <errno.h>
#include <string.h>

static const char usage[] =
    "Usage: rbox-runtime exec [flags] ID [COMMAND [ARG...]]\n"
    "\n"
    "Run a new process in a created or running container: it joins the container's namespaces,\n"
    "cgroup and root, with the container's process settings (user, env, cwd, capabilities,\n"
    "rlimits, seccomp) unless --process or the flags below say otherwise. A command line gets a\n"
    "terminal only with --tty (process.terminal of the config is not inherited). Without\n"
    "--detach, waits for the process and exits with its status (128+N when killed by signal N);\n"
    "exits 255 when the process could not be started (as runc), with the reason on stderr or in\n"
    "--log.\n"
    "\n"
    "Flags:\n"
    "  -p, --process FILE         the process to run, as a runtime-spec process object (JSON)\n"
    "  -d, --detach               return once the process runs (write --pid-file first)\n"
    "  --pid-file FILE            write the process's host PID to FILE\n"
    "  --console-socket PATH      unix socket that receives the pty master (with a terminal)\n"
    "  -t, --tty                  give the process a terminal (relayed to this one without\n"
    "                             --console-socket)\n"
    "  --cwd DIR                  working directory inside the container\n"
    "  -e, --env KEY=VALUE        set an environment variable (repeatable)\n"
    "  -u, --user UID[:GID]       run as this user (numeric)\n"
    "  -g, --additional-gids GID  an additional group (repeatable)\n"
    "  -c, --cap CAP              add a capability (repeatable, e.g. CAP_NET_ADMIN)\n"
    "  --no-new-privs             set no_new_privs\n"
    "  --preserve-fds N           pass fds 3..3+N-1 to the process\n"
    "  --cgroup [CTRL:]PATH       run in this existing sub-cgroup of the container's cgroup: in\n"
    "                             every hierarchy, or in CTRL's (v1; CTRL,CTRL... too); "
    "repeatable\n"
    "  --ignore-paused            exec into a paused container too (the process starts, and exec\n"
    "                             returns, once it is resumed)\n"
    "  --apparmor, --process-label PROFILE  refused: this build has no LSM support\n";

enum {
    O_PROCESS = 1,
    O_DETACH,
    O_PIDFILE,
    O_CONSOLE,
    O_TTY,
    O_CWD,
    O_ENV,
    O_USER,
    O_GIDS,
    O_CAP,
    O_NNP,
    O_PRESERVE,
    O_APPARMOR,
    O_LABEL,
    O_IGNORE_PAUSED,
    O_CGROUP
};
static const struct cli_opt flags[] = {
    { "process", 'p', true, O_PROCESS },
    { "detach", 'd', false, O_DETACH },
    { "pid-file", 0, true, O_PIDFILE },
    { "console-socket", 0, true, O_CONSOLE },
    { "tty", 't', false, O_TTY },
    { "cwd", 0, true, O_CWD },
    { "env", 'e', true, O_ENV },
    { "user", 'u', true, O_USER },
    { "additional-gids", 'g', true, O_GIDS },
    { "cap", 'c', true, O_CAP },
    { "no-new-privs", 0, false, O_NNP },
    { "preserve-fds", 0, true, O_PRESERVE },
    { "apparmor", 0, true, O_APPARMOR },
    { "process-label", 0, true, O_LABEL },
    { "ignore-paused", 0, false, O_IGNORE_PAUSED },
    { "cgroup", 0, true, O_CGROUP },
    { NULL, 0, false, 0 },
};

struct lists {
    char **env, **caps, **gids, **cgroups;
    size_t n_env, n_caps, n_gids, n_cgroups;
};

static int exec_flag(struct exec_opts *o, struct lists *l, int id, const char *arg, rbox_err **err)
{
    switch (id) {
    case O_PROCESS: o->process_file = arg; break;
    case O_DETACH: o->detach = true; break;
    case O_PIDFILE: o->pid_file = arg; break;
    case O_CONSOLE: o->console_socket = arg; break;
    case O_TTY: o->tty = true; break;
    case O_CWD: o->cwd = arg; break;
    case O_ENV: strv_push(&l->env, &l->n_env, xstrdup(arg)); break;
    case O_USER: o->user = arg; break;
    case O_GIDS: strv_push(&l->gids, &l->n_gids, xstrdup(arg)); break;
    case O_CAP: strv_push(&l->caps, &l->n_caps, xstrdup(arg)); break;
    case O_NNP: o->no_new_privs = true; break;
    case O_IGNORE_PAUSED: o->ignore_paused = true; break;
    case O_CGROUP: strv_push(&l->cgroups, &l->n_cgroups, xstrdup(arg)); break;
    case O_PRESERVE: return cli_parse_int("--preserve-fds", arg, 0, 1 << 20, &o->preserve_fds, err);
    case O_APPARMOR:
    case O_LABEL:
        return rbox_error(err, 0, "exec: --%s: this build has no AppArmor/SELinux support",
                          id == O_APPARMOR ? "apparmor" : "process-label");
    default: return -1;
    }
    return 0;
}

/* runc exits 255 when exec itself fails (the process could not be started), so that its
 * callers tell the runtime's failure from the process's own exit status; the message says why
 * (podman and the containerd shim read it from --log). */
#define EXEC_FAILED 255

static int exec_failed(rbox_err *err)
{
    cli_fail(err);
    return EXEC_FAILED;
}

int cmd_exec(const struct global_opts *g, int argc, char **argv)
{
    rbox_err *err = NULL;
    struct exec_opts o = { .id = NULL };
    struct lists l = { NULL };
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "exec" };
    const char *arg;
    int id, ret = 1;
    while ((id = cli_next(&p, flags, &arg, &err)) != 0) {
        if (id == CLI_HELP) {
            ret = cli_usage(usage);
            goto out;
        }
        if (id < 0 || exec_flag(&o, &l, id, arg, &err) < 0) {
            ret = cli_fail(err);
            goto out;
        }
    }
    if (cli_require_args(&p, 1, -1, "container ID", &err) < 0) {
        ret = cli_fail(err);
        goto out;
    }
    o.id = argv[p.i];
    o.args = cli_rest(&p) > 1 ? argv + p.i + 1 : NULL;
    o.env = l.env;
    o.caps = l.caps;
    o.additional_gids = l.gids;
    o.cgroups = l.cgroups;
    ret = container_exec(g, &o, &err);
    if (ret < 0)
        ret = exec_failed(err);
out:
    strv_free(l.env);
    strv_free(l.caps);
    strv_free(l.gids);
    strv_free(l.cgroups);
    return ret;
}
