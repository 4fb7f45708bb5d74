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
    bool keep_id = str_eq(s->ns.userns, "keep-id");
    if (!rootless())
        return keep_id ? rbox_error(err, 0,
                                    "--userns keep-id: only rootless rbox maps your own id "
                                    "(root's containers have no user namespace)")
                       : 0;
    /* keep-id: the user's own uid and gid inside, unless -u says otherwise (podman) */
    _cleanup_free_ uint32_t(*m)[3] = NULL;
    if (keep_id && rootless_keepid_map(true, &m) == 0)
        return rbox_error(err, 0,
                          "--userns keep-id: your subordinate ids (/etc/subuid) are fewer than "
                          "your uid %u: the namespace cannot hold it",
                          (unsigned)rootless_uid());
    if (keep_id && s->user == NULL)
        s->user = xasprintf("%u:%u", (unsigned)rootless_uid(), (unsigned)rootless_gid());
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
