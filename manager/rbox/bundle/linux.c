/* linux.c - config.json's "linux": devices (--device, --privileged), device rules and resource
 * limits, sysctl, the cgroup path, namespaces, masked and read-only paths, and the seccomp
 * filter (seccomp.c). */
#define _GNU_SOURCE
#include "bundle.h"
#include "json.h"
#include "rootless.h"
#include "spec.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *const masked_paths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};

static const char *const readonly_paths[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                              "/proc/sysrq-trigger" };

static void device_rule(json_w *w, bool allow, const char *type, long major, long minor,
                        const char *access)
{
    jw_obj_open(w);
    jw_kbool(w, "allow", allow);
    if (type)
        jw_kstr(w, "type", type);
    if (major >= 0)
        jw_kint(w, "major", major);
    if (minor >= 0)
        jw_kint(w, "minor", minor);
    jw_kstr(w, "access", access);
    jw_obj_close(w);
}

static void device_node(json_w *w, const char *path, char type, const struct stat *st)
{
    jw_obj_open(w);
    jw_kstr(w, "path", path);
    jw_kstr(w, "type", type == 'b' ? "b" : "c");
    jw_kint(w, "major", major(st->st_rdev));
    jw_kint(w, "minor", minor(st->st_rdev));
    jw_kuint(w, "fileMode", st->st_mode & 07777);
    jw_kuint(w, "uid", st->st_uid);
    jw_kuint(w, "gid", st->st_gid);
    jw_obj_close(w);
}

/* --privileged: every device node of the host's /dev (docker), but for what the container has
 * of its own (pts, shm, mqueue, the console) and symbolic links. */
static void host_devices(json_w *w, int dirfd, const char *dir, int depth)
{
    static const char *const skip[] = { "pts", "shm", "mqueue", "fd", "console", "ptmx" };
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        bool skipped = e->d_name[0] == '.';
        for (size_t i = 0; i < ARRAY_SIZE(skip) && depth == 0; i++)
            skipped = skipped || strcmp(e->d_name, skip[i]) == 0;
        struct stat st;
        if (skipped || fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, e->d_name);
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            device_node(w, path, S_ISBLK(st.st_mode) ? 'b' : 'c', &st);
        } else if (S_ISDIR(st.st_mode) && depth < 3) {
            _cleanup_close_ int sub =
                openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                host_devices(w, sub, path, depth + 1);
        }
    }
    closedir(d);
}

/* --device nodes, and with --privileged the host's. */
static void devices(json_w *w, const struct ctr_spec *s)
{
    if (!s->rf.privileged && s->rf.n_devices == 0)
        return;
    jw_key(w, "devices");
    jw_arr_open(w);
    _cleanup_close_ int dev =
        s->rf.privileged ? open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dev >= 0)
        host_devices(w, dev, "/dev", 0);
    for (size_t i = 0; i < s->rf.n_devices; i++) {
        const struct rf_device *d = &s->rf.devices[i];
        jw_obj_open(w);
        jw_kstr(w, "path", d->path);
        jw_kstr(w, "type", d->type == 'b' ? "b" : "c");
        jw_kint(w, "major", d->major);
        jw_kint(w, "minor", d->minor);
        jw_kuint(w, "fileMode", d->mode);
        jw_kuint(w, "uid", d->uid);
        jw_kuint(w, "gid", d->gid);
        jw_obj_close(w);
    }
    jw_arr_close(w);
}

/* --sysctl */
static void sysctl(json_w *w, const struct ctr_spec *s)
{
    if (s->rf.sysctls == NULL || s->rf.sysctls[0] == NULL)
        return;
    jw_key(w, "sysctl");
    jw_obj_open(w);
    for (size_t i = 0; s->rf.sysctls[i]; i++) {
        const char *kv = s->rf.sysctls[i];
        size_t klen = strcspn(kv, "=");
        _cleanup_free_ char *k = xstrndup(kv, klen);
        jw_kstr(w, k, kv + klen + (kv[klen] ? 1 : 0));
    }
    jw_obj_close(w);
}

