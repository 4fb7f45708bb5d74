/* stats.c - `events` data: resource statistics in runc's JSON field names (the "data" of
 * a {"type":"stats"} event), the OOM-kill counter, and OOM notifications.
 *
 * v1: cpuacct.* / cpu.stat, memory.* (memsw = swap, kmem = kernel), pids.*, blkio.throttle.*,
 * hugetlb.* (or the unified hierarchy's on a hybrid host), cpuset.*.
 * v2: cpu.stat, memory.current/peak/max/events/stat, memory.swap.*, pids.*, io.stat, hugetlb.*,
 * cpuset.*.effective. As runc does on v2, swap is reported as memory+swap (the v1 meaning).
 * One addition to runc's shape: memory.oom_kill, the number of processes the kernel's OOM
 * killer has killed in the container's cgroup (memory.oom_control / memory.events).
 */
#define _GNU_SOURCE
#include "cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

static uint64_t rd(const char *dir, const char *file)
{
    uint64_t v = 0;
    if (dir)
        cg_read_u64(dir, file, &v);
    return v;
}

static uint64_t rdkey(const char *dir, const char *file, const char *key)
{
    uint64_t v = 0;
    if (dir)
        cg_read_key(dir, file, key, &v);
    return v;
}

/* A space-separated list of numbers as a JSON array (cpuacct.usage_percpu). */
static void percpu_array(json_w *w, const char *key, const char *dir, const char *file)
{
    _cleanup_free_ char *buf = dir ? cg_read(dir, file) : NULL;
    if (buf == NULL)
        return;
    jw_key(w, key);
    jw_arr_open(w);
    char *save = NULL;
    for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
        uint64_t v;
        if (parse_u64(t, &v) == 0)
            jw_uint(w, v);
    }
    jw_arr_close(w);
}

/* cpuacct.usage_all: "cpu user system" then one line per cpu. */
static void percpu_split(json_w *w, const char *dir)
{
    _cleanup_free_ char *buf = dir ? cg_read(dir, "cpuacct.usage_all") : NULL;
    if (buf == NULL)
        return;
    uint64_t user[1024], sys[1024];
    size_t n = 0;
    char *save = NULL;
    for (char *l = strtok_r(buf, "\n", &save); l && n < 1024; l = strtok_r(NULL, "\n", &save)) {
        unsigned long long cpu, u, s;
        if (sscanf(l, "%llu %llu %llu", &cpu, &u, &s) == 3) {
            user[n] = u;
            sys[n++] = s;
        }
    }
    jw_key(w, "percpu_kernel");
    jw_arr_open(w);
    for (size_t i = 0; i < n; i++)
        jw_uint(w, sys[i]);
    jw_arr_close(w);
    jw_key(w, "percpu_user");
    jw_arr_open(w);
    for (size_t i = 0; i < n; i++)
        jw_uint(w, user[i]);
    jw_arr_close(w);
}

static void throttling(json_w *w, const char *dir, bool v2)
{
    jw_key(w, "throttling");
    jw_obj_open(w);
    jw_kuint(w, "periods", rdkey(dir, "cpu.stat", "nr_periods"));
    jw_kuint(w, "throttledPeriods", rdkey(dir, "cpu.stat", "nr_throttled"));
    jw_kuint(w, "throttledTime",
             v2 ? rdkey(dir, "cpu.stat", "throttled_usec") * 1000
                : rdkey(dir, "cpu.stat", "throttled_time"));
    jw_obj_close(w);
}

static void cpu_v1(json_w *w, struct cgroup *cg)
{
    const char *acct = cgroup_dir(cg, "cpuacct");
    long hz = sysconf(_SC_CLK_TCK);
    uint64_t ns_per_tick = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
    jw_key(w, "cpu");
    jw_obj_open(w);
    jw_key(w, "usage");
    jw_obj_open(w);
    jw_kuint(w, "total", rd(acct, "cpuacct.usage"));
    percpu_array(w, "percpu", acct, "cpuacct.usage_percpu");
    percpu_split(w, acct);
    jw_kuint(w, "kernel", rdkey(acct, "cpuacct.stat", "system") * ns_per_tick);
    jw_kuint(w, "user", rdkey(acct, "cpuacct.stat", "user") * ns_per_tick);
    jw_obj_close(w);
    throttling(w, cgroup_dir(cg, "cpu"), false);
    jw_obj_close(w);
}

