/* main.c - rbox: global flags, then one command (docker's command line). */
#define _GNU_SOURCE
#include "log.h"
#include "mcli.h"
#include "netsetup.h"
#include "proto.h"
#include "rtclient.h"
#include "store.h"
#include "rootless.h"

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

static const struct command {
    const char *name;
    cmd_fn fn;
    const char *summary;
} commands[] = {
    { "run", cmd_run, "create and start a container" },
    { "create", cmd_create, "create a container" },
    { "start", cmd_start, "start containers" },
    { "stop", cmd_stop, "stop containers (stop signal, then SIGKILL)" },
    { "restart", cmd_restart, "restart containers" },
    { "kill", cmd_kill, "send a signal to containers" },
    { "pause", cmd_pause, "freeze every process of containers" },
    { "unpause", cmd_unpause, "thaw paused containers" },
    { "rm", cmd_rm, "remove containers" },
    { "ps", cmd_ps, "list containers" },
    { "inspect", cmd_inspect, "show containers as JSON" },
    { "logs", cmd_logs, "print a container's output" },
    { "wait", cmd_wait, "wait for containers to stop; print exit codes" },
    { "rename", cmd_rename, "rename a container" },
    { "attach", cmd_attach, "attach this terminal to a running container" },
    { "exec", cmd_exec, "run a command in a running container" },
    { "healthcheck", cmd_healthcheck, "run a container's health check now (healthcheck run)" },
    { "stats", cmd_stats, "show containers' resource use" },
    { "top", cmd_top, "show a container's processes" },
    { "build", cmd_build, "build an image from a Containerfile" },
    { "commit", cmd_commit, "make an image of a container's changes" },
    { "diff", cmd_diff, "list a container's changes to its image" },
    { "export", cmd_export, "write a container's filesystem as a tar" },
    { "cp", cmd_cp, "copy files out of or into a container" },
    { "container", NULL, "container commands (prune, ls, and the ones above)" },
    { "image", cmd_image, "image commands (import, load, save, ls, rm, tag, prune, ...)" },
    { "images", cmd_images, "list images" },
    { "import", cmd_image_import, "import a rootfs tarball as an image" },
    { "load", cmd_image_load, "load images from a docker-archive or oci-archive" },
    { "save", cmd_image_save, "save images as a docker-archive or oci-archive" },
    { "tag", cmd_image_tag, "give an image another name" },
    { "history", cmd_image_history, "show how an image was made" },
    { "rmi", cmd_image_rm, "remove images" },
    { "pull", cmd_pull, "download an image from a registry" },
    { "push", cmd_push, "upload an image to a registry" },
    { "login", cmd_login, "log in to a registry" },
    { "logout", cmd_logout, "log out from a registry" },
    { "volume", cmd_volume, "volume commands (create, ls, inspect, rm)" },
    { "network", cmd_network, "network commands (create, ls, inspect, rm, connect, ...)" },
    { "port", cmd_port, "show a container's published ports" },
    { "update", cmd_update, "change containers' resource limits" },
    { "events", cmd_events, "print container, network and volume events" },
    { "system", cmd_system, "system commands (check, df, prune, info)" },
    { "info", cmd_info, "show the store, the runtime and the host (docker info)" },
    { "version", cmd_version, "show the versions of rbox and its programs" },
    { "completion", cmd_completion, "print a bash, zsh or fish completion script" },
    { NULL, NULL, NULL },
};

static const char usage[] =
    "Usage: rbox [OPTIONS] COMMAND [ARG...]\n"
    "\n"
    "rbox runs containers like docker, one small rbox-monitor per container and no daemon.\n"
    "\n"
    "Options:\n"
    "      --root DIR      store directory (default $RBOX_ROOT, else " DEFAULT_ROOT ")\n"
    "      --runroot DIR   runtime directory (default $RBOX_RUNROOT, else " DEFAULT_RUNROOT ")\n"
    "  -v, --version       print the version\n"

    "  -h, --help          print this help (rbox help COMMAND: a command's help)\n"
    "\n"
    "Run by an ordinary user, rbox is rootless: the store is $XDG_DATA_HOME/rbox\n"
    "(~/.local/share/rbox), the run dir $XDG_RUNTIME_DIR/rbox, the config\n"
    "$XDG_CONFIG_HOME/rbox/rbox.conf, ids from /etc/subuid and /etc/subgid (docs/rootless.md).\n"
    "\n"
    "Commands:\n";

static void print_usage(FILE *f)
{
    fputs(usage, f);
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-11s  %s\n", c->name, c->summary);
    fprintf(f, "\nRun 'rbox COMMAND --help' or 'rbox help COMMAND' for a command's options.\n");
}

static const char container_usage[] =
    "Usage: rbox container COMMAND\n"
    "\n"
    "Commands:\n"
    "  prune      remove every stopped container\n"
    "  ls, ps     list containers\n"
    "  run, create, start, stop, restart, kill, pause, unpause, rm, inspect, logs, wait,\n"
    "  rename, attach, exec, stats, top\n";

