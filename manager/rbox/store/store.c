/* store.c - store paths, locks, IDs and container look-up. */
#define _GNU_SOURCE
#include "store.h"
#include "path.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_dir_p(const char *path, const char *what, rbox_err **err)
{
    if (mkdir_p(path, 0700) < 0)
        return rbox_error(err, errno, "creating the %s %s", what, path);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rbox_error(err, errno, "opening the %s %s", what, path);
    return fd;
}

static char *abs_path(const char *p)
{
    if (p[0] == '/')
        return path_clean(p);
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return xstrdup(p);
    _cleanup_free_ char *joined = xasprintf("%s/%s", cwd, p);
    return path_clean(joined);
}

int store_open(struct store *s, const char *root, const char *runroot, rbox_err **err)
{
    memset(s, 0, sizeof(*s));
    s->root_fd = s->run_fd = s->lock_fd = -1;
    if (root == NULL)
        root = getenv("RBOX_ROOT");
    if (runroot == NULL)
        runroot = getenv("RBOX_RUNROOT");
    s->root = abs_path(root && *root ? root : DEFAULT_ROOT);
    s->runroot = abs_path(runroot && *runroot ? runroot : DEFAULT_RUNROOT);
    if (strpbrk(s->root, ",:") || strpbrk(s->runroot, ",:"))
        return rbox_error(err, 0,
                          "store paths must not contain ',' or ':' (overlayfs options): "
                          "%s, %s",
                          s->root, s->runroot);
    if ((s->root_fd = open_dir_p(s->root, "store", err)) < 0 ||
        (s->run_fd = open_dir_p(s->runroot, "runtime directory", err)) < 0)
        return -1;
    if (mkdirat(s->root_fd, "containers", 0700) < 0 && errno != EEXIST)
        return rbox_error(err, errno, "creating %s/containers", s->root);
    if (mkdirat(s->root_fd, "names", 0700) < 0 && errno != EEXIST)
        return rbox_error(err, errno, "creating %s/names", s->root);
    if (mkdirat(s->run_fd, "containers", 0700) < 0 && errno != EEXIST)
        return rbox_error(err, errno, "creating %s/containers", s->runroot);
    s->runtime_root = xasprintf("%s/runtime", s->runroot);
    read_boot_id(s->boot_id);
    return 0;
}

void store_close(struct store *s)
{
    store_unlock(s);
    if (s->root_fd >= 0)
        close(s->root_fd);
    if (s->run_fd >= 0)
        close(s->run_fd);
    free(s->root);
    free(s->runroot);
    free(s->runtime_root);
    free(s->runtime_bin);
    free(s->monitor_bin);
    memset(s, 0, sizeof(*s));
    s->root_fd = s->run_fd = s->lock_fd = -1;
}

static int flock_at(int dirfd, const char *name, rbox_err **err)
{
    int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return rbox_error(err, errno, "opening lock %s", name);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int saved = errno;
            close(fd);
            return rbox_error(err, saved, "locking %s", name);
        }
    }
    return fd;
}

int store_lock(struct store *s, rbox_err **err)
{
    if (s->lock_fd >= 0)
        return 0;
    s->lock_fd = flock_at(s->root_fd, "lock", err);
    return s->lock_fd < 0 ? -1 : 0;
}

void store_unlock(struct store *s)
{
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    s->lock_fd = -1;
}

char *ctr_path(const struct store *s, const char *id, const char *file)
{
    return file ? xasprintf("%s/containers/%s/%s", s->root, id, file)
                : xasprintf("%s/containers/%s", s->root, id);
}

char *ctr_run_path(const struct store *s, const char *id, const char *file)
{
    return file ? xasprintf("%s/containers/%s/%s", s->runroot, id, file)
                : xasprintf("%s/containers/%s", s->runroot, id);
}

