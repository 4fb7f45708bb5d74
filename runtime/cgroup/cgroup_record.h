/* cgroup_record.h - where a container's cgroup is, written before it is made, so that a create
 * killed before state.json exists (SIGKILL, OOM) leaves no cgroup that nothing can find. */
#ifndef RBOX_CGROUP_RECORD_H
#define RBOX_CGROUP_RECORD_H

#include "cgroup.h"

#define CGROUP_RECORD "cgroup.json"

/* Before cgroup_create: record cg in <dirfd>/cgroup.json, counting as ours (created = 1) each
 * leaf directory that does not exist yet. */
int cgroup_record_write(int dirfd, struct cgroup *cg, rbox_err **err);
/* `delete --force` of a state dir without state.json: kill what is in the recorded cgroup and
 * remove it. 0 when there is no record. */
int cgroup_record_destroy(int dirfd, rbox_err **err);

#endif
