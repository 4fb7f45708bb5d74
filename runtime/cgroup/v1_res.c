/* v1_res.c - linux.resources on cgroup v1 (and hybrid) hosts: one directory per
 * controller hierarchy. See docs/cgroups.md for the mapping of each key.
 *
 * Conventions (runc's): a numeric value of 0 means "not given" (no change), -1 means
 * unlimited. A key whose controller or file the host lacks is an error, unless its value is
 * the default (then there is nothing to do).
 */
#define _GNU_SOURCE
#include "cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int no_controller(const char *key, const char *ctrl, rbox_err **err)
{
    _cleanup_free_ char *why = xasprintf("the %s cgroup controller is not mounted", ctrl);
    return cg_unsupported(key, why, err);
}

/* --- memory ---------------------------------------------------------------------------------- */

static int v1_check_usage(const char *d, int64_t limit, rbox_err **err)
{
    uint64_t usage;
    if (limit > 0 && cg_read_u64(d, "memory.usage_in_bytes", &usage) && usage > (uint64_t)limit)
        return rbox_error(err, 0,
                          "linux.resources.memory.limit: %" PRId64 " is below the current usage "
                          "%" PRIu64 " (checkBeforeUpdate)",
                          limit, usage);
    return 0;
}

/* memory.limit_in_bytes and memory.memsw.limit_in_bytes (memory + swap): the kernel wants
 * memsw >= limit at every moment, so the order of the two writes depends on the direction. */
static int v1_memory_limits(const char *d, const struct rbox_resources *r, rbox_err **err)
{
    int64_t limit = r->memory.limit.set ? r->memory.limit.v : 0;
    int64_t swap = r->memory.swap.set ? r->memory.swap.v : 0;
    if (limit == -1 && swap == 0)
        swap = -1; /* unlimited memory: unlimited memory+swap too */
    bool has_memsw = cg_has(d, "memory.memsw.limit_in_bytes");
    if (swap != 0 && !has_memsw) {
        if (swap == -1 || swap == limit)
            swap = 0; /* nothing to limit: no swap accounting means no swap charged */
        else
            return cg_unsupported("memory.swap",
                                  "no memory.memsw.limit_in_bytes: swap accounting "
                                  "is off",
                                  err);
    }
    if (swap != 0 && limit > 0 && swap != -1 && swap < limit)
        return rbox_error(err, 0,
                          "linux.resources.memory.swap: %" PRId64 " is below memory.limit %" PRId64
                          " (swap is memory+swap on cgroup v1)",
                          swap, limit);
    bool swap_first = false;
    uint64_t cur;
    if (swap != 0 && cg_read_u64(d, "memory.memsw.limit_in_bytes", &cur))
        swap_first = swap == -1 || (uint64_t)swap > cur;
    if (swap_first && cg_write_i64(d, "memory.memsw.limit_in_bytes", swap, "memory.swap", err) < 0)
        return -1;
    if (limit != 0 && cg_write_i64(d, "memory.limit_in_bytes", limit, "memory.limit", err) < 0) {
        if ((*err)->errnum == EINVAL && swap == 0 && has_memsw)
            return rbox_error_prefix(err, "(memory.swap, the memory+swap limit, is lower)");
        return -1;
    }
    if (swap != 0 && !swap_first &&
        cg_write_i64(d, "memory.memsw.limit_in_bytes", swap, "memory.swap", err) < 0)
        return -1;
    return 0;
}

/* Kernel memory limits (obsolete; gone from recent kernels): -1 is the default, so a kernel
 * without the file is fine with it. */
static int v1_kmem(const char *d, opt_i64 v, const char *file, const char *key, rbox_err **err)
{
    if (!v.set || v.v == 0 || (v.v == -1 && !cg_has(d, file)))
        return 0;
    return cg_write_i64(d, file, v.v, key, err);
}

/* A value other than "not given" (0) and "unlimited" (-1). */
static bool limit_given(opt_i64 v)
{
    return v.set && v.v != 0 && v.v != -1;
}

