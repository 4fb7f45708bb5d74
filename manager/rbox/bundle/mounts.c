/* mounts.c - config.json's "mounts": docker's defaults (/proc, /dev, /sys, ...), the
 * container's /etc files, --init's binary, then the user's -v and --tmpfs mounts. */
#define _GNU_SOURCE
#include "bundle.h"
#include "json.h"
#include "spec.h"
#include "util.h"
#include "volume.h"

#include <stdio.h>
#include <string.h>

static size_t depth(const char *path)
{
    size_t n = 0;
    for (; *path; path++)
        n += *path == '/';
    return n;
}

static void write_one(json_w *w, const struct store *st, const struct sbx_mount *m)
{
    jw_obj_open(w);
    jw_kstr(w, "destination", m->dest);
    jw_kstr(w, "type", m->type == SBX_TMPFS ? "tmpfs" : "bind");
    if (m->type == SBX_VOLUME) {
        _cleanup_free_ char *src = volume_data_path(st, m->source);
        jw_kstr(w, "source", src);
    } else {
        jw_kstr(w, "source", m->type == SBX_TMPFS ? "tmpfs" : m->source);
    }
    jw_key(w, "options");
    jw_arr_open(w);
    if (m->type == SBX_TMPFS) {
        _cleanup_free_ char *opts = xstrdup(m->options);
        char *save = NULL;
        for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save))
            jw_str(w, o);
    } else {
        jw_str(w, "rbind");
        jw_str(w, "rprivate");
        jw_str(w, m->ro ? "ro" : "rw");
    }
    jw_arr_close(w);
    jw_obj_close(w);
}

/* The user's mounts (-v, --tmpfs), after docker's defaults, parents before children. */
static void user_mounts(json_w *w, const struct store *st, const struct sbx_opts *o)
{
    /* parents before children: /data before /data/cache, whatever the order on the command
     * line (docker sorts the same way) */
    size_t max = 0;
    for (size_t i = 0; i < o->n_mounts; i++)
        if (depth(o->mounts[i].dest) > max)
            max = depth(o->mounts[i].dest);
    for (size_t d = 1; d <= max; d++)
        for (size_t i = 0; i < o->n_mounts; i++)
            if (depth(o->mounts[i].dest) == d)
                write_one(w, st, &o->mounts[i]);
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

void bundle_mounts(json_w *w, const char *ctr_dir, const struct store *st, const struct ctr_spec *s)
{
    static const char *const proc[] = { "nosuid", "noexec", "nodev", NULL };
    static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
    static const char *const pts[] = { "nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                                       "mode=0620", "gid=5",  NULL };
    static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
    static const char *const sys_rw[] = { "nosuid", "noexec", "nodev", "rw", NULL };
    static const char *const mq[] = { "nosuid", "noexec", "nodev", NULL };
    char shm_size[40]; /* --shm-size */
    snprintf(shm_size, sizeof(shm_size), "size=%lldk",
             (long long)((s->rf.shm_size ? s->rf.shm_size : RF_SHM_DEFAULT) + 1023) / 1024);
    const char *const shm[] = { "nosuid", "noexec", "nodev", "mode=1777", shm_size, NULL };
    static const char *const bind[] = { "rbind", "rprivate", NULL };
    jw_key(w, "mounts");
    jw_arr_open(w);
    mount(w, "/proc", "proc", "proc", proc);
    mount(w, "/dev", "tmpfs", "tmpfs", dev);
    mount(w, "/dev/pts", "devpts", "devpts", pts);
    /* --privileged: /sys and the cgroup tree writable (docker) */
    mount(w, "/sys", "sysfs", "sysfs", s->rf.privileged ? sys_rw : sys);
    mount(w, "/sys/fs/cgroup", "cgroup", "cgroup", s->rf.privileged ? sys_rw : sys);
    mount(w, "/dev/mqueue", "mqueue", "mqueue", mq);
    mount(w, "/dev/shm", "tmpfs", "shm", shm);
    static const char *const files[] = { "hostname", "hosts", "resolv.conf" };
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        _cleanup_free_ char *dest = xasprintf("/etc/%s", files[i]);
        _cleanup_free_ char *src = xasprintf("%s/%s", ctr_dir, files[i]);
        mount(w, dest, "bind", src, bind);
    }
    if (s->rf.init) {
        static const char *const init_ro[] = { "rbind", "rprivate", "ro", NULL };
        mount(w, RF_INIT_PATH, "bind", s->rf.init_binary, init_ro);
    }
    user_mounts(w, st, &s->sbx); /* -v, --tmpfs */
    jw_arr_close(w);
}
