/* path.c - in-root path resolution and creation. */
#define _GNU_SOURCE
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    /* openat2 does not want a leading '/' to mean anything special, but keep it tidy. */
    while (*path == '/')
        path++;
    if (*path == '\0')
        path = ".";
    int fd;
    do {
        fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
    } while (fd < 0 && errno == EAGAIN);
    return fd;
}

char *path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

const char *path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *path_clean(const char *path)
{
    size_t len = strlen(path);
    char *out = xmalloc(len + 2);
    size_t n = 0;
    out[n++] = '/';
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = strchrnul(p, '/');
        size_t cl = (size_t)(end - p);
        if (cl == 0)
            break;
        if (cl == 1 && p[0] == '.') {
            /* skip */
        } else if (cl == 2 && p[0] == '.' && p[1] == '.') {
            while (n > 1 && out[n - 1] != '/')
                n--;
            if (n > 1)
                n--;
            while (n > 1 && out[n - 1] != '/')
                n--;
        } else {
            if (out[n - 1] != '/')
                out[n++] = '/';
            memcpy(out + n, p, cl);
            n += cl;
        }
        p = end;
    }
    while (n > 1 && out[n - 1] == '/')
        n--;
    out[n] = '\0';
    return out;
}

/* The directory pfd's times as they were before the runtime created a mount point in it: the
 * mount points are not the container's changes, and a build's layer of a step that changed
 * nothing must not differ by the second /etc's mtime was touched in. */
static void keep_times(int pfd, const struct stat *before)
{
    struct timespec ts[2] = { before->st_atim, before->st_mtim };
    utimensat(pfd, ".", ts, 0);
}

/* One step of creation: `path` (clean, absolute) does not resolve. Find its deepest existing
 * ancestor and create the next component there. When that component exists but does not
 * resolve (a dangling symlink), return the path rewritten through the link in *redirect. */
static int create_step(int rootfd, const char *path, mode_t mode, char **redirect, rbox_err **err)
{
    _cleanup_free_ char *parent = path_dirname(path);
    const char *base = path_basename(path);
    _cleanup_close_ int pfd = open_in_root(rootfd, parent, O_PATH | O_DIRECTORY, 0);
    if (pfd < 0) {
        if (errno != ENOENT)
            return rbox_error(err, errno, "resolving %s", parent);
        /* Create the parent first; the caller loops. */
        _cleanup_free_ char *r = NULL;
        if (create_step(rootfd, parent, mode, &r, err) < 0)
            return -1;
        if (r) {
            *redirect = xasprintf("%s/%s", r, base);
        }
        return 0;
    }
    struct stat before;
    bool have = fstat(pfd, &before) == 0;
    if (mkdirat(pfd, base, mode) == 0) {
        if (have)
            keep_times(pfd, &before);
        return 0;
    }
    if (errno != EEXIST)
        return rbox_error(err, errno, "creating %s", path);
    char target[4096];
    ssize_t n = readlinkat(pfd, base, target, sizeof(target) - 1);
    if (n < 0)
        return 0; /* exists (race or not a dir); the caller's open reports it */
    target[n] = '\0';
    _cleanup_free_ char *joined =
        target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", parent, target);
    *redirect = path_clean(joined);
    return 0;
}

int mkdir_all_in_root(int rootfd, const char *path, mode_t mode, rbox_err **err)
{
    _cleanup_free_ char *cur = path_clean(path);
    for (int i = 0; i < 256; i++) {
        int fd = open_in_root(rootfd, cur, O_PATH | O_DIRECTORY, 0);
        if (fd >= 0)
            return fd;
        if (errno != ENOENT)
            return rbox_error(err, errno, "%s", path);
        char *redirect = NULL;
        if (create_step(rootfd, cur, mode, &redirect, err) < 0)
            return -1;
        if (redirect) {
            free(cur);
            cur = redirect;
        }
    }
    return rbox_error(err, ELOOP, "%s", path);
}

int mkfile_in_root(int rootfd, const char *path, mode_t mode, rbox_err **err)
{
    _cleanup_free_ char *cur = path_clean(path);
    for (int i = 0; i < 40; i++) {
        int fd = open_in_root(rootfd, cur, O_PATH, 0);
        if (fd >= 0)
            return fd;
        if (errno != ENOENT)
            return rbox_error(err, errno, "%s", path);
        _cleanup_free_ char *parent = path_dirname(cur);
        _cleanup_close_ int pfd = mkdir_all_in_root(rootfd, parent, 0755, err);
        if (pfd < 0)
            return -1;
        const char *base = path_basename(cur);
        struct stat before;
        bool have = fstat(pfd, &before) == 0;
        int f = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (f >= 0) {
            close(f);
            if (have)
                keep_times(pfd, &before);
            continue;
        }
        if (errno != EEXIST)
            return rbox_error(err, errno, "creating %s", path);
        char target[4096];
        ssize_t n = readlinkat(pfd, base, target, sizeof(target) - 1);
        if (n < 0)
            continue;
        target[n] = '\0';
        _cleanup_free_ char *joined =
            target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", parent, target);
        free(cur);
        cur = path_clean(joined);
    }
    return rbox_error(err, ELOOP, "%s", path);
}
