/* cgroup_internal.h - shared between cgroup.c and its v1 / v2 backends. */
#ifndef RBOX_CGROUP_INTERNAL_H
#define RBOX_CGROUP_INTERNAL_H

#include "cgroup.h"

extern const char *cgroup_root; /* "/sys/fs/cgroup" */

char *cg_path_join(const char *a, const char *b);
void cg_hier_add(struct cgroup *cg, const char *name, char *dir, bool v2);
int cg_mkdir(struct cg_hier *h, rbox_err **err);
int cg_rmdir(struct cg_hier *h, rbox_err **err);
bool cg_dir_is_empty(const char *dir);
const char *cg_procs_dir(struct cgroup *cg);
/* The runtime's own cgroup path in the hierarchy whose /proc/self/cgroup controller list is
 * `controllers` ("" for cgroup2). Returned path starts with '/'. */
int cg_own_path(const char *controllers, char **out, rbox_err **err);

/* v1 (and the unified part of a hybrid host) */
int cg_v1_resolve(struct cgroup *cg, const char *rel, bool absolute, bool hybrid, rbox_err **err);
int cg_v1_prepare(struct cgroup *cg, rbox_err **err);
int cg_v1_apply(struct cgroup *cg, const struct rbox_resources *res, bool update, rbox_err **err);
int cg_v1_kill_all(struct cgroup *cg, int sig, rbox_err **err);
int cg_v1_freeze(struct cgroup *cg, bool freeze, rbox_err **err);
bool cg_v1_is_frozen(struct cgroup *cg);

/* v2 */
int cg_v2_resolve(struct cgroup *cg, const char *rel, bool absolute, rbox_err **err);
int cg_v2_prepare(struct cgroup *cg, rbox_err **err);
int cg_v2_apply(struct cgroup *cg, const struct rbox_resources *res, bool update, rbox_err **err);
int cg_v2_kill_all(struct cgroup *cg, int sig, rbox_err **err);
int cg_v2_freeze(struct cgroup *cg, bool freeze, rbox_err **err);
bool cg_v2_is_frozen(struct cgroup *cg);

#endif
