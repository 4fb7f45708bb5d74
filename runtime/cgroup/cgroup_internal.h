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
/* Enable every available controller in the subtree_control of the directories of h that the
 * runtime created above the leaf (cgroup2 hierarchies: v2, and the unified one of a hybrid host).
 */
int cg_unified_enable_controllers(struct cg_hier *h, rbox_err **err);

/* Knob access. `key` names the config field for messages, relative to linux.resources
 * ("memory.limit"); the message names the file too. A missing file is reported as "not
 * supported by this host". */
int cg_write(const char *dir, const char *file, const char *value, const char *key, rbox_err **err);
int cg_write_i64(const char *dir, const char *file, int64_t v, const char *key, rbox_err **err);
bool cg_has(const char *dir, const char *file);
/* "linux.resources.KEY: not supported by this host (WHY)" */
int cg_unsupported(const char *key, const char *why, rbox_err **err);
/* Read a file of dir; NULL when it cannot be read. */
char *cg_read(const char *dir, const char *file);
/* A number file ("max" reads as UINT64_MAX); false when missing or malformed. */
bool cg_read_u64(const char *dir, const char *file, uint64_t *out);
/* A "key value" line of a flat-keyed file (memory.stat, memory.events, cpu.stat). */
bool cg_read_key(const char *dir, const char *file, const char *key, uint64_t *out);

/* hugepageLimits into dir: hugetlb.<size>.limit_in_bytes (v1) or hugetlb.<size>.max (v2), and
 * the matching rsvd file when the kernel has it. */
int cg_hugetlb_apply(const char *dir, bool v2, const struct rbox_resources *r, rbox_err **err);
/* linux.resources.unified: each key is a file of dir. hybrid: only files that exist there. */
int cg_unified_apply(const char *dir, const struct rbox_resources *r, bool hybrid, rbox_err **err);

/* Device rules (cgroup/devices.c): the config's rules followed by the default allow list,
 * reduced to a default and exceptions as the v1 kernel does; written to devices.allow/deny on
 * v1, compiled into a BPF_PROG_TYPE_CGROUP_DEVICE program on v2. */
int cg_v1_devices(const char *dir, const struct rbox_resources *res, rbox_err **err);
int cg_v2_devices(const char *dir, const struct rbox_resources *res, rbox_err **err);

/* v1 (and the unified part of a hybrid host) */
int cg_v1_resolve(struct cgroup *cg, const char *rel, bool absolute, bool hybrid, rbox_err **err);
int cg_v1_prepare(struct cgroup *cg, rbox_err **err);
int cg_v1_apply(struct cgroup *cg, const struct rbox_resources *res, bool update, rbox_err **err);
int cg_v1_freeze(struct cgroup *cg, bool freeze, rbox_err **err);
bool cg_v1_is_frozen(struct cgroup *cg);

/* v2 */
int cg_v2_resolve(struct cgroup *cg, const char *rel, bool absolute, rbox_err **err);
int cg_v2_prepare(struct cgroup *cg, rbox_err **err);
int cg_v2_apply(struct cgroup *cg, const struct rbox_resources *res, bool update, rbox_err **err);
int cg_v2_freeze(struct cgroup *cg, bool freeze, rbox_err **err);
bool cg_v2_is_frozen(struct cgroup *cg);

#endif
