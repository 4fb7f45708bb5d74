/* v2_res.c - linux.resources on a cgroup v2 host (one directory), plus the hugetlb and
 * unified writers that a hybrid host also uses for its cgroup2 mount. See docs/cgroups.md.
 *
 * Conventions as on v1 (runc's): 0 means "not given", -1 unlimited; the v1-only keys
 * (swappiness, kernel memory, real-time, leaf weights, network) are errors unless their value is
 * the default.
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

static int v2_only_default(const char *key, rbox_err **err)
{
    return cg_unsupported(key, "cgroup v1 only; this host has cgroup v2", err);
}

/* --- memory ---------------------------------------------------------------------------------- */

/* OCI swap is memory+swap (the v1 memsw meaning); memory.swap.max is swap alone. */
static int v2_swap_value(const char *d, int64_t limit, int64_t swap, char *out, size_t len,
                         rbox_err **err)
{
    if (swap == -1) {
        snprintf(out, len, "max");
        return 0;
    }
    if (limit == 0) { /* not in this request (update): the current limit */
        uint64_t cur;
        limit = cg_read_u64(d, "memory.max", &cur) && cur != UINT64_MAX ? (int64_t)cur : -1;
    }
    if (limit == -1)
        return rbox_error(err, 0, "linux.resources.memory.swap: a swap limit needs a memory limit");
    if (swap < limit)
        return rbox_error(err, 0,
                          "linux.resources.memory.swap: %" PRId64 " is below memory.limit %" PRId64
                          " (swap is memory+swap)",
                          swap, limit);
    snprintf(out, len, "%" PRId64, swap - limit);
    return 0;
}

static int v2_memory_limits(const char *d, const struct rbox_resources *r, rbox_err **err)
{
    int64_t limit = r->memory.limit.set ? r->memory.limit.v : 0;
    int64_t swap = r->memory.swap.set ? r->memory.swap.v : 0;
    if (limit == -1 && swap == 0)
        swap = -1; /* unlimited memory: unlimited swap too, as on v1 */
    char swapv[32] = "";
    if (swap != 0 && v2_swap_value(d, limit, swap, swapv, sizeof(swapv), err) < 0)
        return -1;
    if (swap != 0 && !cg_has(d, "memory.swap.max")) {
        if (swap != -1 && strcmp(swapv, "0") != 0)
            return cg_unsupported("memory.swap", "no memory.swap.max: swap accounting is off", err);
        swapv[0] = '\0';
    }
    /* swap first: memory.max cannot fail because of it */
    if (swapv[0] && cg_write(d, "memory.swap.max", swapv, "memory.swap", err) < 0)
        return -1;
    if (limit == -1)
        return cg_write(d, "memory.max", "max", "memory.limit", err);
    if (limit != 0)
        return cg_write_i64(d, "memory.max", limit, "memory.limit", err);
    return 0;
}

static int v2_memory(const char *d, const struct rbox_resources *r, bool update, rbox_err **err)
{
    const __typeof__(r->memory) *m = &r->memory;
    if (m->kernel.set && m->kernel.v != 0 && m->kernel.v != -1)
        return v2_only_default("memory.kernel", err);
    if (m->kernel_tcp.set && m->kernel_tcp.v != 0 && m->kernel_tcp.v != -1)
        return v2_only_default("memory.kernelTCP", err);
    if (m->swappiness.set)
        return v2_only_default("memory.swappiness", err);
    if (m->disable_oom_killer.set && m->disable_oom_killer.v)
        return v2_only_default("memory.disableOOMKiller", err);
    if (m->use_hierarchy.set && !m->use_hierarchy.v)
        return cg_unsupported("memory.useHierarchy", "cgroup v2 is always hierarchical", err);
    uint64_t usage;
    if (update && m->check_before_update.v && m->limit.set && m->limit.v > 0 &&
        cg_read_u64(d, "memory.current", &usage) && usage > (uint64_t)m->limit.v)
        return rbox_error(err, 0,
                          "linux.resources.memory.limit: %" PRId64 " is below the current usage "
                          "%" PRIu64 " (checkBeforeUpdate)",
                          m->limit.v, usage);
    if (v2_memory_limits(d, r, err) < 0)
        return -1;
    if (m->reservation.set && m->reservation.v == -1)
        return cg_write(d, "memory.low", "max", "memory.reservation", err);
    if (m->reservation.set && m->reservation.v != 0)
        return cg_write_i64(d, "memory.low", m->reservation.v, "memory.reservation", err);
    return 0;
}

/* --- cpu, cpuset, pids ----------------------------------------------------------------------- */

