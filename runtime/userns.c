/* userns.c - user namespace id maps (and what rootless operation needs around them).
 *
 * The runtime writes /proc/<pid>/uid_map and gid_map of the child while it waits. Root writes
 * any mapping. A non-root caller may write one line mapping its own id (after "deny" in
 * /proc/<pid>/setgroups for the gid map); anything more goes through the setuid helpers
 * newuidmap/newgidmap (Debian package uidmap), which check /etc/subuid and /etc/subgid.
 */
#define _GNU_SOURCE
#include "userns.h"
#include "log.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct idmap_kind {
    const char *file;   /* "uid_map" */
    const char *helper; /* "newuidmap" */
    const char *field;  /* "linux.uidMappings" */
};

static const struct idmap_kind uid_kind = { "uid_map", "newuidmap", "linux.uidMappings" };
static const struct idmap_kind gid_kind = { "gid_map", "newgidmap", "linux.gidMappings" };

static char *map_text(const struct rbox_idmap *m, size_t n)
{
    char *buf = xstrdup("");
    for (size_t i = 0; i < n; i++) {
        char *next = xasprintf("%s%u %u %u\n", buf, m[i].container_id, m[i].host_id, m[i].size);
        free(buf);
        buf = next;
    }
    return buf;
}

static int write_direct(pid_t pid, const struct idmap_kind *k, const struct rbox_idmap *m, size_t n,
                        rbox_err **err)
{
    _cleanup_free_ char *text = map_text(m, n);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, k->file);
    if (write_file_at(AT_FDCWD, path, text) < 0)
        return rbox_error(err, errno, "%s: writing %s", k->field, k->file);
    return 0;
}

/* The helper's path: $PATH first, then where Debian installs it. */
static char *find_helper(const char *name)
{
    char *found = find_in_path(name);
    if (found)
        return found;
    char *cand = xasprintf("/usr/bin/%s", name);
    if (access(cand, X_OK) == 0)
        return cand;
    free(cand);
    return NULL;
}

/* Run newuidmap/newgidmap PID ID HOSTID SIZE...; its stderr becomes the message. */
static int run_helper(pid_t pid, const struct idmap_kind *k, const struct rbox_idmap *m, size_t n,
                      rbox_err **err)
{
    _cleanup_free_ char *exe = find_helper(k->helper);
    if (exe == NULL)
        return rbox_error(err, 0,
                          "%s: mapping more than your own id as a non-root user needs "
                          "%s (Debian package uidmap)",
                          k->field, k->helper);
    char **argv = xcalloc(3 * n + 3, sizeof(char *));
    size_t a = 0;
    argv[a++] = xstrdup(exe);
    argv[a++] = xasprintf("%d", (int)pid);
    for (size_t i = 0; i < n; i++) {
        argv[a++] = xasprintf("%u", m[i].container_id);
        argv[a++] = xasprintf("%u", m[i].host_id);
        argv[a++] = xasprintf("%u", m[i].size);
    }
    _cleanup_strv_ char **owned = argv;
    char out[512];
    int status;
    if (spawn_capture(exe, argv, NULL, out, sizeof(out), &status, err) < 0)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return rbox_error(err, 0, "%s: %s failed (does /etc/sub%cid allow the range?): %s", k->field,
                      k->helper, k->file[0], *out ? out : "no message");
}

/* One line mapping exactly the caller's own id: writable without privileges. */
static bool own_id_only(const struct rbox_idmap *m, size_t n, uint32_t id)
{
    return n == 1 && m[0].host_id == id && m[0].size == 1;
}

int userns_write_maps(pid_t pid, const struct rbox_config *cfg, rbox_err **err)
{
    const struct rbox_linux *l = &cfg->linux;
    if (geteuid() == 0)
        return write_direct(pid, &uid_kind, l->uid_mappings, l->n_uid_mappings, err) < 0 ||
                       write_direct(pid, &gid_kind, l->gid_mappings, l->n_gid_mappings, err) < 0
                   ? -1
                   : 0;
    if (own_id_only(l->uid_mappings, l->n_uid_mappings, geteuid())
            ? write_direct(pid, &uid_kind, l->uid_mappings, l->n_uid_mappings, err) < 0
            : run_helper(pid, &uid_kind, l->uid_mappings, l->n_uid_mappings, err) < 0)
        return -1;
    if (!own_id_only(l->gid_mappings, l->n_gid_mappings, getegid()))
        return run_helper(pid, &gid_kind, l->gid_mappings, l->n_gid_mappings, err);
    /* an unprivileged gid_map needs setgroups denied first (the kernel's rule) */
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
    if (write_file_at(AT_FDCWD, path, "deny") < 0 && errno != ENOENT)
        return rbox_error(err, errno, "writing %s", path);
    return write_direct(pid, &gid_kind, l->gid_mappings, l->n_gid_mappings, err);
}

/* Anything in linux.resources beyond device rules (which a user namespace enforces anyway:
 * no mknod, only the device nodes bound in). */
static bool resources_beyond_devices(const struct rbox_resources *r)
{
    bool mem = r->memory.limit.set || r->memory.reservation.set || r->memory.swap.set ||
               r->memory.kernel.set || r->memory.kernel_tcp.set || r->memory.swappiness.set ||
               r->memory.disable_oom_killer.set;
    bool cpu = r->cpu.shares.set || r->cpu.quota.set || r->cpu.burst.set || r->cpu.period.set ||
               r->cpu.realtime_runtime.set || r->cpu.realtime_period.set || r->cpu.cpus ||
               r->cpu.mems || r->cpu.idle.set;
    bool io = r->block_io.weight.set || r->block_io.leaf_weight.set ||
              r->block_io.n_weight_device || r->block_io.n_throttle_read_bps ||
              r->block_io.n_throttle_write_bps || r->block_io.n_throttle_read_iops ||
              r->block_io.n_throttle_write_iops;
    bool net = r->network.class_id.set || r->network.n_priorities;
    return mem || cpu || io || net || r->pids.limit.set || r->n_hugepage_limits || r->n_unified;
}

bool userns_unprivileged(void)
{
    static int cached = -1;
    if (cached < 0) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        unsigned a, b, c;
        cached =
            geteuid() != 0 ||
            (read_file_at(AT_FDCWD, "/proc/self/uid_map", &text, &len) == 0 &&
             !(sscanf(text, "%u %u %u", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295u));
    }
    return cached;
}

bool userns_may_skip_cgroup(const struct rbox_config *cfg, int errnum)
{
    if (!userns_unprivileged() || !(errnum == EACCES || errnum == EPERM || errnum == EROFS))
        return false;
    return !cfg->linux.has_resources || !resources_beyond_devices(&cfg->linux.resources);
}
