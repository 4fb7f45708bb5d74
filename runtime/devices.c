/* devices.c - device nodes and symlinks in the container's /dev. */
#define _GNU_SOURCE
#include "devices.h"
#include "mounts.h"
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct rbox_device default_devices[] = {
    { 'c', (char *)"/dev/null", 1, 3, { true, 0666 }, { true, 0 }, { true, 0 } },
    { 'c', (char *)"/dev/zero", 1, 5, { true, 0666 }, { true, 0 }, { true, 0 } },
    { 'c', (char *)"/dev/full", 1, 7, { true, 0666 }, { true, 0 }, { true, 0 } },
    { 'c', (char *)"/dev/random", 1, 8, { true, 0666 }, { true, 0 }, { true, 0 } },
    { 'c', (char *)"/dev/urandom", 1, 9, { true, 0666 }, { true, 0 }, { true, 0 } },
    { 'c', (char *)"/dev/tty", 5, 0, { true, 0666 }, { true, 0 }, { true, 0 } },
};

static mode_t dev_type_mode(char t)
{
    switch (t) {
    case 'b': return S_IFBLK;
    case 'p': return S_IFIFO;
    default: return S_IFCHR; /* 'c' and 'u' */
    }
}

/* Is what is at parent/base already this device? */
static bool node_matches(int pfd, const char *base, mode_t type, dev_t rdev)
{
    struct stat st;
    if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return false;
    return (st.st_mode & S_IFMT) == type && (type == S_IFIFO || st.st_rdev == rdev);
}

static int create_device(int rootfd, const struct rbox_device *d, bool userns, rbox_err **err)
{
    _cleanup_free_ char *parent = path_dirname(d->path);
    const char *base = path_basename(d->path);
    _cleanup_close_ int pfd = mkdir_all_in_root(rootfd, parent, 0755, err);
    if (pfd < 0)
        return rbox_error_prefix(err, "device %s", d->path);
    mode_t type = dev_type_mode(d->type);
    dev_t rdev = makedev((unsigned)d->major, (unsigned)d->minor);
    if (userns && type != S_IFIFO)
        return mount_bind_into_root(rootfd, d->path, d->path, false, err) < 0
                   ? rbox_error_prefix(err, "device %s", d->path)
                   : 0;
    mode_t perm = d->file_mode.set ? (mode_t)(d->file_mode.v & 07777) : 0666;
    if (!node_matches(pfd, base, type, rdev)) {
        if (unlinkat(pfd, base, 0) < 0 && errno != ENOENT)
            return rbox_error(err, errno, "device %s: removing what is there", d->path);
        if (mknodat(pfd, base, type | perm, type == S_IFIFO ? 0 : rdev) < 0)
            return rbox_error(err, errno, "device %s: mknod", d->path);
    }
    if (fchmodat(pfd, base, perm, 0) < 0)
        return rbox_error(err, errno, "device %s: chmod", d->path);
    uid_t uid = d->uid.set ? (uid_t)d->uid.v : 0;
    gid_t gid = d->gid.set ? (gid_t)d->gid.v : 0;
    if (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return rbox_error(err, errno, "device %s: chown", d->path);
    return 0;
}

static int dev_symlinks(int rootfd, rbox_err **err)
{
    static const char *links[][2] = {
        { "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" },
        { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
        { "pts/ptmx", "ptmx" },
    };
    _cleanup_close_ int dev = mkdir_all_in_root(rootfd, "/dev", 0755, err);
    if (dev < 0)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
        if (strcmp(links[i][1], "ptmx") == 0) {
            /* replace a ptmx node with the link to this container's devpts instance */
            struct stat st;
            if (fstatat(dev, "ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode))
                unlinkat(dev, "ptmx", 0);
        }
        if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
            return rbox_error(err, errno, "symlink /dev/%s", links[i][1]);
    }
    if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 &&
        errno != EEXIST)
        return rbox_error(err, errno, "symlink /dev/core");
    if (mkdirat(dev, "shm", 01777) < 0 && errno != EEXIST)
        return rbox_error(err, errno, "mkdir /dev/shm");
    return 0;
}

int devices_setup(int rootfd, const struct rbox_config *cfg, bool userns, rbox_err **err)
{
    if (mounts_dev_is_bind(cfg))
        return 0;
    mode_t old = umask(0);
    int ret = 0;
    for (size_t i = 0; ret == 0 && i < ARRAY_SIZE(default_devices); i++)
        ret = create_device(rootfd, &default_devices[i], userns, err);
    for (size_t i = 0; ret == 0 && i < cfg->linux.n_devices; i++)
        ret = create_device(rootfd, &cfg->linux.devices[i], userns, err);
    if (ret == 0)
        ret = dev_symlinks(rootfd, err);
    umask(old);
    return ret;
}