/* cpu.max "QUOTA PERIOD": a value not in the request keeps what the file has. */
static int v2_cpu_max(const char *d, const struct rbox_resources *r, rbox_err **err)
{
    const __typeof__(r->cpu) *c = &r->cpu;
    bool quota = c->quota.set && c->quota.v != 0, period = c->period.set && c->period.v != 0;
    if (!quota && !period)
        return 0;
    char q[32] = "max";
    uint64_t p = 100000;
    _cleanup_free_ char *cur = cg_read(d, "cpu.max");
    if (cur) {
        char cq[32];
        unsigned long long cp;
        if (sscanf(cur, "%31s %llu", cq, &cp) == 2) {
            snprintf(q, sizeof(q), "%s", cq);
            p = cp;
        }
    }
    if (quota && c->quota.v < 0)
        snprintf(q, sizeof(q), "max");
    else if (quota)
        snprintf(q, sizeof(q), "%" PRId64, c->quota.v);
    if (period)
        p = c->period.v;
    char val[64];
    snprintf(val, sizeof(val), "%s %" PRIu64, q, p);
    return cg_write(d, "cpu.max", val, quota ? "cpu.quota" : "cpu.period", err);
}

static int v2_cpu(const char *d, const struct rbox_resources *r, rbox_err **err)
{
    const __typeof__(r->cpu) *c = &r->cpu;
    if ((c->realtime_runtime.set && c->realtime_runtime.v != 0) ||
        (c->realtime_period.set && c->realtime_period.v != 0))
        return cg_unsupported(c->realtime_runtime.set ? "cpu.realtimeRuntime"
                                                      : "cpu.realtimePeriod",
                              "cgroup v2 has no real-time group scheduling", err);
    if (c->shares.set && c->shares.v != 0) {
        /* shares 2..262144 -> weight 1..10000 (the conversion runc and crun use) */
        uint64_t s = c->shares.v < 2 ? 2 : c->shares.v > 262144 ? 262144 : c->shares.v;
        if (cg_write_i64(d, "cpu.weight", (int64_t)(1 + ((s - 2) * 9999) / 262142), "cpu.shares",
                         err) < 0)
            return -1;
    }
    if (v2_cpu_max(d, r, err) < 0)
        return -1;
    if (c->burst.set && (c->burst.v != 0 || cg_has(d, "cpu.max.burst")) &&
        cg_write_i64(d, "cpu.max.burst", (int64_t)c->burst.v, "cpu.burst", err) < 0)
        return -1;
    if (c->idle.set && (c->idle.v != 0 || cg_has(d, "cpu.idle")) &&
        cg_write_i64(d, "cpu.idle", c->idle.v, "cpu.idle", err) < 0)
        return -1;
    if (c->cpus && *c->cpus && cg_write(d, "cpuset.cpus", c->cpus, "cpu.cpus", err) < 0)
        return -1;
    if (c->mems && *c->mems && cg_write(d, "cpuset.mems", c->mems, "cpu.mems", err) < 0)
        return -1;
    return 0;
}

static int v2_pids(const char *d, const struct rbox_resources *r, rbox_err **err)
{
    if (!r->pids.limit.set || r->pids.limit.v == 0)
        return 0;
    if (r->pids.limit.v < 0)
        return cg_has(d, "pids.max") ? cg_write(d, "pids.max", "max", "pids.limit", err) : 0;
    return cg_write_i64(d, "pids.max", r->pids.limit.v, "pids.limit", err);
}

/* --- io -------------------------------------------------------------------------------------- */

/* io.bfq.weight takes the blkio scale (1..1000) as is; io.weight is 1..10000. */
static int v2_io_weight(const char *d, const char *dev, uint64_t w, const char *key, rbox_err **err)
{
    char val[96];
    if (cg_has(d, "io.bfq.weight")) {
        snprintf(val, sizeof(val), "%s%s%" PRIu64, dev ? dev : "", dev ? " " : "", w);
        return cg_write(d, "io.bfq.weight", val, key, err);
    }
    uint64_t conv = 1 + (w - 10) * 9999 / 990;
    snprintf(val, sizeof(val), "%s %" PRIu64, dev ? dev : "default", conv);
    return cg_write(d, "io.weight", val, key, err);
}

static int v2_io_max(const char *d, const struct rbox_throttle_device *t, size_t n,
                     const char *what, const char *key, rbox_err **err)
{
    for (size_t i = 0; i < n; i++) {
        char val[128];
        if (t[i].rate == 0) /* 0 removes the limit, as on v1 */
            snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %s=max", t[i].major, t[i].minor,
                     what);
        else
            snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major,
                     t[i].minor, what, t[i].rate);
        if (cg_write(d, "io.max", val, key, err) < 0)
            return -1;
    }
    return 0;
}

