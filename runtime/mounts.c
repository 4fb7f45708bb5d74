/* mounts.c - the container's mount tree (see mounts.h). */
#define _GNU_SOURCE
#include "mounts.h"
#include "log.h"
#include "path.h"
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mountapi.h"
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* MS_* per-mount flags -> MOUNT_ATTR_* */
static uint64_t ms_to_attr(unsigned long f)
{
    uint64_t a = 0;
    if (f & MS_RDONLY)
        a |= MOUNT_ATTR_RDONLY;
    if (f & MS_NOSUID)
        a |= MOUNT_ATTR_NOSUID;
    if (f & MS_NODEV)
        a |= MOUNT_ATTR_NODEV;
    if (f & MS_NOEXEC)
        a |= MOUNT_ATTR_NOEXEC;
    if (f & MS_NODIRATIME)
        a |= MOUNT_ATTR_NODIRATIME;
    if (f & MS_NOATIME)
        a |= MOUNT_ATTR_NOATIME;
    else if (f & MS_STRICTATIME)
        a |= MOUNT_ATTR_STRICTATIME;
    else if (f & MS_RELATIME)
        a |= MOUNT_ATTR_RELATIME;
    return a;
}

static bool sets_atime(unsigned long f)
{
    return f & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME);
}

/* The first message the kernel logged on an fs context ("e tmpfs: Bad value for 'size'"). */
static char *fs_context_log(int fsfd)
{
    char buf[512];
    ssize_t n = read(fsfd, buf, sizeof(buf) - 1);
    if (n <= 2)
        return NULL;
    buf[n] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    return xstrdup(buf + 2);
}

static int fs_error(int fsfd, rbox_err **err, int errnum, const char *what)
{
    _cleanup_free_ char *log = fs_context_log(fsfd);
    if (log)
        return rbox_error(err, errnum, "%s (%s)", what, log);
    return rbox_error(err, errnum, "%s", what);
}

/* A new detached filesystem mount: fsopen + fsconfig (source, data options, sb flags) + fsmount.
 * Returns the mount fd. */
static int fs_mount_new(const char *type, const char *source, const char *data, unsigned long flags,
                        rbox_err **err)
{
    _cleanup_close_ int fsfd = fsopen(type, FSOPEN_CLOEXEC);
    if (fsfd < 0)
        return rbox_error(err, errno, "filesystem type %s", type);
    if (source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
        return fs_error(fsfd, err, errno, "source");
    static const struct {
        unsigned long ms;
        const char *name;
    } sb[] = { { MS_SYNCHRONOUS, "sync" },
               { MS_DIRSYNC, "dirsync" },
               { MS_LAZYTIME, "lazytime" },
               { MS_MANDLOCK, "mand" } };
    /* MS_SILENT only quiets the kernel log: fsconfig(2) has no such flag, so it is dropped */
    for (size_t i = 0; i < ARRAY_SIZE(sb); i++)
        if ((flags & sb[i].ms) && fsconfig(fsfd, FSCONFIG_SET_FLAG, sb[i].name, NULL, 0) < 0)
            return fs_error(fsfd, err, errno, sb[i].name);
    if (data && *data) {
        _cleanup_free_ char *copy = xstrdup(data);
        char *save = NULL;
        for (char *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(opt, '=');
            int r;
            if (eq) {
                *eq = '\0';
                r = fsconfig(fsfd, FSCONFIG_SET_STRING, opt, eq + 1, 0);
                *eq = '=';
            } else {
                r = fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
            }
            if (r < 0)
                return fs_error(fsfd, err, errno, opt);
        }
    }
    if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return fs_error(fsfd, err, errno, "creating the filesystem");
    int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned int)ms_to_attr(flags));
    if (mfd < 0)
        return fs_error(fsfd, err, errno, "fsmount");
    return mfd;
}

