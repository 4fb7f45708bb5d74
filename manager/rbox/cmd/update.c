/* update.c - rbox update: change the limits of containers (docker's update), running ones at
 * once through rbox-runtime update, and for later starts in the stored spec and bundle. */
#define _GNU_SOURCE
#include "ctr.h"
#include "mcli.h"
#include "rtclient.h"
#include "spec.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char update_usage[] =
    "Usage: rbox update [OPTIONS] CONTAINER [CONTAINER...]\n"
    "\n"
    "Change the resource limits of containers: a running (or paused) one at once, and every one\n"
    "for its next starts. Prints each CONTAINER as given.\n"
    "\n"
    "Options:\n"
    "  -m, --memory SIZE        memory limit (e.g. 256m; units b, k, m, g, t)\n"
    "      --memory-swap SIZE   memory + swap limit (-1: unlimited swap)\n"
    "      --cpus N             CPU quota in CPUs (e.g. 0.5)\n"
    "  -c, --cpu-shares N       relative CPU weight (2 to 262144)\n"
    "      --cpuset-cpus LIST   CPUs the container may use (e.g. 0-2,4)\n"
    "      --pids-limit N       maximum number of processes\n";

enum { O_MEMORY = 1, O_SWAP, O_CPUS, O_SHARES, O_CPUSET, O_PIDS, O_COUNT };

struct update_req {
    const char *v[O_COUNT];
};

/* Apply the flags to a spec (the same parsers as run's); then the cross checks. */
static int apply(struct ctr_spec *sp, const struct update_req *u, rbox_err **err)
{
    if (u->v[O_MEMORY] && parse_memory(u->v[O_MEMORY], &sp->memory, err) < 0)
        return -1;
    if (u->v[O_CPUS] && parse_cpus(u->v[O_CPUS], &sp->nano_cpus, err) < 0)
        return -1;
    if (u->v[O_PIDS] && parse_pids_limit(u->v[O_PIDS], &sp->pids_limit, err) < 0)
        return -1;
    if (u->v[O_SWAP] && rf_set_flag(&sp->rf, "memory-swap", u->v[O_SWAP], err) < 0)
        return -1;
    if (u->v[O_SHARES] && rf_set_flag(&sp->rf, "cpu-shares", u->v[O_SHARES], err) < 0)
        return -1;
    if (u->v[O_CPUSET] && rf_set_flag(&sp->rf, "cpuset-cpus", u->v[O_CPUSET], err) < 0)
        return -1;
    if (sp->rf.memory_swap > 0 && sp->rf.memory_swap < sp->memory)
        return rbox_error(err, 0,
                          "--memory-swap (%" PRId64 " bytes) is below --memory (%" PRId64
                          " bytes): it limits memory and swap together",
                          sp->rf.memory_swap, sp->memory);
    return 0;
}

/* rbox-runtime update of a running container with what changed. */
static int update_live(struct store *s, const struct ctr_spec *sp, const struct update_req *u,
                       rbox_err **err)
{
    const char *args[24] = { "update" };
    size_t n = 1;
    char mem[32], swap[32], quota[32], shares[32], pids[32];
    if (u->v[O_MEMORY]) {
        snprintf(mem, sizeof(mem), "%" PRId64, sp->memory ? sp->memory : -1);
        args[n++] = "--memory";
        args[n++] = mem;
    }
    if (u->v[O_SWAP]) {
        snprintf(swap, sizeof(swap), "%" PRId64, sp->rf.memory_swap);
        args[n++] = "--memory-swap";
        args[n++] = swap;
    }
    if (u->v[O_CPUS]) {
        snprintf(quota, sizeof(quota), "%" PRId64,
                 sp->nano_cpus ? sp->nano_cpus * 100000 / 1000000000 : -1);
        args[n++] = "--cpu-period";
        args[n++] = "100000";
        args[n++] = "--cpu-quota";
        args[n++] = quota;
    }
    if (u->v[O_SHARES]) {
        snprintf(shares, sizeof(shares), "%" PRId64, sp->rf.cpu_shares);
        args[n++] = "--cpu-share";
        args[n++] = shares;
    }
    if (u->v[O_CPUSET]) {
        args[n++] = "--cpuset-cpus";
        args[n++] = sp->rf.cpuset_cpus;
    }
    if (u->v[O_PIDS]) {
        snprintf(pids, sizeof(pids), "%" PRId64, sp->pids_limit > 0 ? sp->pids_limit : -1);
        args[n++] = "--pids-limit";
        args[n++] = pids;
    }
    args[n++] = sp->id;
    args[n] = NULL;
    return rt_run(s, args, err);
}

static int update_one(struct store *s, const char *ref, const struct update_req *u, rbox_err **err)
{
    char id[ID_LEN + 1];
    if (ctr_resolve(s, ref, id, err) < 0)
        return -1;
    _cleanup_close_ int lock = ctr_lock(s, id, err);
    if (lock < 0)
        return -1;
    _cleanup_close_ int fd = ctr_open_dir(s, id, err);
    struct ctr_spec sp;
    struct ctr_state st;
    if (fd < 0 || spec_load(fd, &sp, err) < 0)
        return -1;
    int r = -1;
    if (ctr_state_read(fd, &st) < 0) {
        rbox_error(err, 0, "no such container: %s", ref);
        goto out;
    }
    if (apply(&sp, u, err) < 0)
        goto out;
    bool live = (st.status == CS_RUNNING || st.status == CS_PAUSED) &&
                proc_alive(st.monitor_pid, st.monitor_start);
    if (live && update_live(s, &sp, u, err) < 0) {
        rbox_error_prefix(err, "cannot update container %s", st.name);
        goto out;
    }
    r = spec_save(fd, &sp, err) < 0 || bundle_write_config(s, &sp, err) < 0 ? -1 : 0;
out:
    spec_clear(&sp);
    return r;
}

int cmd_update(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "memory", 'm', true, O_MEMORY },
                                        { "memory-swap", 0, true, O_SWAP },
                                        { "cpus", 0, true, O_CPUS },
                                        { "cpu-shares", 'c', true, O_SHARES },
                                        { "cpuset-cpus", 0, true, O_CPUSET },
                                        { "pids-limit", 0, true, O_PIDS },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox update", .interspersed = true
    };
    rbox_err *err = NULL;
    struct update_req u = { { NULL } };
    const char *arg;
    int id, r = 0;
    while ((id = margs_next(&p, opts, &arg, &err)) != 0) {
        if (id == MOPT_HELP || id < 0) {
            r = id;
            break;
        }
        u.v[id] = arg;
    }
    if (r == 0)
        r = margs_require(&p, 1, -1, "at least one CONTAINER", &err);
    bool any = false;
    for (int k = 1; k < O_COUNT; k++)
        any |= u.v[k] != NULL;
    if (r == 0 && !any)
        r = rbox_error(
            &err, 0, "rbox update: you must provide one or more flags (see 'rbox update --help')");
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(update_usage) : cmd_fail(err);
    }
    int ret = 0;
    for (int k = 0; k < margs_count(&p); k++) {
        if (update_one(c->s, margs_at(&p, k), &u, &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
        } else {
            printf("%s\n", margs_at(&p, k));
        }
    }
    margs_free(&p);
    return ret;
}