static int dispatch(struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *name = argv[0];
    if (strcmp(name, "container") == 0) {
        if (argc < 2) {
            fputs(container_usage, stderr);
            return EXIT_RBOX;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
            return cmd_help(container_usage);
        const char *sub = argv[1];
        if (strcmp(sub, "prune") == 0)
            return cmd_prune(ctx, argc - 1, argv + 1);
        if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
            return cmd_ps(ctx, argc - 1, argv + 1);
        if (strcmp(sub, "container") != 0 && strcmp(sub, "image") != 0 &&
            strcmp(sub, "images") != 0 && strcmp(sub, "import") != 0 && strcmp(sub, "rmi") != 0 &&
            strcmp(sub, "load") != 0 && strcmp(sub, "save") != 0 && strcmp(sub, "tag") != 0 &&
            strcmp(sub, "history") != 0)
            return dispatch(ctx, argc - 1, argv + 1);
        name = sub;
    } else {
        for (const struct command *c = commands; c->name; c++)
            if (c->fn && strcmp(c->name, name) == 0)
                return c->fn(ctx, argc, argv);
    }
    rbox_err *err = NULL;
    rbox_error(&err, 0, "unknown command \"%s\" (see 'rbox --help')", name);
    return cmd_fail(err);
}

/* "rbox CMD --help", "rbox GROUP SUB --help" and "rbox completion" run without root and without
 * opening the store (docker's --help needs no daemon; the man pages are made from these texts
 * at build time, tools/mkman.sh). Only --help: -h is --hostname for run and create. */
static bool help_only(int argc, char **argv)
{
    static const char *const groups[] = { "container", "image",  "network",
                                          "system",    "volume", "healthcheck" };
    if ((argc >= 2 && strcmp(argv[1], "--help") == 0) || strcmp(argv[0], "completion") == 0)
        return true;
    for (size_t i = 0; argc >= 3 && i < ARRAY_SIZE(groups); i++)
        if (strcmp(argv[0], groups[i]) == 0)
            return argv[1][0] != '-' && strcmp(argv[2], "--help") == 0;
    return false;
}

int main(int argc, char **argv)
{
    log_init("rbox", NULL, LOG_FMT_TEXT, false, NULL);
    enum { G_ROOT = 1, G_RUNROOT, G_VERSION };
    static const struct mopt opts[] = { { "root", 0, true, G_ROOT },
                                        { "runroot", 0, true, G_RUNROOT },
                                        { "version", 'v', false, G_VERSION },
                                        { NULL, 0, false, 0 } };
    struct margs p = { .argc = argc, .argv = argv, .i = 1, .cmd = "rbox" };
    const char *root = NULL, *runroot = NULL, *arg;
    rbox_err *err = NULL;
    int id;
    while ((id = margs_next(&p, opts, &arg, &err)) != 0) {
        switch (id) {
        case -1: return cmd_fail(err);
        case MOPT_HELP: print_usage(stdout); return 0;
        case G_VERSION: printf("rbox version %s, commit %s\n", RBOX_VERSION, RBOX_COMMIT); return 0;
        case G_ROOT: root = arg; break;
        case G_RUNROOT: runroot = arg; break;
        }
    }
    if (p.i >= argc) {
        print_usage(stderr);
        return EXIT_RBOX;
    }
    bool help = strcmp(argv[p.i], "help") == 0;
    if (help && p.i + 1 >= argc) {
        print_usage(stdout);
        return 0;
    }
    if (help_only(argc - p.i, argv + p.i)) {
        struct cmd_ctx help_ctx = { .s = NULL };
        return dispatch(&help_ctx, argc - p.i, argv + p.i);
    }
    /* an ordinary user: the user's dirs, inside the user's namespaces (rootless.h) */
    _cleanup_free_ char *uroot = NULL, *urunroot = NULL;
    if (rootless_init()) {
        if (rootless_dirs(&uroot, &urunroot, &err) < 0)
            return cmd_fail(err);
        if (root == NULL && !(getenv("RBOX_ROOT") && *getenv("RBOX_ROOT")))
            root = uroot;
        if (runroot == NULL && !(getenv("RBOX_RUNROOT") && *getenv("RBOX_RUNROOT")))
            runroot = urunroot;
        else if (runroot == NULL)
            runroot = getenv("RBOX_RUNROOT");
        /* `system check` reports a bad setup line by line instead */
        bool check = p.i + 1 < argc && strcmp(argv[p.i], "system") == 0 &&
                     strcmp(argv[p.i + 1], "check") == 0;
        if (rootless_enter(root ? root : getenv("RBOX_ROOT"), runroot, &err) < 0 && !check)
            return cmd_fail(err);
        rbox_err_free(steal_pointer(&err));
    }
    struct store s;
    if (store_open(&s, root, runroot, &err) < 0)
        return cmd_fail(err);
    find_helpers(&s);
    net_boot_check(&s);
    struct cmd_ctx ctx = { .s = &s };
    fflush(stdout);
    /* help COMMAND [SUB]: the command's own --help */
    char *hargv[4] = { NULL };
    int hargc = 0;
    for (int k = p.i + 1; help && k < argc && hargc < 2; k++)
        hargv[hargc++] = argv[k];
    if (help)
        hargv[hargc++] = "--help";
    int r = help ? dispatch(&ctx, hargc, hargv) : dispatch(&ctx, argc - p.i, argv + p.i);
    fflush(stdout);
    store_close(&s);
    return r;
}
