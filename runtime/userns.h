/* userns.h - user namespace id maps, and the rootless rules around them. */
#ifndef RBOX_USERNS_H
#define RBOX_USERNS_H

#include "config.h"
#include "error.h"
#include <stdbool.h>
#include <sys/types.h>

/* Write linux.uidMappings/gidMappings for pid (waiting in its new user namespace): directly as
 * root or for a non-root caller's own id, through newuidmap/newgidmap otherwise. */
int userns_write_maps(pid_t pid, const struct rbox_config *cfg, rbox_err **err);

/* Is the runtime without the host's root: a non-root caller, or root of a user namespace other
 * than the initial one (rbox's rootless namespace, docs/rootless.md)? Such a runtime can create
 * no device node and no cgroup outside a delegated subtree. */
bool userns_unprivileged(void);

/* Rootless: may the container run without its cgroup, after creating it failed with errnum?
 * Yes for a non-root caller refused by permissions when linux.resources asks for nothing but
 * device rules. */
bool userns_may_skip_cgroup(const struct rbox_config *cfg, int errnum);

#endif