static int setattr(int mfd, bool recursive, uint64_t set, uint64_t clr, uint64_t propagation)
{
    struct mount_attr attr = { .attr_set = set, .attr_clr = clr, .propagation = propagation };
    return mount_setattr(mfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                         sizeof(attr));
}

/* Per-mount flags and propagation on a detached (or attached) mount fd. */
static int apply_mount_attrs(int mfd, const struct rbox_mount *m, bool bind, rbox_err **err)
{
    if (bind) {
        uint64_t set = ms_to_attr(m->flags), clr = ms_to_attr(m->clear_flags);
        const uint64_t atime_bits = MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME;
        /* changing the atime mode means clearing the whole field ("atime" alone: relatime) */
        if (sets_atime(m->flags) || (clr & atime_bits))
            clr = (clr & ~atime_bits) | MOUNT_ATTR__ATIME;
        if ((set || clr) && setattr(mfd, false, set, clr, 0) < 0)
            return rbox_error(err, errno, "setting mount flags");
    }
    if ((m->rec_attr_set || m->rec_attr_clr) &&
        setattr(mfd, true, m->rec_attr_set, m->rec_attr_clr, 0) < 0)
        return rbox_error(err, errno, "setting recursive mount flags");
    return 0;
}

/* Propagation only means something once the mount is attached to the tree. */
static int apply_propagation(int mfd, const struct rbox_mount *m, rbox_err **err)
{
    if (m->propagation == 0)
        return 0;
    unsigned long p = m->propagation & ~(unsigned long)MS_REC;
    if (setattr(mfd, m->propagation & MS_REC, 0, 0, p) < 0)
        return rbox_error(err, errno, "setting mount propagation");
    return 0;
}

