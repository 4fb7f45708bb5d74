/* config.c - librbox: a run's config.json, the OCI bundle rbox-runtime creates the container
 * from. The same defaults as the busybox bundle and `rbox run` (docker's capability set,
 * masked and read-only paths, no devices beyond the runtime's defaults), always with
 * no_new_privs, the seccomp profile resolved by the manager's code (bundle/seccomp.c). */
#define _GNU_SOURCE
#include "bundle.h"
#include "internal.h"
#include "sandbox.h"

#include <linux/capability.h>
#include <stdio.h>
#include <string.h>

static const char *const caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

/* the same set as numbers, for the profile's per-capability rules */
static uint64_t caps_mask(void)
{
    static const int nums[] = { CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
                                CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
                                CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
                                CAP_KILL,    CAP_AUDIT_WRITE };
    uint64_t m = 0;
    for (size_t i = 0; i < ARRAY_SIZE(nums); i++)
        m |= 1ULL << nums[i];
    return m;
}

static void mount_entry(json_w *w, const char *dest, const char *type, const char *source,
                        const char *const *opts, const char *extra)
{
    jw_obj_open(w);
    jw_kstr(w, "destination", dest);
    jw_kstr(w, "type", type);
    jw_kstr(w, "source", source);
    jw_key(w, "options");
    jw_arr_open(w);
    for (size_t i = 0; opts && opts[i]; i++)
        jw_str(w, opts[i]);
    /* comma-separated options of the caller (tmpfs) */
    if (extra) {
        _cleanup_free_ char *copy = xstrdup(extra);
        char *save = NULL;
        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
            jw_str(w, o);
    }
    jw_arr_close(w);
    jw_obj_close(w);
}

static void mounts(json_w *w, const struct rbox_sandbox *sb)
{
    static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
    static const char *const pts[] = { "nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                                       "mode=0620", "gid=5",  NULL };
    static const char *const shm[] = {
        "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL
    };
    static const char *const mq[] = { "nosuid", "noexec", "nodev", NULL };
    static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
    static const char *const tmpfs[] = { "nosuid", "nodev", NULL };
    jw_key(w, "mounts");
    jw_arr_open(w);
    mount_entry(w, "/proc", "proc", "proc", NULL, NULL);
    mount_entry(w, "/dev", "tmpfs", "tmpfs", dev, NULL);
    mount_entry(w, "/dev/pts", "devpts", "devpts", pts, NULL);
    mount_entry(w, "/dev/shm", "tmpfs", "shm", shm, NULL);
    mount_entry(w, "/dev/mqueue", "mqueue", "mqueue", mq, NULL);
    mount_entry(w, "/sys", "sysfs", "sysfs", sys, NULL);
    mount_entry(w, "/sys/fs/cgroup", "cgroup", "cgroup", sys, NULL);
    for (size_t i = 0; i < sb->n_mounts; i++) {
        const struct lib_mount *m = &sb->mounts[i];
        if (m->bind) {
            const char *const o[] = { "rbind", m->ro ? "ro" : "rw", "nosuid", "nodev", NULL };
            mount_entry(w, m->dest, "bind", m->source, o, NULL);
        } else {
            mount_entry(w, m->dest, "tmpfs", "tmpfs", tmpfs, m->options ? m->options : "mode=1777");
        }
    }
    jw_arr_close(w);
}

static void process(json_w *w, const struct rbox_sandbox *sb)
{
    jw_key(w, "process");
    jw_obj_open(w);
    jw_kbool(w, "terminal", false);
    jw_key(w, "user");
    jw_obj_open(w);
    jw_kuint(w, "uid", sb->uid);
    jw_kuint(w, "gid", sb->gid);
    jw_obj_close(w);
    jw_kstrv(w, "args", sb->argv);
    jw_kstrv(w, "env", sb->env);
    jw_kstr(w, "cwd", sb->cwd);
    jw_key(w, "capabilities");
    jw_obj_open(w);
    static const char *const sets[] = { "bounding", "effective", "permitted" };
    for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
        jw_kstrv(w, sets[i], (char *const *)caps);
    jw_obj_close(w);
    jw_key(w, "rlimits");
    jw_arr_open(w);
    jw_obj_open(w);
    jw_kstr(w, "type", "RLIMIT_NOFILE");
    jw_kuint(w, "hard", 1024);
    jw_kuint(w, "soft", 1024);
    jw_obj_close(w);
    jw_arr_close(w);
    jw_kbool(w, "noNewPrivileges", true);
    jw_obj_close(w);
}

static void resources(json_w *w, const struct rbox_sandbox *sb)
{
    jw_key(w, "resources");
    jw_obj_open(w);
    jw_key(w, "devices");
    jw_arr_open(w);
    jw_obj_open(w);
    jw_kbool(w, "allow", false);
    jw_kstr(w, "access", "rwm");
    jw_obj_close(w);
    jw_arr_close(w);
    if (sb->memory > 0) {
        jw_key(w, "memory");
        jw_obj_open(w);
        jw_kint(w, "limit", sb->memory);
        jw_kint(w, "swap", sb->memory); /* memory + swap: no swapping past the limit */
        jw_obj_close(w);
    }
    if (sb->cpu_quota > 0) {
        jw_key(w, "cpu");
        jw_obj_open(w);
        jw_kint(w, "quota", sb->cpu_quota);
        jw_kuint(w, "period", (unsigned long long)sb->cpu_period);
        jw_obj_close(w);
    }
    if (sb->pids > 0) {
        jw_key(w, "pids");
        jw_obj_open(w);
        jw_kint(w, "limit", sb->pids);
        jw_obj_close(w);
    }
    jw_obj_close(w);
}

void lib_config(json_w *w, const struct rbox_sandbox *sb, const char *root,
                const char *cgroups_path)
{
    jw_obj_open(w);
    jw_kstr(w, "ociVersion", "1.2.0");
    process(w, sb);
    jw_key(w, "root");
    jw_obj_open(w);
    jw_kstr(w, "path", root);
    jw_kbool(w, "readonly", sb->readonly_root);
    jw_obj_close(w);
    jw_kstr(w, "hostname", "rbox");
    mounts(w, sb);
    jw_key(w, "linux");
    jw_obj_open(w);
    jw_kstr(w, "cgroupsPath", cgroups_path);
    resources(w, sb);
    jw_key(w, "namespaces");
    jw_arr_open(w);
    static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
    for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
        if (sb->net == RBOX_NET_HOST && strcmp(ns[i], "network") == 0)
            continue;
        jw_obj_open(w);
        jw_kstr(w, "type", ns[i]);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    static const char *const masked[] = {
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/sys/firmware",
        NULL,
    };
    static const char *const ro[] = { "/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
                                      "/proc/sysrq-trigger", NULL };
    jw_kstrv(w, "maskedPaths", (char *const *)masked);
    jw_kstrv(w, "readonlyPaths", (char *const *)ro);
    /* the manager's resolver: built-in profile or the caller's file, for these capabilities */
    if (!str_eq(sb->seccomp, "unconfined")) {
        const char *text = sb->seccomp_text
                               ? sb->seccomp_text
                               : seccomp_profile_builtin(sb->seccomp ? sb->seccomp : "default");
        if (text)
            bundle_seccomp_profile(w, text, caps_mask());
    }
    jw_obj_close(w);
    jw_obj_close(w);
}
