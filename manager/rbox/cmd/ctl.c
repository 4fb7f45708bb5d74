/* ctl.c - rbox stop, kill, restart, rm, rename, container prune. */
#define _GNU_SOURCE
#include "cmdcore.h"
#include "ctl_parallel.h"
#include "ctr.h"
#include "events.h"
#include "log.h"
#include "mcli.h"
#include "proto.h"
#include "signals.h"
#include "util.h"
#include "volume.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Parse flags (interspersed) for a command over containers; returns MOPT_HELP, -1 or 0. */
static int parse(struct margs *p, const struct mopt *opts,
                 int (*flag)(void *, int, const char *, rbox_err **), void *ud, rbox_err **err)
{
    const char *arg;
    int id;
    while ((id = margs_next(p, opts, &arg, err)) != 0) {
        if (id == MOPT_HELP || id < 0)
            return id;
        if (flag(ud, id, arg, err) < 0)
            return -1;
    }
    return 0;
}

typedef int (*each_fn)(struct cmd_ctx *c, const char *id, const char *given, void *ud,
                       rbox_err **err);

struct each {
    struct cmd_ctx *c;
    struct margs *p;
    each_fn fn;
    void *ud;
    bool print;
};

/* fn for container argument k: its error is printed, the status then 125. */
static int each_one(void *v, int k)
{
    const struct each *e = v;
    rbox_err *err = NULL;
    char id[ID_LEN + 1];
    const char *given = margs_at(e->p, k);
    if (ctr_resolve(e->c->s, given, id, &err) < 0 || e->fn(e->c, id, given, e->ud, &err) < 0)
        return cmd_fail(err);
    if (e->print)
        printf("%s\n", given);
    return 0;
}

/* Run fn for every container argument; errors are printed and the exit status is 125.
 * parallel: several containers at once (ctl_parallel.c), the output still in argument order. */
static int for_each(struct cmd_ctx *c, struct margs *p, each_fn fn, void *ud, bool print,
                    bool parallel)
{
    struct each e = { c, p, fn, ud, print };
    if (parallel && margs_count(p) > 1)
        return ctl_run_parallel(margs_count(p), CTL_MAX_JOBS, each_one, &e);
    int ret = 0;
    for (int k = 0; k < margs_count(p); k++)
        if (each_one(&e, k) != 0)
            ret = EXIT_RBOX;
    return ret;
}

static int run_cmd(struct cmd_ctx *c, int argc, char **argv, const char *name, const char *usage,
                   const struct mopt *opts, int (*flag)(void *, int, const char *, rbox_err **),
                   void *ud, each_fn fn, bool print, bool parallel)
{
    struct margs p = { .argc = argc, .argv = argv, .i = 1, .cmd = name, .interspersed = true };
    rbox_err *err = NULL;
    int r = parse(&p, opts, flag, ud, &err);
    if (r == 0)
        r = margs_require(&p, 1, -1, "at least one CONTAINER", &err);
    if (r == 0)
        r = for_each(c, &p, fn, ud, print, parallel);
    else
        r = r == MOPT_HELP ? cmd_help(usage) : cmd_fail(err);
    margs_free(&p);
    return r;
}

static int no_flags(void *ud, int id, const char *arg, rbox_err **err)
{
    (void)ud, (void)id, (void)arg, (void)err;
    return 0;
}

/* ---- stop / restart ---- */

static const char stop_usage[] =
    "Usage: rbox stop [OPTIONS] CONTAINER [CONTAINER...]\n"
    "\n"
    "Stop running containers: send the stop signal (--stop-signal, default SIGTERM), wait, then\n"
    "SIGKILL. Returns once the exit is recorded. Stopping a stopped container is not an error.\n"
    "\n"
    "Options:\n"
    "  -t, --time SECONDS   seconds to wait before SIGKILL (default: the container's\n"
    "                       --stop-timeout, 10 unless set)\n";

static const char restart_usage[] =
    "Usage: rbox restart [OPTIONS] CONTAINER [CONTAINER...]\n"
    "\n"
    "Stop (as 'rbox stop') and start containers again, in the background.\n"
    "\n"
    "Options:\n"
    "  -t, --time SECONDS   seconds to wait before SIGKILL\n";