static bool memory_given(const struct rbox_resources *r)
{
    const __typeof__(r->memory) *m = &r->memory;
    return limit_given(m->limit) || limit_given(m->reservation) || limit_given(m->swap) ||
           limit_given(m->kernel) || limit_given(m->kernel_tcp) || m->swappiness.set ||
           (m->disable_oom_killer.set && m->disable_oom_killer.v) ||
           (m->use_hierarchy.set && !m->use_hierarchy.v);
}

static int v1_memory(struct cgroup *cg, const struct rbox_resources *r, bool update, rbox_err **err)
{
    const __typeof__(r->memory) *m = &r->memory;
    const char *d = cgroup_dir(cg, "memory");
    if (d == NULL)
        return memory_given(r) ? no_controller("memory", "memory", err) : 0;
    if (update && m->check_before_update.v && m->limit.set &&
        v1_check_usage(d, m->limit.v, err) < 0)
        return -1;
    if (v1_memory_limits(d, r, err) < 0)
        return -1;
    if (m->reservation.set && m->reservation.v != 0 &&
        cg_write_i64(d, "memory.soft_limit_in_bytes", m->reservation.v, "memory.reservation", err) <
            0)
        return -1;
    if (v1_kmem(d, m->kernel, "memory.kmem.limit_in_bytes", "memory.kernel", err) < 0 ||
        v1_kmem(d, m->kernel_tcp, "memory.kmem.tcp.limit_in_bytes", "memory.kernelTCP", err) < 0)
        return -1;
    if (m->swappiness.set && cg_write_i64(d, "memory.swappiness", (int64_t)m->swappiness.v,
                                          "memory.swappiness", err) < 0)
        return -1;
    if (m->disable_oom_killer.set && (m->disable_oom_killer.v || update) &&
        cg_write(d, "memory.oom_control", m->disable_oom_killer.v ? "1" : "0",
                 "memory.disableOOMKiller", err) < 0)
        return -1;
    uint64_t cur;
    if (m->use_hierarchy.set &&
        !(cg_read_u64(d, "memory.use_hierarchy", &cur) && cur == (uint64_t)m->use_hierarchy.v) &&
        cg_write(d, "memory.use_hierarchy", m->use_hierarchy.v ? "1" : "0", "memory.useHierarchy",
                 err) < 0)
        return -1;
    return 0;
}

/* --- cpu, cpuset ----------------------------------------------------------------------------- */

/* A cgroup's real-time bandwidth (runtime / period) must fit in its parent's: give the parents
 * the runtime created (never others) the same runtime and period first, top down. */