static int v2_io(const char *d, const struct rbox_resources *r, rbox_err **err)
{
    const __typeof__(r->block_io) *b = &r->block_io;
    if (b->leaf_weight.set)
        return v2_only_default("blockIO.leafWeight", err);
    if (b->weight.set && v2_io_weight(d, NULL, b->weight.v, "blockIO.weight", err) < 0)
        return -1;
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct rbox_weight_device *w = &b->weight_device[i];
        if (w->leaf_weight.set)
            return v2_only_default("blockIO.weightDevice.leafWeight", err);
        char dev[48];
        snprintf(dev, sizeof(dev), "%" PRId64 ":%" PRId64, w->major, w->minor);
        if (w->weight.set && v2_io_weight(d, dev, w->weight.v, "blockIO.weightDevice", err) < 0)
            return -1;
    }
    if (v2_io_max(d, b->throttle_read_bps, b->n_throttle_read_bps, "rbps",
                  "blockIO.throttleReadBpsDevice", err) < 0 ||
        v2_io_max(d, b->throttle_write_bps, b->n_throttle_write_bps, "wbps",
                  "blockIO.throttleWriteBpsDevice", err) < 0 ||
        v2_io_max(d, b->throttle_read_iops, b->n_throttle_read_iops, "riops",
                  "blockIO.throttleReadIOPSDevice", err) < 0 ||
        v2_io_max(d, b->throttle_write_iops, b->n_throttle_write_iops, "wiops",
                  "blockIO.throttleWriteIOPSDevice", err) < 0)
        return -1;
    return 0;
}

/* --- hugetlb and unified (also used for the cgroup2 mount of a hybrid host) ------------------ */

/* "2MB" -> 2048 (kB), for /sys/kernel/mm/hugepages/hugepages-<kB>kB */
static uint64_t page_size_kb(const char *s)
{
    char *end;
    uint64_t v = strtoull(s, &end, 10);
    const char *units = "KMGTP";
    const char *u = strchr(units, *end);
    for (long i = 0; u && i < u - units; i++)
        v *= 1024;
    return v;
}

int cg_hugetlb_apply(const char *d, bool v2, const struct rbox_resources *r, rbox_err **err)
{
    for (size_t i = 0; i < r->n_hugepage_limits; i++) {
        const struct rbox_hugepage_limit *h = &r->hugepage_limits[i];
        _cleanup_free_ char *key = xasprintf("hugepageLimits[%zu]", i);
        _cleanup_free_ char *f =
            xasprintf("hugetlb.%s.%s", h->page_size, v2 ? "max" : "limit_in_bytes");
        _cleanup_free_ char *rsvd =
            xasprintf("hugetlb.%s.rsvd.%s", h->page_size, v2 ? "max" : "limit_in_bytes");
        if (!cg_has(d, f)) {
            _cleanup_free_ char *sys = xasprintf("/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB",
                                                 page_size_kb(h->page_size));
            _cleanup_free_ char *why =
                access(sys, F_OK) != 0
                    ? xasprintf("no %s pages: %s is missing", h->page_size, sys)
                    : xasprintf("the hugetlb controller is not enabled in %s", d);
            return cg_unsupported(key, why, err);
        }
        if (cg_write_i64(d, f, (int64_t)h->limit, key, err) < 0)
            return -1;
        if (cg_has(d, rsvd) && cg_write_i64(d, rsvd, (int64_t)h->limit, key, err) < 0)
            return -1;
    }
    return 0;
}

/* Files whose writing would break what the runtime relies on. */
static bool unified_key_forbidden(const char *k)
{
    static const char *bad[] = { "cgroup.procs", "cgroup.threads", "cgroup.subtree_control",
                                 "cgroup.kill",  "cgroup.type",    "cgroup.freeze" };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        if (strcmp(k, bad[i]) == 0)
            return true;
    return false;
}

int cg_unified_apply(const char *d, const struct rbox_resources *r, bool hybrid, rbox_err **err)
{
    for (size_t i = 0; i < r->n_unified; i++) {
        const struct rbox_kv *kv = &r->unified[i];
        _cleanup_free_ char *key = xasprintf("unified[\"%s\"]", kv->key);
        if (unified_key_forbidden(kv->key))
            return rbox_error(err, 0, "linux.resources.%s: the runtime manages this file", key);
        if (hybrid && (d == NULL || !cg_has(d, kv->key)))
            return rbox_error(err, 0,
                              "linux.resources.%s: not available on this hybrid host (the cgroup2 "
                              "hierarchy%s%s has no such file; its other controllers are v1)",
                              key, d ? " " : "", d ? d : "");
        if (!hybrid && !cg_has(d, kv->key)) {
            _cleanup_free_ char *why = xasprintf("no %s in %s", kv->key, d);
            return cg_unsupported(key, why, err);
        }
        if (cg_write(d, kv->key, kv->value, key, err) < 0)
            return -1;
    }
    return 0;
}

int cg_v2_apply(struct cgroup *cg, const struct rbox_resources *r, bool update, rbox_err **err)
{
    const char *d = cg->h[0].dir;
    if (r->network.class_id.set || r->network.n_priorities)
        return cg_unsupported(r->network.class_id.set ? "network.classID" : "network.priorities",
                              "cgroup v2 has no net_cls/net_prio controllers", err);
    if (v2_memory(d, r, update, err) < 0 || v2_cpu(d, r, err) < 0 || v2_pids(d, r, err) < 0 ||
        v2_io(d, r, err) < 0 || cg_hugetlb_apply(d, true, r, err) < 0)
        return -1;
    /* like runc, `update` leaves the device rules as they were set at create */
    if (!update && cg_v2_devices(d, r, err) < 0)
        return -1;
    return cg_unified_apply(d, r, false, err);
}