static const struct mopt time_opts[] = { { "time", 't', true, 1 },
                                         { "timeout", 0, true, 1 },
                                         { NULL, 0, false, 0 } };

static int time_flag(void *ud, int id, const char *arg, rbox_err **err)
{
    (void)id;
    if (parse_int(arg, (int *)ud) < 0 || *(int *)ud < 0)
        return rbox_error(err, 0, "invalid value \"%s\" for --time: expected seconds (>= 0)", arg);
    return 0;
}

static int stop_one(struct cmd_ctx *c, const char *id, const char *given, void *ud, rbox_err **err)
{
    (void)given;
    return ctr_stop(c->s, id, *(int *)ud, err);
}

int cmd_stop(struct cmd_ctx *c, int argc, char **argv)
{
    int timeout = -1;
    return run_cmd(c, argc, argv, "rbox stop", stop_usage, time_opts, time_flag, &timeout, stop_one,
                   true, true);
}

static int restart_one(struct cmd_ctx *c, const char *id, const char *given, void *ud,
                       rbox_err **err)
{
    (void)given;
    int code;
    if (ctr_stop(c->s, id, *(int *)ud, err) < 0)
        return -1;
    return ctr_start(c->s, id, 0, NULL, &code, err) < 0 ? -1 : 0;
}

int cmd_restart(struct cmd_ctx *c, int argc, char **argv)
{
    int timeout = -1;
    return run_cmd(c, argc, argv, "rbox restart", restart_usage, time_opts, time_flag, &timeout,
                   restart_one, true, true);
}

/* ---- kill ---- */

static const char kill_usage[] = "Usage: rbox kill [OPTIONS] CONTAINER [CONTAINER...]\n"
                                 "\n"
                                 "Send a signal to the main process of running containers.\n"
                                 "\n"
                                 "Options:\n"
                                 "  -s, --signal SIG   signal name or number (default SIGKILL)\n";

static int signal_flag(void *ud, int id, const char *arg, rbox_err **err)
{
    (void)id;
    int sig = signal_parse(arg);
    if (sig < 0)
        return rbox_error(err, 0, "invalid value \"%s\" for --signal: unknown signal", arg);
    *(int *)ud = sig;
    return 0;
}

static int kill_one(struct cmd_ctx *c, const char *id, const char *given, void *ud, rbox_err **err)
{
    (void)given;
    return ctr_kill(c->s, id, *(int *)ud, err);
}

int cmd_kill(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "signal", 's', true, 1 }, { NULL, 0, false, 0 } };
    int sig = SIGKILL;
    return run_cmd(c, argc, argv, "rbox kill", kill_usage, opts, signal_flag, &sig, kill_one, true,
                   true);
}

/* ---- wait: wait.c ---- */

/* ---- rm ---- */

static const char rm_usage[] =
    "Usage: rbox rm [OPTIONS] CONTAINER [CONTAINER...]\n"
    "\n"
    "Remove containers: their files, logs, overlay and name. A running container is refused\n"
    "unless --force, which kills it first. Named volumes are kept.\n"
    "\n"
    "Options:\n"
    "  -f, --force     kill a running container, then remove it\n"
    "  -v, --volumes   also remove the named volumes the container created on first use\n"
    "                  (not those made with 'volume create', nor those another container\n"
    "                  uses)\n";

struct rm_opts {
    bool force, volumes;
};

static int rm_flag(void *ud, int id, const char *arg, rbox_err **err)
{
    (void)arg, (void)err;
    struct rm_opts *o = ud;
    if (id == 1)
        o->force = true;
    else
        o->volumes = true;
    return 0;
}

static int bool_flag(void *ud, int id, const char *arg, rbox_err **err)
{
    (void)id, (void)arg, (void)err;
    *(bool *)ud = true;
    return 0;
}

static int rm_one(struct cmd_ctx *c, const char *id, const char *given, void *ud, rbox_err **err)
{
    (void)given;
    const struct rm_opts *o = ud;
    _cleanup_strv_ char **vols = o->volumes ? volume_names_of(c->s, id) : NULL;
    if (ctr_remove(c->s, id, o->force, err) < 0)
        return -1;
    volumes_remove_created_by(c->s, id, vols);
    return 0;
}

