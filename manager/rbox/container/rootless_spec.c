/* rootless_spec.c - what `rbox run` may ask for when rbox runs as an ordinary user
 * (docs/rootless.md): limits only in a cgroup subtree the host delegates to the user. */
#define _GNU_SOURCE
#include "rootless_spec.h"
#include "rootless.h"
#include "util.h"

#include <stdlib.h>

/* The first resource-limit flag the request uses, NULL when none. */
static const char *limit_flag(const struct ctr_spec *s)
{
    return s->memory > 0            ? "--memory"
           : s->rf.memory_swap != 0 ? "--memory-swap"
           : s->nano_cpus > 0       ? "--cpus"
           : s->rf.cpu_shares > 0   ? "--cpu-shares"
           : s->rf.cpuset_cpus      ? "--cpuset-cpus"
           : s->pids_limit > 0      ? "--pids-limit"
           : s->rf.oom_kill_disable ? "--oom-kill-disable"
                                    : NULL;
}

int rootless_spec_check(struct ctr_spec *s, rbox_err **err)
{
    if (!rootless())
        return 0;
    _cleanup_free_ char *parent = NULL;
    const char *why = NULL;
    bool delegated = rootless_cgroup_delegated(&parent, &why);
    const char *flag = limit_flag(s);
    if (flag && !delegated)
        return rbox_error(err, 0, "%s: rootless rbox cannot set resource limits here: %s", flag,
                          why);
    if (delegated && getenv("RBOX_CGROUP_PARENT") == NULL) {
        free(s->cgroup_parent);
        s->cgroup_parent = steal_pointer(&parent);
    }
    return 0;
}
