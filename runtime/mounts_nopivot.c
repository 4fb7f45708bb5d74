/* mounts_nopivot.c - what --no-pivot must hide of the host's mount tree (see mounts.h).
 *
 * pivot_root detaches the host's tree; MS_MOVE + chroot leaves it in the container's mount
 * namespace, under the new root. The kernel lets a user namespace mount a fresh procfs or
 * sysfs only when a "fully visible" one is already in its mount namespace: one whose root is
 * the filesystem's root and that no *locked* mount covers. After a chroot the host's /proc and
 * /sys are such mounts, so a process with CAP_SYS_ADMIN in the container could mount a procfs
 * or sysfs that pivot_root would have refused. (runc detaches or covers them just before the
 * MS_MOVE; in a user namespace neither stops the kernel: the host's mounts are locked there,
 * and a cover made inside is not.)
 *
 * So, in a private mount namespace of the host's user namespace, before the container's user
 * namespace exists, an empty read-only tmpfs covers a directory of each host procfs (tty, else
 * sys) and sysfs (kernel). The user namespace's copy of the tree locks these covers: the host's
 * filesystems are no longer fully visible, and the container cannot take the covers away. The
 * init keeps the rest of the host's /proc (/proc/self, ...) and /sys (the cgroup directories)
 * until the chroot.
 *
 * Only for a filesystem the config does not mount itself: mounting the container's own procfs
 * or sysfs from inside the user namespace needs the host's to be fully visible at that time.
 * With its own procfs, a process with CAP_SYS_ADMIN in the user namespace can mount another
 * one, with pivot_root as well (docs/security.md).
 */
#define _GNU_SOURCE
#include "mounts.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape_octal(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static bool under(const char *path, const char *dir)
{
    size_t l = strlen(dir);
    return strncmp(path, dir, l) == 0 && (path[l] == '\0' || path[l] == '/');
}

static bool config_mounts(const struct rbox_config *cfg, const char *type)
{
    for (size_t i = 0; i < cfg->n_mounts; i++)
        if (str_eq(cfg->mounts[i].type, type))
            return true;
    return false;
}

bool mounts_nopivot_lock_needed(const struct rbox_config *cfg, bool no_pivot, bool new_userns)
{
    /* a rootless caller cannot make the private mount namespace */
    if (!no_pivot || !new_userns || geteuid() != 0 || cfg->linux.ns[NS_MOUNT].path)
        return false;
    return !config_mounts(cfg, "proc") || !config_mounts(cfg, "sysfs");
}

static int cover(const char *path)
{
    return mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                 "size=4k,mode=0555");
}

/* Cover one directory of the full mount at `mnt`: the first of `dirs` that takes it. */
static int cover_one_of(const char *mnt, const char *const *dirs, rbox_err **err)
{
    for (size_t k = 0; dirs[k]; k++) {
        _cleanup_free_ char *p = xasprintf("%s/%s", mnt, dirs[k]);
        if (cover(p) == 0)
            return 0;
    }
    return rbox_error(err, errno, "--no-pivot: covering a directory of the host's %s", mnt);
}

int mounts_nopivot_lock_host(const struct rbox_config *cfg, rbox_err **err)
{
    static const char *const proc_dirs[] = { "tty", "sys", NULL };
    static const char *const sys_dirs[] = { "kernel", "devices", NULL };
    bool proc = !config_mounts(cfg, "proc"), sysfs = !config_mounts(cfg, "sysfs");
    if (unshare(CLONE_NEWNS) < 0)
        return rbox_error(err, errno, "--no-pivot: a private mount namespace");
    if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return rbox_error(err, errno, "--no-pivot: setting / propagation");
    _cleanup_free_ char *root = realpath(cfg->rootfs, NULL);
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    if (f == NULL)
        return rbox_error(err, errno, "--no-pivot: reading /proc/self/mountinfo");
    _cleanup_strv_ char **procs = NULL, **syss = NULL;
    size_t np = 0, ns = 0, cap = 0;
    _cleanup_free_ char *line = NULL;
    while (getline(&line, &cap, f) > 0) {
        char mroot[4096], mnt[4096], type[64];
        char *sep = strstr(line, " - ");
        if (sep == NULL || sscanf(line, "%*s %*s %*s %4095s %4095s", mroot, mnt) != 2 ||
            sscanf(sep + 3, "%63s", type) != 1)
            continue;
        unescape_octal(mroot);
        unescape_octal(mnt);
        if (strcmp(mroot, "/") != 0 || under(mnt, root ? root : cfg->rootfs))
            continue;
        if (proc && strcmp(type, "proc") == 0)
            strv_push(&procs, &np, xstrdup(mnt));
        else if (sysfs && strcmp(type, "sysfs") == 0)
            strv_push(&syss, &ns, xstrdup(mnt));
    }
    for (size_t i = 0; i < np; i++)
        if (cover_one_of(procs[i], proc_dirs, err) < 0)
            return -1;
    for (size_t i = 0; i < ns; i++)
        if (cover_one_of(syss[i], sys_dirs, err) < 0)
            return -1;
    return 0;
}