static int v1_rt_parents(struct cgroup *cg, const char *d, int64_t runtime, uint64_t period,
                         rbox_err **err)
{
    struct cg_hier *h = NULL;
    for (size_t i = 0; i < cg->n; i++)
        if (cg->h[i].dir == d)
            h = &cg->h[i];
    if (h == NULL || h->created <= 1 || runtime <= 0)
        return 0;
    _cleanup_free_ char *p = xstrdup(d);
    char *parents[64];
    int n = 0;
    for (int i = 1; i < h->created && n < 64; i++) {
        char *slash = strrchr(p, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        parents[n++] = xstrdup(p);
    }
    int ret = 0;
    for (int i = n - 1; i >= 0 && ret == 0; i--) {
        uint64_t cur_rt, cur_period;
        if (cg_read_u64(parents[i], "cpu.rt_runtime_us", &cur_rt) &&
            cg_read_u64(parents[i], "cpu.rt_period_us", &cur_period) &&
            (double)cur_rt / (double)cur_period >= (double)runtime / (double)period)
            continue;
        ret = cg_write_i64(parents[i], "cpu.rt_period_us", (int64_t)period, "cpu.realtimePeriod",
                           err);
        if (ret == 0)
            ret =
                cg_write_i64(parents[i], "cpu.rt_runtime_us", runtime, "cpu.realtimeRuntime", err);
    }
    for (int i = 0; i < n; i++)
        free(parents[i]);
    return ret;
}

static int v1_cpu_realtime(struct cgroup *cg, const char *d, const struct rbox_resources *r,
                           rbox_err **err)
{
    const __typeof__(r->cpu) *c = &r->cpu;
    bool period = c->realtime_period.set && c->realtime_period.v != 0;
    bool runtime = c->realtime_runtime.set && c->realtime_runtime.v != 0;
    if (!period && !runtime)
        return 0;
    if (!cg_has(d, "cpu.rt_runtime_us"))
        return cg_unsupported(runtime ? "cpu.realtimeRuntime" : "cpu.realtimePeriod",
                              "the kernel has no real-time group scheduling", err);
    uint64_t cur_period = 1000000;
    cg_read_u64(d, "cpu.rt_period_us", &cur_period);
    uint64_t want_period = period ? c->realtime_period.v : cur_period;
    if (runtime && want_period && v1_rt_parents(cg, d, c->realtime_runtime.v, want_period, err) < 0)
        return -1;
    if (period && cg_write_i64(d, "cpu.rt_period_us", (int64_t)c->realtime_period.v,
                               "cpu.realtimePeriod", err) < 0)
        return -1;
    if (runtime && (cg_write_i64(d, "cpu.rt_runtime_us", c->realtime_runtime.v,
                                 "cpu.realtimeRuntime", err) < 0))
        return -1;
    return 0;
}

/* cfs period and quota: the kernel checks the pair on each write, so when the first write is
 * refused, the other order is tried. */
static int v1_cpu_cfs(const char *d, const struct rbox_resources *r, rbox_err **err)
{
    const __typeof__(r->cpu) *c = &r->cpu;
    bool period = c->period.set && c->period.v != 0, quota = c->quota.set && c->quota.v != 0;
    if (period &&
        cg_write_i64(d, "cpu.cfs_period_us", (int64_t)c->period.v, "cpu.period", err) < 0) {
        if (!quota || (*err)->errnum != EINVAL)
            return -1;
        if (cg_write_i64(d, "cpu.cfs_quota_us", c->quota.v, "cpu.quota", err) < 0 ||
            cg_write_i64(d, "cpu.cfs_period_us", (int64_t)c->period.v, "cpu.period", err) < 0)
            return -1;
    }
    if (quota && cg_write_i64(d, "cpu.cfs_quota_us", c->quota.v, "cpu.quota", err) < 0)
        return -1;
    if (c->burst.set && (c->burst.v != 0 || cg_has(d, "cpu.cfs_burst_us")) &&
        cg_write_i64(d, "cpu.cfs_burst_us", (int64_t)c->burst.v, "cpu.burst", err) < 0)
        return -1;
    return 0;
}

static int v1_cpu(struct cgroup *cg, const struct rbox_resources *r, rbox_err **err)
{
    const __typeof__(r->cpu) *c = &r->cpu;
    const char *d = cgroup_dir(cg, "cpu");
    bool given = (c->shares.set && c->shares.v != 0) || (c->quota.set && c->quota.v != 0) ||
                 (c->period.set && c->period.v != 0) || (c->burst.set && c->burst.v != 0) ||
                 (c->realtime_runtime.set && c->realtime_runtime.v != 0) ||
                 (c->realtime_period.set && c->realtime_period.v != 0) ||
                 (c->idle.set && c->idle.v != 0);
    if (d == NULL)
        return given ? no_controller("cpu", "cpu", err) : 0;
    if (c->shares.set && c->shares.v != 0 &&
        cg_write_i64(d, "cpu.shares", (int64_t)c->shares.v, "cpu.shares", err) < 0)
        return -1;
    if (v1_cpu_cfs(d, r, err) < 0 || v1_cpu_realtime(cg, d, r, err) < 0)
        return -1;
    if (c->idle.set && (c->idle.v != 0 || cg_has(d, "cpu.idle")) &&
        cg_write_i64(d, "cpu.idle", c->idle.v, "cpu.idle", err) < 0)
        return -1;
    return 0;
}

static int v1_cpuset(struct cgroup *cg, const struct rbox_resources *r, rbox_err **err)
{
    const char *cpus = r->cpu.cpus && *r->cpu.cpus ? r->cpu.cpus : NULL;
    const char *mems = r->cpu.mems && *r->cpu.mems ? r->cpu.mems : NULL;
    if (cpus == NULL && mems == NULL)
        return 0;
    const char *d = cgroup_dir(cg, "cpuset");
    if (d == NULL)
        return no_controller(cpus ? "cpu.cpus" : "cpu.mems", "cpuset", err);
    if (cpus && cg_write(d, "cpuset.cpus", cpus, "cpu.cpus", err) < 0)
        return -1;
    if (mems && cg_write(d, "cpuset.mems", mems, "cpu.mems", err) < 0)
        return -1;
    return 0;
}

/* --- pids, blkio ----------------------------------------------------------------------------- */

static int v1_pids(struct cgroup *cg, const struct rbox_resources *r, rbox_err **err)
{
    if (!r->pids.limit.set || r->pids.limit.v == 0)
        return 0;
    const char *d = cgroup_dir(cg, "pids");
    if (d == NULL)
        return r->pids.limit.v > 0 ? no_controller("pids.limit", "pids", err) : 0;
    if (r->pids.limit.v < 0)
        return cg_write(d, "pids.max", "max", "pids.limit", err);
    return cg_write_i64(d, "pids.max", r->pids.limit.v, "pids.limit", err);
}

static bool blkio_given(const struct rbox_resources *r)
{
    const __typeof__(r->block_io) *b = &r->block_io;
    return b->weight.set || b->leaf_weight.set || b->n_weight_device || b->n_throttle_read_bps ||
           b->n_throttle_write_bps || b->n_throttle_read_iops || b->n_throttle_write_iops;
}

/* blkio.weight (CFQ, gone from recent kernels) or blkio.bfq.weight (BFQ): same 10..1000 scale. */
static const char *weight_file(const char *d, bool device)
{
    if (cg_has(d, device ? "blkio.weight_device" : "blkio.weight"))
        return device ? "blkio.weight_device" : "blkio.weight";
    if (cg_has(d, device ? "blkio.bfq.weight_device" : "blkio.bfq.weight"))
        return device ? "blkio.bfq.weight_device" : "blkio.bfq.weight";
    return NULL;
}

static int v1_blkio_weights(const char *d, const struct rbox_resources *r, rbox_err **err)
{
    const __typeof__(r->block_io) *b = &r->block_io;
    if (b->weight.set) {
        const char *f = weight_file(d, false);
        if (f == NULL)
            return cg_unsupported("blockIO.weight", "no blkio.weight or blkio.bfq.weight", err);
        if (cg_write_i64(d, f, (int64_t)b->weight.v, "blockIO.weight", err) < 0)
            return -1;
    }
    if (b->leaf_weight.set && cg_write_i64(d, "blkio.leaf_weight", (int64_t)b->leaf_weight.v,
                                           "blockIO.leafWeight", err) < 0)
        return -1;
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct rbox_weight_device *w = &b->weight_device[i];
        char val[96];
        if (w->weight.set) {
            const char *f = weight_file(d, true);
            if (f == NULL)
                return cg_unsupported("blockIO.weightDevice",
                                      "no blkio.weight_device or blkio.bfq.weight_device", err);
            snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                     w->weight.v);
            if (cg_write(d, f, val, "blockIO.weightDevice", err) < 0)
                return -1;
        }
        if (w->leaf_weight.set) {
            snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                     w->leaf_weight.v);
            if (cg_write(d, "blkio.leaf_weight_device", val, "blockIO.weightDevice", err) < 0)
                return -1;
        }
    }
    return 0;
}

