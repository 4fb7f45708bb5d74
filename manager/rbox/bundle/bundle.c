/* bundle.c - the OCI bundle (config.json) generated from the user's request, with docker's
 * defaults: capabilities, mounts, masked paths, device rules, namespaces. */
#define _GNU_SOURCE
#include "json.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const default_caps[] = {
    "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
    "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE",
};

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

static bool has(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static int cap_index(const char *name)
{
    for (size_t i = 0; i < cap_count(); i++)
        if (strcmp(name, cap_name_at(i)) == 0)
            return (int)i;
    return -1;
}

/* docker's rule: ALL in --cap-add starts from every capability, ALL in --cap-drop from none;
 * then single adds, then single drops. */
static uint64_t capability_set(const struct ctr_spec *s)
{
    uint64_t set = 0;
    if (has(s->cap_add, "ALL"))
        set = (1ull << cap_count()) - 1;
    else if (!has(s->cap_drop, "ALL"))
        for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
            set |= 1ull << cap_index(default_caps[i]);
    for (size_t i = 0; s->cap_add && s->cap_add[i]; i++)
        if (strcmp(s->cap_add[i], "ALL") != 0)
            set |= 1ull << cap_index(s->cap_add[i] + 4);
    for (size_t i = 0; s->cap_drop && s->cap_drop[i]; i++)
        if (strcmp(s->cap_drop[i], "ALL") != 0 && !has(s->cap_add, s->cap_drop[i]))
            set &= ~(1ull << cap_index(s->cap_drop[i] + 4));
    return set;
}

static void cap_list(json_w *w, const char *key, uint64_t set)
{
    jw_key(w, key);
    jw_arr_open(w);
    for (size_t i = 0; i < cap_count(); i++)
        if (set & (1ull << i)) {
            char name[48];
            snprintf(name, sizeof(name), "CAP_%s", cap_name_at(i));
            jw_str(w, name);
        }
    jw_arr_close(w);
}

static void process(json_w *w, const struct ctr_spec *s, const char *hostname)
{
    jw_key(w, "process");
    jw_obj_open(w);
    jw_kbool(w, "terminal", s->tty);
    jw_key(w, "user");
    jw_obj_open(w);
    jw_kuint(w, "uid", s->uid);
    jw_kuint(w, "gid", s->gid);
    if (s->n_groups) {
        jw_key(w, "additionalGids");
        jw_arr_open(w);
        for (size_t i = 0; i < s->n_groups; i++)
            jw_uint(w, s->groups[i]);
        jw_arr_close(w);
    }
    jw_obj_close(w);
    _cleanup_strv_ char **args = spec_args(s);
    jw_key(w, "args");
    jw_arr_open(w);
    for (size_t i = 0; args[i]; i++)
        jw_str(w, args[i]);
    jw_arr_close(w);
    jw_key(w, "env");
    jw_arr_open(w);
    bool path = false, home = false;
    for (size_t i = 0; s->env && s->env[i]; i++) {
        path = path || str_has_prefix(s->env[i], "PATH=");
        home = home || str_has_prefix(s->env[i], "HOME=");
    }
    if (!path)
        jw_str(w, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    _cleanup_free_ char *hn = xasprintf("HOSTNAME=%s", hostname);
    jw_str(w, hn);
    bool term = false; /* -t: TERM=xterm unless given (docker) */
    for (size_t i = 0; s->env && s->env[i]; i++)
        term = term || str_has_prefix(s->env[i], "TERM=");
    if (s->tty && !term)
        jw_str(w, "TERM=xterm");
    for (size_t i = 0; s->env && s->env[i]; i++)
        jw_str(w, s->env[i]);
    if (!home) {
        _cleanup_free_ char *h = xasprintf("HOME=%s", s->home ? s->home : "/");
        jw_str(w, h);
    }
    jw_arr_close(w);
    jw_kstr(w, "cwd", s->workdir ? s->workdir : "/");
    uint64_t caps = capability_set(s);
    jw_key(w, "capabilities");
    jw_obj_open(w);
    cap_list(w, "bounding", caps);
    /* a non-root user keeps only the bounding set (moby's behaviour) */
    cap_list(w, "effective", s->uid == 0 ? caps : 0);
    cap_list(w, "permitted", s->uid == 0 ? caps : 0);
    jw_obj_close(w);
    jw_kbool(w, "noNewPrivileges", sbx_no_new_privs(&s->sbx));
    jw_obj_close(w);
}

static void mount(json_w *w, const char *dest, const char *type, const char *src,
                  const char *const *opts)
{
    jw_obj_open(w);
    jw_kstr(w, "destination", dest);
    jw_kstr(w, "type", type);
    jw_kstr(w, "source", src);
    jw_key(w, "options");
    jw_arr_open(w);
    for (size_t i = 0; opts[i]; i++)
        jw_str(w, opts[i]);
    jw_arr_close(w);
    jw_obj_close(w);
}

static void mounts(json_w *w, const char *ctr_dir, const struct store *st, const struct ctr_spec *s)
{
    static const char *const proc[] = { "nosuid", "noexec", "nodev", NULL };
    static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
    static const char *const pts[] = { "nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                                       "mode=0620", "gid=5",  NULL };
    static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
    static const char *const mq[] = { "nosuid", "noexec", "nodev", NULL };
    static const char *const shm[] = {
        "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL
    };
    static const char *const bind[] = { "rbind", "rprivate", NULL };
    jw_key(w, "mounts");
    jw_arr_open(w);
    mount(w, "/proc", "proc", "proc", proc);
    mount(w, "/dev", "tmpfs", "tmpfs", dev);
    mount(w, "/dev/pts", "devpts", "devpts", pts);
    mount(w, "/sys", "sysfs", "sysfs", sys);
    mount(w, "/sys/fs/cgroup", "cgroup", "cgroup", sys);
    mount(w, "/dev/mqueue", "mqueue", "mqueue", mq);
    mount(w, "/dev/shm", "tmpfs", "shm", shm);
    static const char *const files[] = { "hostname", "hosts", "resolv.conf" };
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        _cleanup_free_ char *dest = xasprintf("/etc/%s", files[i]);
        _cleanup_free_ char *src = xasprintf("%s/%s", ctr_dir, files[i]);
        mount(w, dest, "bind", src, bind);
    }
    sbx_mounts_write(w, st, &s->sbx); /* -v, --tmpfs */
    jw_arr_close(w);
}

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

static void linux_section(json_w *w, const struct ctr_spec *s)
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
    sbx_seccomp_write(w, &s->sbx, capability_set(s));
    jw_obj_close(w);
}

/* /etc/hostname, /etc/hosts, /etc/resolv.conf of the container (bind-mounted). */
static int etc_files(int ctrfd, const struct ctr_spec *s, const char *hostname, rbox_err **err)
{
    bool host = str_eq(s->network, "host");
    _cleanup_free_ char *hn = xasprintf("%s\n", hostname);
    _cleanup_free_ char *hosts = NULL, *resolv = NULL;
    if (host)
        read_file_at(AT_FDCWD, "/etc/hosts", &hosts, NULL);
    if (hosts == NULL)
        hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                          "127.0.1.1\t%s\n",
                          hostname);
    if (host)
        read_file_at(AT_FDCWD, "/etc/resolv.conf", &resolv, NULL);
    if (resolv == NULL)
        resolv = xstrdup(""); /* no network: no name servers */
    if (write_file_atomic_at(ctrfd, "hostname", hn, strlen(hn), 0644, false) < 0 ||
        write_file_atomic_at(ctrfd, "hosts", hosts, strlen(hosts), 0644, false) < 0 ||
        write_file_atomic_at(ctrfd, "resolv.conf", resolv, strlen(resolv), 0644, false) < 0)
        return rbox_error(err, errno, "writing the container's /etc files");
    return 0;
}