int ctr_open_dir(const struct store *s, const char *id, rbox_err **err)
{
    char rel[32 + ID_LEN];
    snprintf(rel, sizeof(rel), "containers/%s", id);
    int fd = openat(s->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT)
        return rbox_error(err, 0, "no such container: %s", id);
    if (fd < 0)
        return rbox_error(err, errno, "opening container %s", id);
    return fd;
}

int ctr_lock(const struct store *s, const char *id, rbox_err **err)
{
    _cleanup_close_ int dfd = ctr_open_dir(s, id, err);
    if (dfd < 0)
        return -1;
    int fd = flock_at(dfd, CTR_LOCK_FILE, err);
    if (fd < 0)
        return -1;
    /* removed while we waited? */
    if (faccessat(dfd, CTR_STATE_FILE, F_OK, 0) < 0) {
        close(fd);
        return rbox_error(err, 0, "no such container: %s", id);
    }
    return fd;
}

void id_generate(char out[ID_LEN + 1])
{
    for (;;) {
        unsigned char b[ID_LEN / 2];
        size_t got = 0;
        while (got < sizeof(b)) {
            ssize_t r = getrandom(b + got, sizeof(b) - got, 0);
            if (r > 0)
                got += (size_t)r;
        }
        for (size_t i = 0; i < sizeof(b); i++)
            snprintf(out + 2 * i, 3, "%02x", b[i]);
        /* a short ID of digits only would read as a number */
        if (strspn(out, "0123456789") < 12)
            return;
    }
}

int ctr_list_ids(const struct store *s, char ***ids, size_t *n, rbox_err **err)
{
    *ids = NULL;
    *n = 0;
    int fd = openat(s->root_fd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rbox_error(err, errno, "opening %s/containers", s->root);
    _cleanup_closedir_ DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return rbox_error(err, errno, "reading %s/containers", s->root);
    }
    char **v = xcalloc(1, sizeof(char *));
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strlen(de->d_name) == ID_LEN && strspn(de->d_name, "0123456789abcdef") == ID_LEN)
            strv_push(&v, n, xstrdup(de->d_name));
    *ids = v;
    return 0;
}

static bool is_hex(const char *s)
{
    return *s && strspn(s, "0123456789abcdef") == strlen(s);
}

int ctr_resolve(const struct store *s, const char *ref, char out[ID_LEN + 1], rbox_err **err)
{
    if (ref == NULL || *ref == '\0')
        return rbox_error(err, 0, "a container name or ID is required");
    struct stat st;
    char rel[64 + NAME_MAXLEN];
    if (strlen(ref) == ID_LEN && is_hex(ref)) {
        snprintf(rel, sizeof(rel), "containers/%s", ref);
        if (fstatat(s->root_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            ctr_copy(out, ID_LEN + 1, ref);
            return 0;
        }
    }
    if (strlen(ref) <= NAME_MAXLEN && strchr(ref, '/') == NULL && ref[0] != '.') {
        char target[ID_LEN + 2];
        snprintf(rel, sizeof(rel), "names/%s", ref);
        ssize_t len = readlinkat(s->root_fd, rel, target, sizeof(target) - 1);
        if (len == ID_LEN) {
            target[len] = '\0';
            ctr_copy(out, ID_LEN + 1, target);
            return 0;
        }
    }
    if (is_hex(ref) && strlen(ref) < ID_LEN) {
        _cleanup_strv_ char **ids = NULL;
        size_t n = 0, found = 0;
        if (ctr_list_ids(s, &ids, &n, err) < 0)
            return -1;
        for (size_t i = 0; i < n; i++)
            if (str_has_prefix(ids[i], ref) && found++ == 0)
                ctr_copy(out, ID_LEN + 1, ids[i]);
        if (found > 1)
            return rbox_error(err, 0,
                              "container ID prefix \"%s\" is ambiguous: it matches %zu "
                              "containers",
                              ref, found);
        if (found == 1)
            return 0;
    }
    return rbox_error(err, 0, "no such container: %s", ref);
}

bool proc_alive(pid_t pid, unsigned long long start)
{
    return pid > 0 && start != 0 && proc_start_time(pid) == start;
}