static int v1_throttle(const char *d, const struct rbox_throttle_device *t, size_t n,
                       const char *file, const char *key, rbox_err **err)
{
    for (size_t i = 0; i < n; i++) {
        char val[96];
        snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor,
                 t[i].rate);
        if (cg_write(d, file, val, key, err) < 0)
            return -1;
    }
    return 0;
}

static int v1_blkio(struct cgroup *cg, const struct rbox_resources *r, rbox_err **err)
{
    const __typeof__(r->block_io) *b = &r->block_io;
    if (!blkio_given(r))
        return 0;
    const char *d = cgroup_dir(cg, "blkio");
    if (d == NULL)
        return no_controller("blockIO", "blkio", err);
    if (v1_blkio_weights(d, r, err) < 0 ||
        v1_throttle(d, b->throttle_read_bps, b->n_throttle_read_bps,
                    "blkio.throttle.read_bps_device", "blockIO.throttleReadBpsDevice", err) < 0 ||
        v1_throttle(d, b->throttle_write_bps, b->n_throttle_write_bps,
                    "blkio.throttle.write_bps_device", "blockIO.throttleWriteBpsDevice", err) < 0 ||
        v1_throttle(d, b->throttle_read_iops, b->n_throttle_read_iops,
                    "blkio.throttle.read_iops_device", "blockIO.throttleReadIOPSDevice", err) < 0 ||
        v1_throttle(d, b->throttle_write_iops, b->n_throttle_write_iops,
                    "blkio.throttle.write_iops_device", "blockIO.throttleWriteIOPSDevice", err) < 0)
        return -1;
    return 0;
}