static void cpu_v2(json_w *w, const char *d)
{
    jw_key(w, "cpu");
    jw_obj_open(w);
    jw_key(w, "usage");
    jw_obj_open(w);
    jw_kuint(w, "total", rdkey(d, "cpu.stat", "usage_usec") * 1000);
    jw_kuint(w, "kernel", rdkey(d, "cpu.stat", "system_usec") * 1000);
    jw_kuint(w, "user", rdkey(d, "cpu.stat", "user_usec") * 1000);
    jw_obj_close(w);
    throttling(w, d, true);
    jw_obj_close(w);
}

/* "0-3,5" -> [0,1,2,3,5] */
static void cpu_list(json_w *w, const char *key, const char *dir, const char *file)
{
    _cleanup_free_ char *buf = dir ? cg_read(dir, file) : NULL;
    if (buf == NULL)
        return;
    jw_key(w, key);
    jw_arr_open(w);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",\n", &save); t; t = strtok_r(NULL, ",\n", &save)) {
        unsigned a, b;
        int n = sscanf(t, "%u-%u", &a, &b);
        if (n == 1)
            b = a;
        for (unsigned i = a; n >= 1 && i <= b && i < 65536; i++)
            jw_uint(w, i);
    }
    jw_arr_close(w);
}

static void cpuset_stats(json_w *w, struct cgroup *cg)
{
    bool v2 = cg->layout == CG_LAYOUT_V2;
    const char *d = cgroup_dir(cg, "cpuset");
    static const char *flags[] = { "cpu_exclusive",   "mem_hardwall",       "mem_exclusive",
                                   "memory_migrate",  "memory_spread_page", "memory_spread_slab",
                                   "memory_pressure", "sched_load_balance" };
    jw_key(w, "cpuset");
    jw_obj_open(w);
    cpu_list(w, "cpus", d, v2 ? "cpuset.cpus.effective" : "cpuset.cpus");
    cpu_list(w, "mems", d, v2 ? "cpuset.mems.effective" : "cpuset.mems");
    for (size_t i = 0; !v2 && d && i < ARRAY_SIZE(flags); i++) {
        _cleanup_free_ char *f = xasprintf("cpuset.%s", flags[i]);
        jw_kuint(w, flags[i], rd(d, f));
    }
    jw_obj_close(w);
}

static void mem_entry(json_w *w, const char *key, uint64_t limit, uint64_t usage, uint64_t max,
                      uint64_t failcnt)
{
    jw_key(w, key);
    jw_obj_open(w);
    jw_kuint(w, "limit", limit);
    jw_kuint(w, "usage", usage);
    jw_kuint(w, "max", max);
    jw_kuint(w, "failcnt", failcnt);
    jw_obj_close(w);
}

/* memory.stat as "raw": every "key value" line. */
static void mem_raw(json_w *w, const char *d)
{
    _cleanup_free_ char *buf = cg_read(d, "memory.stat");
    if (buf == NULL)
        return;
    jw_key(w, "raw");
    jw_obj_open(w);
    char *save = NULL;
    for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(l, ' ');
        uint64_t v;
        if (sp == NULL)
            continue;
        *sp = '\0';
        if (parse_u64(sp + 1, &v) == 0)
            jw_kuint(w, l, v);
    }
    jw_obj_close(w);
}