static int attach(int mfd, int targetfd, rbox_err **err)
{
    if (move_mount(mfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return rbox_error(err, errno, "attaching the mount");
    return 0;
}

int mount_bind_into_root(int rootfd, const char *host_path, const char *dest, bool is_dir,
                         rbox_err **err)
{
    _cleanup_close_ int target = is_dir ? mkdir_all_in_root(rootfd, dest, 0755, err)
                                        : mkfile_in_root(rootfd, dest, 0644, err);
    if (target < 0)
        return -1;
    _cleanup_close_ int mfd = open_tree(AT_FDCWD, host_path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (mfd < 0)
        return rbox_error(err, errno, "bind %s", host_path);
    return attach(mfd, target, err);
}

/* Copy a directory tree (tmpcopyup): contents of src into dst, keeping modes and owners. */
static int copy_tree(int srcfd, int dstfd, rbox_err **err)
{
    int dupfd = openat(srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dupfd < 0)
        return rbox_error(err, errno, "tmpcopyup: opening the source");
    _cleanup_closedir_ DIR *d = fdopendir(dupfd);
    if (d == NULL) {
        close(dupfd);
        return rbox_error(err, errno, "tmpcopyup");
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return rbox_error(err, errno, "tmpcopyup: %s", n);
        if (S_ISDIR(st.st_mode)) {
            if (mkdirat(dstfd, n, st.st_mode & 07777) < 0 && errno != EEXIST)
                return rbox_error(err, errno, "tmpcopyup: %s", n);
            _cleanup_close_ int s = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            _cleanup_close_ int t = openat(dstfd, n, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (s < 0 || t < 0 || copy_tree(s, t, err) < 0)
                return err && *err ? -1 : rbox_error(err, errno, "tmpcopyup: %s", n);
        } else if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t l = readlinkat(dirfd(d), n, target, sizeof(target) - 1);
            if (l < 0)
                return rbox_error(err, errno, "tmpcopyup: %s", n);
            target[l] = '\0';
            if (symlinkat(target, dstfd, n) < 0)
                return rbox_error(err, errno, "tmpcopyup: %s", n);
        } else if (S_ISREG(st.st_mode)) {
            _cleanup_close_ int s = openat(dirfd(d), n, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
            _cleanup_close_ int t =
                openat(dstfd, n, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
            if (s < 0 || t < 0)
                return rbox_error(err, errno, "tmpcopyup: %s", n);
            char buf[65536];
            ssize_t r;
            while ((r = read(s, buf, sizeof(buf))) > 0)
                if (write_all(t, buf, (size_t)r) < 0)
                    return rbox_error(err, errno, "tmpcopyup: %s", n);
            if (r < 0)
                return rbox_error(err, errno, "tmpcopyup: %s", n);
        } else {
            continue; /* devices, fifos, sockets are not copied */
        }
        if (fchownat(dstfd, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM &&
            errno != EINVAL)
            return rbox_error(err, errno, "tmpcopyup: chown %s", n);
    }
    return 0;
}

/* Where a bind mount's source is: relative sources are relative to the bundle. */
static char *bind_source(const struct rbox_config *cfg, const char *src)
{
    if (src == NULL || *src == '\0')
        return NULL;
    if (src[0] == '/' || cfg->bundle == NULL)
        return xstrdup(src);
    return xasprintf("%s/%s", cfg->bundle, src);
}

static int mount_cgroup(struct mount_env *env, const struct rbox_mount *m, int targetfd,
                        rbox_err **err);

/* proc and sysfs go on a real directory only, as runc requires: a symlink there (/proc -> x)
 * would put them where the link points, where the masks and read-only paths do not look. */
static int check_pseudo_fs_target(int rootfd, const struct rbox_mount *m, rbox_err **err)
{
    if (!str_eq(m->type, "proc") && !str_eq(m->type, "sysfs"))
        return 0;
    _cleanup_close_ int fd = open_in_root(rootfd, m->destination, O_PATH | O_NOFOLLOW, 0);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return errno == ENOENT ? 0 : rbox_error(err, errno, "%s", m->destination);
    if (!S_ISDIR(st.st_mode))
        return rbox_error(err, ENOTDIR,
                          "filesystem \"%s\" must be mounted on an ordinary directory", m->type);
    return 0;
}

static bool is_bind(const struct rbox_mount *m)
{
    return (m->flags & MS_BIND) || str_eq(m->type, "bind");
}

static int open_bind_source(const struct rbox_config *cfg, const struct rbox_mount *m,
                            rbox_err **err)
{
    _cleanup_free_ char *src = bind_source(cfg, m->source);
    struct stat st;
    if (src == NULL)
        return rbox_error(err, EINVAL, "bind mount needs a source");
    if (stat(src, &st) < 0)
        return rbox_error(err, errno, "source %s", src);
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0);
    _cleanup_close_ int mfd = open_tree(AT_FDCWD, src, flags);
    if (mfd < 0)
        return rbox_error(err, errno, "bind from %s", src);
    if (apply_mount_attrs(mfd, m, true, err) < 0)
        return -1;
    return steal_fd(&mfd);
}

int mounts_open_bind_sources(const struct rbox_config *cfg, int **fds, rbox_err **err)
{
    int *v = xcalloc(cfg->n_mounts + 1, sizeof(*v));
    for (size_t i = 0; i < cfg->n_mounts; i++)
        v[i] = -1;
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct rbox_mount *m = &cfg->mounts[i];
        if (!is_bind(m))
            continue;
        /* a read-only /dev is made read-only last (mount_one) */
        struct rbox_mount copy = *m;
        _cleanup_free_ char *dest = path_clean(m->destination);
        if (str_eq(dest, "/dev"))
            copy.flags &= ~(unsigned long)MS_RDONLY;
        if ((v[i] = open_bind_source(cfg, &copy, err)) < 0) {
            mounts_close_bind_sources(v, cfg->n_mounts);
            return rbox_error_prefix(err, "mounts[%zu]: mounting bind on %s", i, m->destination);
        }
    }
    *fds = v;
    return 0;
}

void mounts_close_bind_sources(int *fds, size_t n)
{
    for (size_t i = 0; fds && i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
}

static int mount_one(struct mount_env *env, const struct rbox_mount *orig, rbox_err **err)
{
    /* a read-only /dev is made read-only last: /dev/pts, /dev/shm, ... and the nodes go in it */
    struct rbox_mount copy = *orig;
    const struct rbox_mount *m = &copy;
    _cleanup_free_ char *dest = path_clean(orig->destination);
    bool dev_ro = str_eq(dest, "/dev") && (orig->flags & MS_RDONLY);
    if (dev_ro)
        copy.flags &= ~(unsigned long)MS_RDONLY;
    bool bind = is_bind(m);
    /* opened by the runtime (mounts_open_bind_sources): flags applied already */
    size_t idx = (size_t)(orig - env->cfg->mounts);
    _cleanup_close_ int opened = -1;
    if (bind && env->bind_fds) {
        opened = env->bind_fds[idx];
        env->bind_fds[idx] = -1;
    }
    bool preopened = opened >= 0;
    _cleanup_free_ char *src = bind && opened < 0 ? bind_source(env->cfg, m->source) : NULL;
    if (bind && opened < 0 && src == NULL)
        return rbox_error(err, EINVAL, "bind mount needs a source");
    bool is_dir = true;
    if (opened >= 0) {
        struct stat st;
        if (fstat(opened, &st) < 0)
            return rbox_error(err, errno, "source %s", m->source);
        is_dir = S_ISDIR(st.st_mode);
    } else if (bind) {
        struct stat st;
        if (stat(src, &st) < 0)
            return rbox_error(err, errno, "source %s", src);
        is_dir = S_ISDIR(st.st_mode);
    } else if (check_pseudo_fs_target(env->rootfd, m, err) < 0) {
        return -1;
    }
    _cleanup_close_ int target = is_dir ? mkdir_all_in_root(env->rootfd, m->destination, 0755, err)
                                        : mkfile_in_root(env->rootfd, m->destination, 0644, err);
    if (target < 0)
        return -1;
    if (!bind && (str_eq(m->type, "cgroup") || str_eq(m->type, "cgroup2")))
        return mount_cgroup(env, m, target, err);

    _cleanup_close_ int mfd = -1;
    if (opened >= 0) {
        mfd = steal_fd(&opened);
    } else if (bind) {
        unsigned flags =
            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0);
        mfd = open_tree(AT_FDCWD, src, flags);
        if (mfd < 0)
            return rbox_error(err, errno, "bind from %s", src);
    } else {
        const char *type = m->type ? m->type : "none";
        mfd = fs_mount_new(type, m->source, m->data, m->flags, err);
        if (mfd < 0 && str_eq(type, "sysfs") && env->userns && !env->new_netns) {
            /* sysfs needs its own network namespace inside a user namespace: bind the host's */
            log_debug("sysfs at %s: binding the host's /sys", m->destination);
            mfd = open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
            if (mfd >= 0 && setattr(mfd, false, ms_to_attr(m->flags), 0, 0) < 0)
                return rbox_error(err, errno, "remounting the /sys bind");
        }
        if (mfd < 0)
            return -1;
    }
    if (!preopened && apply_mount_attrs(mfd, m, bind, err) < 0)
        return -1;
    if (m->tmpcopyup) {
        _cleanup_close_ int dst = openat(mfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dst < 0 || copy_tree(target, dst, err) < 0)
            return err && *err ? -1 : rbox_error(err, errno, "tmpcopyup");
    }
    if (attach(mfd, target, err) < 0 || apply_propagation(mfd, m, err) < 0)
        return -1;
    if (dev_ro) {
        if (env->dev_ro_fd >= 0)
            close(env->dev_ro_fd);
        env->dev_ro_fd = steal_fd(&mfd);
    }
    return 0;
}

int mounts_dev_readonly(struct mount_env *env, rbox_err **err)
{
    if (env->dev_ro_fd < 0)
        return 0;
    int r = setattr(env->dev_ro_fd, false, MOUNT_ATTR_RDONLY, 0, 0);
    int saved = errno;
    close(env->dev_ro_fd);
    env->dev_ro_fd = -1;
    return r < 0 ? rbox_error(err, saved, "making /dev read-only") : 0;
}

int mounts_setup(struct mount_env *env, rbox_err **err)
{
    const struct rbox_config *cfg = env->cfg;
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct rbox_mount *m = &cfg->mounts[i];
        if (strcmp(m->destination, "/") == 0)
            return rbox_error(err, EINVAL, "mounts[%zu]: mounting over / is not supported", i);
        if (mount_one(env, m, err) < 0)
            return rbox_error_prefix(err, "mounts[%zu]: mounting %s on %s", i,
                                     m->type ? m->type : "bind", m->destination);
    }
    return 0;
}

/* The name of a hierarchy's directory under /sys/fs/cgroup: the mount point's base name. */
static const char *hier_dir_name(struct cgroup *cg, size_t i)
{
    if (cg->h[i].v2)
        return "unified";
    /* name=systemd -> systemd; "cpu,cpuacct" stays as is */
    const char *n = cg->h[i].name;
    return str_has_prefix(n, "name=") ? n + 5 : n;
}

/* One hierarchy: a fresh cgroupfs mount in a cgroup namespace, else a bind of our directory. */
static int cgroup_hier_mount(struct mount_env *env, size_t i, unsigned long flags, rbox_err **err)
{
    struct cg_hier *h = &env->cg->h[i];
    int mfd;
    if (env->new_cgroupns && !env->userns) {
        /* v1: the controllers as flags; a named hierarchy also needs "none" */
        _cleanup_free_ char *data = h->v2 ? NULL
                                    : str_has_prefix(h->name, "name=")
                                        ? xasprintf("none,%s", h->name)
                                        : xstrdup(h->name);
        mfd = fs_mount_new(h->v2 ? "cgroup2" : "cgroup", "cgroup", data, flags, err);
    } else {
        mfd = open_tree(AT_FDCWD, h->dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (mfd < 0)
            return rbox_error(err, errno, "bind from %s", h->dir);
        if (setattr(mfd, false, ms_to_attr(flags), 0, 0) < 0) {
            close(mfd);
            return rbox_error(err, errno, "setting flags on %s", h->dir);
        }
    }
    return mfd;
}

static int mount_cgroup(struct mount_env *env, const struct rbox_mount *m, int targetfd,
                        rbox_err **err)
{
    struct cgroup *cg = env->cg;
    unsigned long flags = m->flags | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if ((cg == NULL || cg->n == 0) && userns_unprivileged()) {
        /* rootless without a delegated cgroup (userns_may_skip_cgroup): nothing to show */
        log_debug("%s: no cgroup of its own (rootless), not mounted", m->destination);
        return 0;
    }
    if (cg == NULL || cg->n == 0)
        return rbox_error(err, ENOENT, "the container has no cgroup to mount");
    if (cg->layout == CG_LAYOUT_V2) {
        _cleanup_close_ int mfd = cgroup_hier_mount(env, 0, flags, err);
        if (mfd < 0)
            return -1;
        return attach(mfd, targetfd, err);
    }
    /* v1 / hybrid: a tmpfs holding one mount per hierarchy, read-only once populated. */
    _cleanup_close_ int tfd =
        fs_mount_new("tmpfs", "tmpfs", "mode=755,size=64k", flags & ~(unsigned long)MS_RDONLY, err);
    if (tfd < 0)
        return -1;
    for (size_t i = 0; i < cg->n; i++) {
        const char *name = hier_dir_name(cg, i);
        if (mkdirat(tfd, name, 0755) < 0)
            return rbox_error(err, errno, "mkdir %s", name);
        _cleanup_close_ int sub = openat(tfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int mfd = cgroup_hier_mount(env, i, flags, err);
        if (sub < 0 || mfd < 0)
            return err && *err ? -1 : rbox_error(err, errno, "%s", name);
        if (move_mount(mfd, "", sub, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return rbox_error(err, errno, "attaching %s", name);
        /* co-mounted controllers ("cpu,cpuacct") also get a symlink per name */
        if (strchr(name, ',')) {
            _cleanup_free_ char *copy = xstrdup(name);
            char *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (symlinkat(name, tfd, t) < 0 && errno != EEXIST)
                    return rbox_error(err, errno, "symlink %s", t);
        }
    }
    if ((m->flags & MS_RDONLY) && setattr(tfd, false, MOUNT_ATTR_RDONLY, 0, 0) < 0)
        return rbox_error(err, errno, "making the cgroup tmpfs read-only");
    return attach(tfd, targetfd, err);
}

bool mounts_dev_is_bind(const struct rbox_config *cfg)
{
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct rbox_mount *m = &cfg->mounts[i];
        if (strcmp(m->destination, "/dev") == 0 &&
            ((m->flags & MS_BIND) || str_eq(m->type, "bind")))
            return true;
    }
    return false;
}

/* The mount point of the mount holding `path` (the longest mount point prefix in mountinfo). */
static char *containing_mount(const char *path)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    _cleanup_free_ char *line = NULL;
    char *best = xstrdup("/");
    size_t cap = 0;
    while (f && getline(&line, &cap, f) > 0) {
        char mnt[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
            continue;
        size_t l = strlen(mnt);
        if (strncmp(path, mnt, l) == 0 && (path[l] == '/' || path[l] == '\0' || l == 1) &&
            l > strlen(best)) {
            free(best);
            best = xstrdup(mnt);
        }
    }
    return best;
}

/* Sharing the runtime's mount namespace: its / and its propagation are left alone. The bind of
 * the rootfs is made private at once, so nothing mounted beneath it reaches another namespace;
 * the runtime detaches it (and everything under it) on delete. */
static int prepare_shared_root(struct mount_env *env, rbox_err **err)
{
    const struct rbox_config *cfg = env->cfg;
    if (mount(cfg->rootfs, cfg->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return rbox_error(err, errno, "bind mounting the rootfs %s", cfg->rootfs);
    if (mount(NULL, cfg->rootfs, NULL, MS_PRIVATE | MS_REC, NULL) < 0)
        return rbox_error(err, errno, "making the rootfs bind %s private", cfg->rootfs);
    env->rootfd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (env->rootfd < 0)
        return rbox_error(err, errno, "opening the rootfs %s", cfg->rootfs);
    return 0;
}

int mounts_prepare_root(struct mount_env *env, rbox_err **err)
{
    const struct rbox_config *cfg = env->cfg;
    if (env->host_mountns)
        return prepare_shared_root(env, err);
    /* Nothing we mount may propagate back to the host unless the config asks for it
     * (rootfsPropagation); by default the tree is a slave of the host's, as with runc. */
    unsigned long prop = cfg->linux.rootfs_propagation ? cfg->linux.rootfs_propagation : MS_SLAVE;
    if (mount(NULL, "/", NULL, prop | MS_REC, NULL) < 0)
        return rbox_error(err, errno, "setting / propagation");
    if (prop & MS_SHARED) {
        /* pivot_root refuses a new root whose parent mount is shared */
        _cleanup_free_ char *parent = containing_mount(cfg->rootfs);
        if (mount(NULL, parent, NULL, MS_PRIVATE, NULL) < 0)
            return rbox_error(err, errno, "making %s private", parent);
    }
    /* A bind of the rootfs onto itself: pivot_root needs a mount point, and the bind inherits
     * the propagation chosen above (a slave of the host's mount, or its peer). */
    if (mount(cfg->rootfs, cfg->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return rbox_error(err, errno, "bind mounting the rootfs %s", cfg->rootfs);
    env->rootfd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (env->rootfd < 0)
        return rbox_error(err, errno, "opening the rootfs %s", cfg->rootfs);
    return 0;
}

static int mask_path(int rootfd, const char *path, rbox_err **err)
{
    _cleanup_close_ int fd = open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0) {
        if (errno == ENOENT || errno == ELOOP)
            return 0; /* nothing to hide */
        return rbox_error(err, errno, "maskedPaths: %s", path);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return rbox_error(err, errno, "maskedPaths: %s", path);
    _cleanup_close_ int mfd = -1;
    if (S_ISDIR(st.st_mode))
        mfd =
            fs_mount_new("tmpfs", "tmpfs", NULL, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
    else if ((mfd = open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) < 0)
        rbox_error(err, errno, "bind /dev/null");
    if (mfd < 0)
        return rbox_error_prefix(err, "maskedPaths: %s", path);
    if (attach(mfd, fd, err) < 0)
        return rbox_error_prefix(err, "maskedPaths: %s", path);
    return 0;
}

static int readonly_path(int rootfd, const char *path, rbox_err **err)
{
    _cleanup_close_ int fd = open_in_root(rootfd, path, O_PATH, 0);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return rbox_error(err, errno, "readonlyPaths: %s", path);
    }
    _cleanup_close_ int mfd =
        open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    if (mfd < 0)
        return rbox_error(err, errno, "readonlyPaths: %s", path);
    if (setattr(mfd, true, MOUNT_ATTR_RDONLY, 0, 0) < 0)
        return rbox_error(err, errno, "readonlyPaths: %s: making it read-only", path);
    if (attach(mfd, fd, err) < 0)
        return rbox_error_prefix(err, "readonlyPaths: %s", path);
    return 0;
}

int mounts_mask_and_readonly(struct mount_env *env, rbox_err **err)
{
    const struct rbox_linux *l = &env->cfg->linux;
    for (size_t i = 0; l->masked_paths && l->masked_paths[i]; i++)
        if (mask_path(env->rootfd, l->masked_paths[i], err) < 0)
            return -1;
    for (size_t i = 0; l->readonly_paths && l->readonly_paths[i]; i++)
        if (readonly_path(env->rootfd, l->readonly_paths[i], err) < 0)
            return -1;
    return 0;
}

int mounts_pivot(struct mount_env *env, bool no_pivot, rbox_err **err)
{
    const struct rbox_config *cfg = env->cfg;
    if (fchdir(env->rootfd) < 0)
        return rbox_error(err, errno, "chdir to the rootfs");
    if (env->host_mountns) {
        /* no pivot_root or MS_MOVE in a shared mount namespace: they would move the host's */
        if (chroot(".") < 0)
            return rbox_error(err, errno, "chroot");
    } else if (no_pivot) {
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
            return rbox_error(err, errno, "moving the rootfs to /");
        if (chroot(".") < 0)
            return rbox_error(err, errno, "chroot");
    } else {
        /* pivot_root(".", ".") stacks the old root on top of the new one; detach it. The old
         * root is made a slave through its fd first (a path "." would name the new root) so
         * the detach cannot propagate to the host. */
        _cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (oldroot < 0)
            return rbox_error(err, errno, "opening the old root");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
            return rbox_error(err, errno, "pivot_root");
        if (setattr(oldroot, true, 0, 0, MS_SLAVE) < 0)
            return rbox_error(err, errno, "making the old root a slave");
        if (umount2(".", MNT_DETACH) < 0)
            return rbox_error(err, errno, "detaching the old root");
    }
    if (chdir("/") < 0)
        return rbox_error(err, errno, "chdir /");
    close(env->rootfd);
    env->rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (env->rootfd < 0)
        return rbox_error(err, errno, "opening the new root");
    if (cfg->root_readonly && setattr(env->rootfd, false, MOUNT_ATTR_RDONLY, 0, 0) < 0)
        return rbox_error(err, errno, "making the root filesystem read-only");
    if (cfg->linux.rootfs_propagation &&
        mount(NULL, "/", NULL, cfg->linux.rootfs_propagation, NULL) < 0)
        return rbox_error(err, errno, "applying rootfsPropagation");
    return 0;
}