/* --- hugetlb, network, unified --------------------------------------------------------------- */

static int v1_hugetlb(struct cgroup *cg, const struct rbox_resources *r, rbox_err **err)
{
    if (r->n_hugepage_limits == 0)
        return 0;
    const char *d = cgroup_dir(cg, "hugetlb");
    if (d)
        return cg_hugetlb_apply(d, false, r, err);
    /* hybrid: the controller may live in the unified hierarchy */
    d = cg->layout == CG_LAYOUT_HYBRID ? cgroup_dir(cg, "unified") : NULL;
    if (d == NULL)
        return no_controller("hugepageLimits", "hugetlb", err);
    return cg_hugetlb_apply(d, true, r, err);
}

static int v1_network(struct cgroup *cg, const struct rbox_resources *r, rbox_err **err)
{
    if (r->network.class_id.set) {
        const char *d = cgroup_dir(cg, "net_cls");
        if (d == NULL)
            return no_controller("network.classID", "net_cls", err);
        if (cg_write_i64(d, "net_cls.classid", (int64_t)r->network.class_id.v, "network.classID",
                         err) < 0)
            return -1;
    }
    if (r->network.n_priorities == 0)
        return 0;
    const char *d = cgroup_dir(cg, "net_prio");
    if (d == NULL)
        return no_controller("network.priorities", "net_prio", err);
    for (size_t i = 0; i < r->network.n_priorities; i++) {
        _cleanup_free_ char *val =
            xasprintf("%s %s", r->network.priorities[i].key, r->network.priorities[i].value);
        if (cg_write(d, "net_prio.ifpriomap", val, "network.priorities", err) < 0)
            return -1;
    }
    return 0;
}

int cg_v1_apply(struct cgroup *cg, const struct rbox_resources *r, bool update, rbox_err **err)
{
    /* refused before anything is written */
    if (r->n_unified && cg->layout == CG_LAYOUT_V1)
        return rbox_error(err, 0,
                          "linux.resources.unified: needs cgroup v2, and this host has only "
                          "cgroup v1 hierarchies");
    if (v1_memory(cg, r, update, err) < 0 || v1_cpu(cg, r, err) < 0 || v1_cpuset(cg, r, err) < 0 ||
        v1_pids(cg, r, err) < 0 || v1_blkio(cg, r, err) < 0 || v1_hugetlb(cg, r, err) < 0 ||
        v1_network(cg, r, err) < 0)
        return -1;
    /* like runc, `update` leaves the device rules as they were set at create */
    if (!update && cg_v1_devices(cgroup_dir(cg, "devices"), r, err) < 0)
        return -1;
    if (r->n_unified)
        return cg_unified_apply(cgroup_dir(cg, "unified"), r, true, err);
    return 0;
}