static void memory_v1(json_w *w, const char *d)
{
    jw_key(w, "memory");
    jw_obj_open(w);
    if (d) {
        jw_kuint(w, "cache", rdkey(d, "memory.stat", "cache"));
        mem_entry(w, "usage", rd(d, "memory.limit_in_bytes"), rd(d, "memory.usage_in_bytes"),
                  rd(d, "memory.max_usage_in_bytes"), rd(d, "memory.failcnt"));
        if (cg_has(d, "memory.memsw.usage_in_bytes"))
            mem_entry(w, "swap", rd(d, "memory.memsw.limit_in_bytes"),
                      rd(d, "memory.memsw.usage_in_bytes"),
                      rd(d, "memory.memsw.max_usage_in_bytes"), rd(d, "memory.memsw.failcnt"));
        if (cg_has(d, "memory.kmem.usage_in_bytes"))
            mem_entry(w, "kernel", rd(d, "memory.kmem.limit_in_bytes"),
                      rd(d, "memory.kmem.usage_in_bytes"), rd(d, "memory.kmem.max_usage_in_bytes"),
                      rd(d, "memory.kmem.failcnt"));
        if (cg_has(d, "memory.kmem.tcp.usage_in_bytes"))
            mem_entry(w, "kernelTCP", rd(d, "memory.kmem.tcp.limit_in_bytes"),
                      rd(d, "memory.kmem.tcp.usage_in_bytes"),
                      rd(d, "memory.kmem.tcp.max_usage_in_bytes"),
                      rd(d, "memory.kmem.tcp.failcnt"));
        mem_raw(w, d);
        jw_kuint(w, "oom_kill", rdkey(d, "memory.oom_control", "oom_kill"));
    }
    jw_obj_close(w);
}

static void memory_v2(json_w *w, const char *d)
{
    uint64_t limit = rd(d, "memory.max"), usage = rd(d, "memory.current");
    jw_key(w, "memory");
    jw_obj_open(w);
    jw_kuint(w, "cache", rdkey(d, "memory.stat", "file"));
    mem_entry(w, "usage", limit, usage, rd(d, "memory.peak"), rdkey(d, "memory.events", "max"));
    if (cg_has(d, "memory.swap.current")) {
        uint64_t slimit = rd(d, "memory.swap.max");
        if (slimit != UINT64_MAX && limit != UINT64_MAX)
            slimit += limit;
        else
            slimit = UINT64_MAX;
        mem_entry(w, "swap", slimit, rd(d, "memory.swap.current") + usage, 0,
                  rdkey(d, "memory.swap.events", "max"));
    }
    mem_raw(w, d);
    jw_kuint(w, "oom_kill", rdkey(d, "memory.events", "oom_kill"));
    jw_obj_close(w);
}

static void pids_stats(json_w *w, const char *d)
{
    uint64_t limit = rd(d, "pids.max");
    jw_key(w, "pids");
    jw_obj_open(w);
    jw_kuint(w, "current", rd(d, "pids.current"));
    jw_kuint(w, "limit", limit == UINT64_MAX ? 0 : limit);
    if (d && cg_has(d, "pids.peak")) /* rbox addition: kernels >= 6.1, v1 and v2 */
        jw_kuint(w, "peak", rd(d, "pids.peak"));
    jw_obj_close(w);
}

static void blkio_entry(json_w *w, unsigned maj, unsigned min, const char *op, uint64_t v)
{
    jw_obj_open(w);
    jw_kuint(w, "major", maj);
    jw_kuint(w, "minor", min);
    jw_kstr(w, "op", op);
    jw_kuint(w, "value", v);
    jw_obj_close(w);
}