int cmd_rm(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "force", 'f', false, 1 },
                                        { "volumes", 'v', false, 2 },
                                        { NULL, 0, false, 0 } };
    struct rm_opts o = { false, false };
    return run_cmd(c, argc, argv, "rbox rm", rm_usage, opts, rm_flag, &o, rm_one, true, true);
}

/* ---- rename ---- */

static const char rename_usage[] = "Usage: rbox rename CONTAINER NEW_NAME\n"
                                   "\n"
                                   "Rename a container.\n";

int ctr_rename(struct store *s, const char *id, const char *name, rbox_err **err)
{
    if (name_validate(name, err) < 0 || store_lock(s, err) < 0)
        return -1;
    int lock = ctr_lock(s, id, err);
    _cleanup_close_ int fd = lock < 0 ? -1 : ctr_open_dir(s, id, err);
    struct ctr_state st;
    struct ctr_spec spec;
    int r = -1;
    if (fd >= 0 && ctr_state_read(fd, &st) == 0 && spec_load(fd, &spec, err) == 0) {
        if (strcmp(st.name, name) == 0) {
            r = rbox_error(err, 0, "rbox rename: container %s already has that name", name);
        } else if (name_claim(s, name, id, err) == 0) {
            char old[NAME_MAXLEN + 1];
            CTR_SET(old, st.name);
            CTR_SET(st.name, name);
            free(spec.name);
            spec.name = xstrdup(name);
            if (spec_save(fd, &spec, err) < 0 || ctr_state_write(fd, &st, true) < 0) {
                name_release(s, name, id);
                r = *err ? -1 : rbox_error(err, errno, "renaming");
            } else {
                name_release(s, old, id);
                const char *attrs[] = { "image", st.image, "name", st.name, "oldName", old, NULL };
                event_append(s->root, "container", "rename", id, attrs);
                r = 0;
            }
        }
        spec_clear(&spec);
    }
    if (lock >= 0)
        close(lock);
    store_unlock(s);
    return r;
}

int cmd_rename(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox rename", .interspersed = true
    };
    rbox_err *err = NULL;
    int r = parse(&p, NULL, no_flags, NULL, &err);
    if (r == MOPT_HELP) {
        margs_free(&p);
        return cmd_help(rename_usage);
    }
    char id[ID_LEN + 1];
    if (r < 0 || margs_require(&p, 2, 2, "a CONTAINER and a NEW_NAME", &err) < 0 ||
        name_validate(margs_at(&p, 1), &err) < 0 ||
        ctr_resolve(c->s, margs_at(&p, 0), id, &err) < 0 ||
        ctr_rename(c->s, id, margs_at(&p, 1), &err) < 0) {
        margs_free(&p);
        return cmd_fail(err);
    }
    margs_free(&p);
    return 0;
}

/* ---- container prune ---- */

static const char prune_usage[] =
    "Usage: rbox container prune [OPTIONS]\n"
    "\n"
    "Remove every stopped container (created, exited or dead). Asks first unless --force.\n"
    "\n"
    "Options:\n"
    "  -f, --force   do not ask for confirmation\n";

int cmd_prune(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "force", 'f', false, 1 }, { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox container prune", .interspersed = true
    };
    rbox_err *err = NULL;
    bool force = false;
    int r = parse(&p, opts, bool_flag, &force, &err);
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments", &err);
    margs_free(&p);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(prune_usage) : cmd_fail(err);
    if (!force && !cmd_confirm("This will remove all stopped containers."))
        return 0;
    _cleanup_strv_ char **ids = NULL;
    size_t n = 0;
    if (ctr_list_ids(c->s, &ids, &n, &err) < 0)
        return cmd_fail(err);
    int ret = 0;
    bool header = false;
    for (size_t i = 0; i < n; i++) {
        struct ctr_state st;
        if (ctr_read(c->s, ids[i], &st, NULL) < 0 || st.status == CS_RUNNING ||
            st.status == CS_PAUSED || st.monitor_pid)
            continue;
        if (ctr_remove(c->s, ids[i], false, &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
            continue;
        }
        if (!header)
            printf("Deleted Containers:\n");
        header = true;
        printf("%s\n", ids[i]);
    }
    return ret;
}
