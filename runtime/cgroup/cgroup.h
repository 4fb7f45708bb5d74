/* cgroup.h - one interface over cgroup v1, v2 and hybrid hosts.
 *
 * The layout is detected at run time (statfs of /sys/fs/cgroup and /sys/fs/cgroup/unified).
 * A container's cgroup is one directory per hierarchy: on v1 one per mounted hierarchy
 * (plus the cgroup2 "unified" one on a hybrid host), on v2 just one.
 *
 * Placement: a relative cgroupsPath (or none: "rbox-runtime/<id>") nests under the runtime's own
 * cgroup in each hierarchy; an absolute one starts at the hierarchy root. The runtime only ever
 * writes to directories it created itself; `created` counts how many trailing components of the
 * path it made, so destroy removes exactly those.
 */
#ifndef RBOX_CGROUP_H
#define RBOX_CGROUP_H

#include "config.h"
#include "error.h"
#include "json.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum cgroup_layout { CG_LAYOUT_V1 = 1, CG_LAYOUT_HYBRID, CG_LAYOUT_V2 };

struct cg_hier {
    char *name;  /* "memory", "cpu,cpuacct", "name=systemd", "unified" (v2 / hybrid unified) */
    char *dir;   /* absolute directory of the container's cgroup in this hierarchy */
    int created; /* trailing path components of dir the runtime created (removed by destroy) */
    bool v2;     /* a cgroup2 hierarchy */
};

struct cgroup {
    enum cgroup_layout layout;
    char *path; /* the path inside each hierarchy as requested (for messages), e.g. "/a/b" */
    bool default_parent; /* no cgroupsPath: under the shared "rbox-runtime" dir (see destroy) */
    struct cg_hier *h;
    size_t n;
};

/* Detect the host's layout. */
int cgroup_detect_layout(enum cgroup_layout *out, rbox_err **err);
const char *cgroup_layout_name(enum cgroup_layout l);

/* linux.cgroupsPath (NULL or "": the default) as a path inside each hierarchy: *rel, and
 * whether it starts at the hierarchy root. Only parses (no filesystem access, no logging). */
int cgroup_path_parse(const char *cgroups_path, const char *id, bool systemd, char **rel,
                      bool *absolute, rbox_err **err);
/* Resolve where the container's cgroup goes (no filesystem changes). systemd: cgroupsPath in
 * "slice:prefix:name" form (mapped to a plain path when systemd is absent). */
int cgroup_resolve(const char *cgroups_path, const char *id, bool systemd, struct cgroup **out,
                   rbox_err **err);
/* How many trailing components of dir do not exist yet (what cgroup_create would make). */
int cgroup_missing_depth(const char *dir);
/* Create the directories (refusing a non-empty existing cgroup), ready to receive a process. */
int cgroup_create(struct cgroup *cg, rbox_err **err);
/* Apply linux.resources (also used by `update`). */
int cgroup_apply(struct cgroup *cg, const struct rbox_resources *res, bool update, rbox_err **err);
/* Move pid into the container's cgroup in every hierarchy. */
int cgroup_enter(struct cgroup *cg, pid_t pid, rbox_err **err);
/* The calling (single-threaded) process joins the container's cgroup itself: "0" in each v1
 * hierarchy's tasks file, which moves the caller without the kernel's global threadgroup lock
 * that writing a pid to cgroup.procs takes (its write side waits for an RCU grace period:
 * several ms per container on a busy host, see docs/performance.md). The cgroup2 hierarchy
 * too (cgroup.procs) unless skip_v2 (it was joined by clone3 with CLONE_INTO_CGROUP). */
int cgroup_enter_self(struct cgroup *cg, bool skip_v2, rbox_err **err);
/* An fd of the cgroup2 directory (pure v2, or the unified hierarchy of a hybrid host) for
 * clone3(CLONE_INTO_CGROUP), or -1 when not applicable. */
int cgroup_v2_dirfd(struct cgroup *cg);
/* Remove what cgroup_create made (waits briefly for exiting processes). */
int cgroup_destroy(struct cgroup *cg, rbox_err **err);
/* Signal every process in the cgroup (freezing first on v1 so none can escape by forking). */
int cgroup_kill_all(struct cgroup *cg, int sig, rbox_err **err);
/* The pids in the cgroup (and its descendants), sorted. */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, rbox_err **err);
/* true when the cgroup has no process left */
bool cgroup_is_empty(struct cgroup *cg);
/* Freeze (pause) or thaw (resume). */
int cgroup_freeze(struct cgroup *cg, bool freeze, rbox_err **err);
/* true when frozen */
bool cgroup_is_frozen(struct cgroup *cg);
/* Directory of a given hierarchy ("memory", "pids", ... or "unified"), NULL if absent. */
const char *cgroup_dir(struct cgroup *cg, const char *controller);

/* `events --stats`: the statistics object in runc's field names (plus memory.oom_kill). */
int cgroup_stats_json(struct cgroup *cg, json_w *w, rbox_err **err);
/* The same object with only cpu, memory and pids (what a run's verdict reads: `run --stats`):
 * no cpuset, blkio or hugetlb files read. */
int cgroup_stats_json_brief(struct cgroup *cg, json_w *w, rbox_err **err);
/* Processes killed by the OOM killer in the container's cgroup so far (v1
 * memory.oom_control, v2 memory.events: oom_kill). false when there is no memory controller. */
bool cgroup_oom_kills(struct cgroup *cg, uint64_t *n);

/* OOM notifications: poll fd for POLLIN, then cgroup_oom_watch_read() says how many OOM
 * events happened (v1: an eventfd registered through cgroup.event_control on
 * memory.oom_control; v2: inotify on memory.events). fd is -1 without a memory controller. */
struct cg_oom_watch {
    int fd;
    int ctl_fd; /* v1: memory.oom_control, kept open while registered */
    bool v2;
    char *dir;
    uint64_t last; /* v2: the oom + oom_kill counters last seen */
};
int cgroup_oom_watch_open(struct cgroup *cg, struct cg_oom_watch *w, rbox_err **err);
int cgroup_oom_watch_read(struct cg_oom_watch *w);
void cgroup_oom_watch_close(struct cg_oom_watch *w);

/* Serialize into / restore from the state file. */
void cgroup_to_json(struct cgroup *cg, json_w *w);
int cgroup_from_json(yajl_val v, struct cgroup **out, rbox_err **err);
void cgroup_free(struct cgroup *cg);
void cleanup_cgroupp(struct cgroup **cg);
#define _cleanup_cgroup_ __attribute__((cleanup(cleanup_cgroupp)))

#endif