static void resources(json_w *w, const struct ctr_spec *s)
{
    jw_key(w, "resources");
    jw_obj_open(w);
    jw_key(w, "devices");
    jw_arr_open(w);
    device_rule(w, s->rf.privileged, NULL, -1, -1, "rwm"); /* --privileged: all devices */
    device_rule(w, true, "c", -1, -1, "m");
    device_rule(w, true, "b", -1, -1, "m");
    static const long chr[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 },    { 1, 9 },
                                   { 5, 0 }, { 5, 1 }, { 5, 2 }, { 136, -1 }, { 10, 200 } };
    for (size_t i = 0; i < ARRAY_SIZE(chr); i++)
        device_rule(w, true, "c", chr[i][0], chr[i][1], "rwm");
    for (size_t i = 0; i < s->rf.n_devices; i++) { /* --device, with its permissions */
        const struct rf_device *d = &s->rf.devices[i];
        device_rule(w, true, d->type == 'b' ? "b" : "c", d->major, d->minor, d->perms);
    }
    jw_arr_close(w);
    if (s->memory > 0 || s->rf.oom_kill_disable) {
        jw_key(w, "memory");
        jw_obj_open(w);
        if (s->memory > 0)
            jw_kint(w, "limit", s->memory);
        if (s->rf.memory_swap != 0) /* --memory-swap: memory + swap, -1 unlimited */
            jw_kint(w, "swap", s->rf.memory_swap);
        if (s->rf.oom_kill_disable)
            jw_kbool(w, "disableOOMKiller", true);
        jw_obj_close(w);
    }
    if (s->nano_cpus > 0 || s->rf.cpu_shares > 0 || s->rf.cpuset_cpus) {
        jw_key(w, "cpu");
        jw_obj_open(w);
        if (s->nano_cpus > 0) {
            jw_kint(w, "quota", s->nano_cpus * 100000 / 1000000000);
            jw_kuint(w, "period", 100000);
        }
        if (s->rf.cpu_shares > 0)
            jw_kuint(w, "shares", (unsigned long long)s->rf.cpu_shares);
        if (s->rf.cpuset_cpus)
            jw_kstr(w, "cpus", s->rf.cpuset_cpus);
        jw_obj_close(w);
    }
    if (s->pids_limit > 0) {
        jw_key(w, "pids");
        jw_obj_open(w);
        jw_kint(w, "limit", s->pids_limit);
        jw_obj_close(w);
    }
    blkio_bundle(w, &s->blkio);
    jw_obj_close(w);
}

/* maskedPaths, readonlyPaths and the seccomp filter. */
static void confinement(json_w *w, const struct ctr_spec *s)
{
    jw_key(w, "maskedPaths");
    jw_arr_open(w);
    for (size_t i = 0; i < ARRAY_SIZE(masked_paths); i++)
        jw_str(w, masked_paths[i]);
    jw_arr_close(w);
    jw_key(w, "readonlyPaths");
    jw_arr_open(w);
    for (size_t i = 0; i < ARRAY_SIZE(readonly_paths); i++)
        jw_str(w, readonly_paths[i]);
    jw_arr_close(w);
    bundle_seccomp(w, &s->sbx, bundle_capability_set(s));
}

/* --userns keep-id (rootless only, container/rootless_spec.c): a user namespace of the
 * container's own in which the user is itself (store/rootless.c has the maps) */
static void keep_id_userns(json_w *w)
{
    jw_obj_open(w);
    jw_kstr(w, "type", "user");
    jw_obj_close(w);
}

static void keep_id_maps(json_w *w)
{
    for (int k = 0; k < 2; k++) {
        _cleanup_free_ uint32_t(*m)[3] = NULL;
        size_t n = rootless_keepid_map(k == 0, &m);
        jw_key(w, k == 0 ? "uidMappings" : "gidMappings");
        jw_arr_open(w);
        for (size_t i = 0; i < n; i++) {
            jw_obj_open(w);
            jw_kuint(w, "containerID", m[i][0]);
            jw_kuint(w, "hostID", m[i][1]);
            jw_kuint(w, "size", m[i][2]);
            jw_obj_close(w);
        }
        jw_arr_close(w);
    }
}

void bundle_linux(json_w *w, const struct store *st, const struct ctr_spec *s, const char *netns)
{
    jw_key(w, "linux");
    jw_obj_open(w);
    devices(w, s);
    resources(w, s);
    sysctl(w, s);
    const char *parent = s->cgroup_parent ? s->cgroup_parent : "/rbox";
    size_t plen = strlen(parent);
    while (plen > 1 && parent[plen - 1] == '/')
        plen--;
    _cleanup_free_ char *cg = xasprintf("%.*s/%s", (int)plen, parent, s->id);
    jw_kstr(w, "cgroupsPath", cg);
    jw_key(w, "namespaces");
    jw_arr_open(w);
    static const char *const ns[] = { "pid", "ipc", "uts", "mount", "cgroup" };
    for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
        _cleanup_free_ char *path = NULL;
        if (!ns_flags_entry(st, s->id, &s->ns, ns[i], &path))
            continue; /* --pid/--ipc/--uts/--cgroupns host */
        jw_obj_open(w);
        jw_kstr(w, "type", ns[i]);
        if (path)
            jw_kstr(w, "path", path);
        jw_obj_close(w);
    }
    if (!str_eq(s->network, "host")) {
        jw_obj_open(w);
        jw_kstr(w, "type", "network");
        if (netns)
            jw_kstr(w, "path", netns);
        jw_obj_close(w);
    }
    if (str_eq(s->ns.userns, "keep-id"))
        keep_id_userns(w);
    jw_arr_close(w);
    if (str_eq(s->ns.userns, "keep-id"))
        keep_id_maps(w);
    if (!s->rf.privileged) /* --privileged: nothing masked, no seccomp (docker) */
        confinement(w, s);
    jw_obj_close(w);
}
