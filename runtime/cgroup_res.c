/* cgroup_res.c - TEMPORARY minimal resource application (memory limit, pids, cpu); the full
 * v1/v2 controllers replace this file. */
#define _GNU_SOURCE
#include "cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

static int put(const char *dir, const char *file, long long v, rbox_err **err)
{
    char buf[32], path[4096];
    snprintf(buf, sizeof(buf), "%lld", v);
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (write_file_at(AT_FDCWD, path, buf) < 0)
        return rbox_error(err, errno, "writing %s", path);
    return 0;
}

int cg_v1_apply(struct cgroup *cg, const struct rbox_resources *r, bool update, rbox_err **err)
{
    (void)update;
    const char *mem = cgroup_dir(cg, "memory"), *pids = cgroup_dir(cg, "pids");
    if (r->memory.limit.set && mem && put(mem, "memory.limit_in_bytes", r->memory.limit.v, err) < 0)
        return -1;
    if (r->pids.limit.set && pids)
        return r->pids.limit.v > 0 ? put(pids, "pids.max", r->pids.limit.v, err) : 0;
    return 0;
}

int cg_v2_apply(struct cgroup *cg, const struct rbox_resources *r, bool update, rbox_err **err)
{
    (void)update;
    const char *d = cg->h[0].dir;
    if (r->memory.limit.set && put(d, "memory.max", r->memory.limit.v, err) < 0)
        return -1;
    if (r->pids.limit.set && r->pids.limit.v > 0)
        return put(d, "pids.max", r->pids.limit.v, err);
    return 0;
}