int bundle_write(const struct store *st, const struct ctr_spec *s, rbox_err **err)
{
    _cleanup_free_ char *ctr_dir = ctr_path(st, s->id, NULL);
    _cleanup_free_ char *rootfs = ctr_run_path(st, s->id, "rootfs");
    _cleanup_close_ int ctrfd = open(ctr_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ctrfd < 0)
        return rbox_error(err, errno, "opening %s", ctr_dir);
    char shortid[13];
    ctr_copy(shortid, sizeof(shortid), s->id);
    const char *hostname = s->hostname ? s->hostname : shortid;
    if (etc_files(ctrfd, s, hostname, err) < 0 ||
        sbx_create_extras(st, ctrfd, s->id, &s->sbx, err) < 0)
        return -1;
    if (mkdirat(ctrfd, "bundle", 0700) < 0 && errno != EEXIST)
        return rbox_error(err, errno, "creating the bundle directory");
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    jw_kstr(&w, "ociVersion", "1.2.0");
    process(&w, s, hostname);
    jw_key(&w, "root");
    jw_obj_open(&w);
    jw_kstr(&w, "path", rootfs);
    jw_kbool(&w, "readonly", s->read_only);
    jw_obj_close(&w);
    jw_kstr(&w, "hostname", hostname);
    mounts(&w, ctr_dir, st, s);
    linux_section(&w, s);
    jw_key(&w, "annotations");
    jw_obj_open(&w);
    jw_kstr(&w, "io.rbox.container.name", s->name);
    jw_kstr(&w, "io.rbox.image", s->image);
    jw_obj_close(&w);
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    int r = write_file_atomic_at(ctrfd, "bundle/config.json", text, len, 0600, !s->auto_remove);
    int saved = errno;
    jw_free(&w);
    if (r < 0)
        return rbox_error(err, saved, "writing the bundle's config.json");
    return 0;
}
