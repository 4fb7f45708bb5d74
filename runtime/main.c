/* main.c - rbox-runtime: global flags, then one verb (runc's command line). */
#define _GNU_SOURCE
#include "cli.h"
#include "log.h"
#include "seccomp.h"
#include "selfexe.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RBOX_VERSION
#define RBOX_VERSION "0.0.0"
#endif
#ifndef RBOX_COMMIT
#define RBOX_COMMIT "unknown"
#endif

const struct verb verbs[] = {
    { "create", "create a container (its process waits for start)", cmd_create },
    { "start", "start the process of a created container", cmd_start },
    { "state", "print the state of a container (JSON)", cmd_state },
    { "kill", "send a signal to a container's init (or all its processes)", cmd_kill },
    { "delete", "delete a container and everything it holds", cmd_delete },
    { "run", "create and start a container, wait for it, delete it", cmd_run },
    { "list", "list containers", cmd_list },
    { "spec", "write a default config.json", cmd_spec },
    { "update", "change the resource limits of a container", cmd_update },
    { "pause", "freeze every process of a container", cmd_pause },
    { "resume", "thaw a paused container", cmd_resume },
    { "ps", "list the processes of a container", cmd_ps },
    { "events", "print a container's resource statistics and OOM events", cmd_events },
    { "exec", "run a new process in a created or running container", cmd_exec },
    { "features", "print the features of this runtime (JSON)", cmd_features },
    { NULL, NULL, NULL },
};

static const char usage[] =
    "Usage: rbox-runtime [global flags] COMMAND [flags] [arguments]\n"
    "\n"
    "rbox-runtime is an OCI runtime: it runs containers from bundles (a directory holding\n"
    "config.json and a root filesystem), with runc's command line.\n"
    "\n"
    "Global flags:\n"
    "  --root DIR              state directory (default /run/rbox-runtime, or\n"
    "                          $XDG_RUNTIME_DIR/rbox-runtime when not root)\n"
    "  --log FILE              write log and error lines to FILE instead of stderr\n"
    "  --log-format text|json  format of log lines (default text)\n"
    "  --debug                 also log debug messages, each with the microseconds since\n"
    "                          the runtime started\n"
    "  --systemd-cgroup        cgroupsPath is slice:prefix:name\n"
    "  --rootless true|false|auto  accepted for runc compatibility (rootless mode follows\n"
    "                          the effective uid; see docs/security.md)\n"
    "  -v, --version           print the version\n"
    "  -h, --help              print this help\n"
    "\n"
    "Commands:\n";

static void print_usage(void)
{
    fputs(usage, stdout);
    for (const struct verb *v = verbs; v->name; v++)
        printf("  %-10s %s\n", v->name, v->summary);
    printf("\nRun 'rbox-runtime COMMAND --help' (or 'rbox-runtime help COMMAND') for a "
           "command's flags.\n");
}

/* runc's layout: version, commit, spec, then the libraries that matter (runc adds go:) */
static void print_version(void)
{
    printf("rbox-runtime version %s\ncommit: %s\nspec: 1.3.0\nlibseccomp: %s\n", RBOX_VERSION,
           RBOX_COMMIT, seccomp_lib_version());
}

/* "help [COMMAND]" and "version", as runc's urfave/cli offers them. */
static int help_or_version(const struct global_opts *g, int argc, char **argv)
{
    if (strcmp(argv[0], "version") == 0) {
        print_version();
        return 0;
    }
    if (argc < 2) {
        print_usage();
        return 0;
    }
    for (const struct verb *v = verbs; v->name; v++)
        if (strcmp(v->name, argv[1]) == 0) {
            char *help_argv[] = { argv[1], (char *)"--help", NULL };
            return v->run(g, 2, help_argv);
        }
    rbox_err *err = NULL;
    rbox_error(&err, 0, "help: no help topic for \"%s\" (see 'rbox-runtime --help')", argv[1]);
    return cli_fail(err);
}

enum { G_ROOT = 1, G_LOG, G_LOG_FORMAT, G_DEBUG, G_SYSTEMD, G_ROOTLESS, G_CRIU, G_VERSION };
static const struct cli_opt global_flags[] = {
    { "root", 0, true, G_ROOT },
    { "log", 0, true, G_LOG },
    { "log-format", 0, true, G_LOG_FORMAT },
    { "debug", 0, false, G_DEBUG },
    { "systemd-cgroup", 0, false, G_SYSTEMD },
    { "rootless", 0, true, G_ROOTLESS },
    { "criu", 0, true, G_CRIU },
    { "version", 'v', false, G_VERSION },
    { NULL, 0, false, 0 },
};

int main(int argc, char **argv, char **envp)
{
    rbox_err *err = NULL;
    log_init("rbox-runtime", NULL, LOG_FMT_TEXT, false, NULL);
    if (selfexe_needed(argc, argv) && selfexe_protect(argv, envp, &err) < 0) {
        /* not fatal for the user's intent, but it must not pass silently */
        fprintf(stderr, "rbox-runtime: %s\n", err->msg);
        return 1;
    }
    log_init("rbox-runtime", NULL, LOG_FMT_TEXT, false, &err); /* until the flags say more */
    struct global_opts g = { .root = NULL };
    const char *log_path = NULL;
    enum log_format fmt = LOG_FMT_TEXT;
    bool debug = false;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "rbox-runtime" };
    const char *arg;
    int id;
    while ((id = cli_next(&p, global_flags, &arg, &err)) != 0) {
        switch (id) {
        case -1: return cli_fail(err);
        case CLI_HELP: print_usage(); return 0;
        case G_VERSION: print_version(); return 0;
        case G_ROOT: g.root = arg; break;
        case G_LOG: log_path = arg; break;
        case G_LOG_FORMAT:
            if (strcmp(arg, "json") == 0)
                fmt = LOG_FMT_JSON;
            else if (strcmp(arg, "text") != 0) {
                rbox_error(&err, 0, "--log-format: unknown format \"%s\" (text or json)", arg);
                return cli_fail(err);
            }
            break;
        case G_DEBUG: debug = true; break;
        case G_SYSTEMD: g.systemd_cgroup = true; break;
        case G_ROOTLESS:
        case G_CRIU: break;
        }
    }
    if (log_init("rbox-runtime", log_path, fmt, debug, &err) < 0)
        return cli_fail(err);
    if (g.root == NULL)
        g.root = state_default_root();
    g.rootless = geteuid() != 0;
    if (p.i >= argc) {
        print_usage();
        return 1;
    }
    const char *verb = argv[p.i];
    if (strcmp(verb, "help") == 0 || strcmp(verb, "version") == 0)
        return help_or_version(&g, argc - p.i, argv + p.i);
    if (strcmp(verb, "serve") == 0) /* librbox's helper: not a user command, not in --help */
        return cmd_serve(&g, argc - p.i, argv + p.i);
    for (const struct verb *v = verbs; v->name; v++)
        if (strcmp(v->name, verb) == 0)
            return v->run(&g, argc - p.i, argv + p.i);
    rbox_error(&err, 0, "unknown command \"%s\" (see 'rbox-runtime --help')", verb);
    return cli_fail(err);
}