/* v1 blkio.throttle.*_recursive: "MAJ:MIN Op value" lines (and a "Total N" one, skipped). */
static void blkio_v1_list(json_w *w, const char *key, const char *d, const char *file)
{
    _cleanup_free_ char *buf = d ? cg_read(d, file) : NULL;
    jw_key(w, key);
    jw_arr_open(w);
    char *save = NULL;
    for (char *l = buf ? strtok_r(buf, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
        unsigned maj, min;
        char op[32];
        unsigned long long v;
        if (sscanf(l, "%u:%u %31s %llu", &maj, &min, op, &v) == 4)
            blkio_entry(w, maj, min, op, v);
    }
    jw_arr_close(w);
}

/* v2 io.stat: "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=.." */
static void blkio_v2_list(json_w *w, const char *key, const char *d, bool bytes)
{
    static const char *ops[] = { "Read", "Write", "Discard" };
    const char *names[2][3] = { { "rios=", "wios=", "dios=" },
                                { "rbytes=", "wbytes=", "dbytes=" } };
    _cleanup_free_ char *buf = cg_read(d, "io.stat");
    jw_key(w, key);
    jw_arr_open(w);
    char *save = NULL;
    for (char *l = buf ? strtok_r(buf, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
        unsigned maj, min;
        if (sscanf(l, "%u:%u", &maj, &min) != 2)
            continue;
        for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
            const char *f = strstr(l, names[bytes][i]);
            if (f)
                blkio_entry(w, maj, min, ops[i], strtoull(f + strlen(names[bytes][i]), NULL, 10));
        }
    }
    jw_arr_close(w);
}

static void blkio_stats(json_w *w, struct cgroup *cg)
{
    jw_key(w, "blkio");
    jw_obj_open(w);
    if (cg->layout == CG_LAYOUT_V2) {
        blkio_v2_list(w, "ioServiceBytesRecursive", cg->h[0].dir, true);
        blkio_v2_list(w, "ioServicedRecursive", cg->h[0].dir, false);
    } else {
        const char *d = cgroup_dir(cg, "blkio");
        blkio_v1_list(w, "ioServiceBytesRecursive", d, "blkio.throttle.io_service_bytes_recursive");
        blkio_v1_list(w, "ioServicedRecursive", d, "blkio.throttle.io_serviced_recursive");
    }
    jw_obj_close(w);
}

/* hugetlb: one object per page size the kernel has ("2MB"). */
static void hugetlb_stats(json_w *w, struct cgroup *cg)
{
    const char *d = cgroup_dir(cg, "hugetlb");
    bool v2 = cg->layout == CG_LAYOUT_V2;
    if (d == NULL && cg->layout == CG_LAYOUT_HYBRID) {
        d = cgroup_dir(cg, "unified");
        v2 = true;
    }
    jw_key(w, "hugetlb");
    jw_obj_open(w);
    _cleanup_closedir_ DIR *dir = opendir("/sys/kernel/mm/hugepages");
    struct dirent *de;
    while (d && dir && (de = readdir(dir)) != NULL) {
        unsigned long long kb;
        if (sscanf(de->d_name, "hugepages-%llukB", &kb) != 1)
            continue;
        const char *unit = "KB";
        if (kb % (1024 * 1024) == 0) {
            kb /= 1024 * 1024;
            unit = "GB";
        } else if (kb % 1024 == 0) {
            kb /= 1024;
            unit = "MB";
        }
        char size[32], f[96];
        snprintf(size, sizeof(size), "%llu%s", kb, unit);
        snprintf(f, sizeof(f), "hugetlb.%s.%s", size, v2 ? "current" : "usage_in_bytes");
        if (!cg_has(d, f))
            continue;
        jw_key(w, size);
        jw_obj_open(w);
        jw_kuint(w, "usage", rd(d, f));
        snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", size);
        if (!v2)
            jw_kuint(w, "max", rd(d, f));
        snprintf(f, sizeof(f), v2 ? "hugetlb.%s.events" : "hugetlb.%s.failcnt", size);
        jw_kuint(w, "failcnt", v2 ? rdkey(d, f, "max") : rd(d, f));
        jw_obj_close(w);
    }
    jw_obj_close(w);
}

static int stats_json(struct cgroup *cg, json_w *w, bool brief, rbox_err **err)
{
    const char *probe = cg_procs_dir(cg);
    if (probe == NULL || access(probe, F_OK) < 0)
        return rbox_error(err, probe ? errno : ENOENT, "cgroup %s", probe ? probe : cg->path);
    jw_obj_open(w);
    if (cg->layout == CG_LAYOUT_V2) {
        const char *d = cg->h[0].dir;
        cpu_v2(w, d);
        if (!brief)
            cpuset_stats(w, cg);
        memory_v2(w, d);
        pids_stats(w, d);
    } else {
        cpu_v1(w, cg);
        if (!brief)
            cpuset_stats(w, cg);
        memory_v1(w, cgroup_dir(cg, "memory"));
        pids_stats(w, cgroup_dir(cg, "pids"));
    }
    if (!brief) {
        blkio_stats(w, cg);
        hugetlb_stats(w, cg);
    }
    jw_obj_close(w);
    return 0;
}

int cgroup_stats_json(struct cgroup *cg, json_w *w, rbox_err **err)
{
    return stats_json(cg, w, false, err);
}

int cgroup_stats_json_brief(struct cgroup *cg, json_w *w, rbox_err **err)
{
    return stats_json(cg, w, true, err);
}

bool cgroup_oom_kills(struct cgroup *cg, uint64_t *n)
{
    if (cg->layout == CG_LAYOUT_V2)
        return cg_read_key(cg->h[0].dir, "memory.events", "oom_kill", n);
    const char *d = cgroup_dir(cg, "memory");
    return d && cg_read_key(d, "memory.oom_control", "oom_kill", n);
}

/* --- OOM notifications ----------------------------------------------------------------------- */

/* The v2 counters that mean "an OOM happened": the limit was hit and reclaim failed (oom), or
 * the killer ran (oom_kill). */
static uint64_t v2_oom_count(const char *dir)
{
    return rdkey(dir, "memory.events", "oom") + rdkey(dir, "memory.events", "oom_kill");
}

int cgroup_oom_watch_open(struct cgroup *cg, struct cg_oom_watch *ow, rbox_err **err)
{
    *ow = (struct cg_oom_watch){ .fd = -1, .ctl_fd = -1 };
    if (cg->layout == CG_LAYOUT_V2) {
        ow->dir = xstrdup(cg->h[0].dir);
        ow->v2 = true;
        ow->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (ow->fd < 0)
            return rbox_error(err, errno, "inotify_init1");
        _cleanup_free_ char *ev = xasprintf("%s/memory.events", ow->dir);
        if (inotify_add_watch(ow->fd, ev, IN_MODIFY) < 0) {
            int saved = errno;
            cgroup_oom_watch_close(ow);
            return rbox_error(err, saved, "watching %s", ev);
        }
        ow->last = v2_oom_count(ow->dir);
        return 0;
    }
    const char *d = cgroup_dir(cg, "memory");
    if (d == NULL)
        return 0; /* no memory controller: no OOM notifications */
    ow->dir = xstrdup(d);
    _cleanup_free_ char *ctl = xasprintf("%s/memory.oom_control", d);
    _cleanup_free_ char *evc = xasprintf("%s/cgroup.event_control", d);
    _cleanup_close_ int ctl_fd = open(ctl, O_RDONLY | O_CLOEXEC);
    _cleanup_close_ int evc_fd = open(evc, O_WRONLY | O_CLOEXEC);
    ow->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ctl_fd < 0 || evc_fd < 0 || ow->fd < 0) {
        int saved = errno;
        cgroup_oom_watch_close(ow);
        return rbox_error(err, saved, "opening %s and %s", ctl, evc);
    }
    char line[64];
    int n = snprintf(line, sizeof(line), "%d %d", ow->fd, ctl_fd);
    if (write(evc_fd, line, (size_t)n) != n) {
        int saved = errno;
        cgroup_oom_watch_close(ow);
        return rbox_error(err, saved, "registering for OOM notifications in %s", evc);
    }
    ow->ctl_fd = steal_fd(&ctl_fd); /* must stay open while registered */
    return 0;
}

int cgroup_oom_watch_read(struct cg_oom_watch *ow)
{
    if (ow->fd < 0)
        return 0;
    if (!ow->v2) {
        uint64_t count = 0;
        if (read(ow->fd, &count, sizeof(count)) != (ssize_t)sizeof(count))
            return 0;
        /* the eventfd also fires when the cgroup is removed */
        return access(ow->dir, F_OK) == 0 ? (int)(count > 1000 ? 1000 : count) : 0;
    }
    char buf[4096];
    while (read(ow->fd, buf, sizeof(buf)) > 0)
        ;
    uint64_t now = v2_oom_count(ow->dir);
    int fresh = now > ow->last ? 1 : 0;
    ow->last = now;
    return fresh;
}

void cgroup_oom_watch_close(struct cg_oom_watch *ow)
{
    if (ow->fd >= 0)
        close(ow->fd);
    if (ow->ctl_fd >= 0)
        close(ow->ctl_fd);
    free(ow->dir);
    *ow = (struct cg_oom_watch){ .fd = -1, .ctl_fd = -1 };
}
