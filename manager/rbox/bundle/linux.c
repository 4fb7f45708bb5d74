/* linux.c - config.json's "linux": device rules and resource limits, the cgroup path,
 * namespaces, masked and read-only paths, and the seccomp filter (seccomp.c). */
#define _GNU_SOURCE
#include "bundle.h"
#include "json.h"
#include "spec.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

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

static void resources(json_w *w, const struct ctr_spec *s)
{
    jw_key(w, "resources");
    jw_obj_open(w);
    jw_key(w, "devices");
    jw_arr_open(w);
    device_rule(w, false, NULL, -1, -1, "rwm");
    device_rule(w, true, "c", -1, -1, "m");
    device_rule(w, true, "b", -1, -1, "m");
    static const long chr[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 },    { 1, 9 },
                                   { 5, 0 }, { 5, 1 }, { 5, 2 }, { 136, -1 }, { 10, 200 } };
    for (size_t i = 0; i < ARRAY_SIZE(chr); i++)
        device_rule(w, true, "c", chr[i][0], chr[i][1], "rwm");
    jw_arr_close(w);
    if (s->memory > 0) {
        jw_key(w, "memory");
        jw_obj_open(w);
        jw_kint(w, "limit", s->memory);
        jw_obj_close(w);
    }
    if (s->nano_cpus > 0) {
        jw_key(w, "cpu");
        jw_obj_open(w);
        jw_kint(w, "quota", s->nano_cpus * 100000 / 1000000000);
        jw_kuint(w, "period", 100000);
        jw_obj_close(w);
    }
    if (s->pids_limit > 0) {
        jw_key(w, "pids");
        jw_obj_open(w);
        jw_kint(w, "limit", s->pids_limit);
        jw_obj_close(w);
    }
    jw_obj_close(w);
}

void bundle_linux(json_w *w, const struct ctr_spec *s)
{
    jw_key(w, "linux");
    jw_obj_open(w);
    resources(w, s);
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
        jw_obj_open(w);
        jw_kstr(w, "type", ns[i]);
        jw_obj_close(w);
    }
    if (!str_eq(s->network, "host")) {
        jw_obj_open(w);
        jw_kstr(w, "type", "network");
        jw_obj_close(w);
    }
    jw_arr_close(w);
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
    jw_obj_close(w);
}
