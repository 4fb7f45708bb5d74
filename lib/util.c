/* util.c - allocation, ownership and small file/string helpers. */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static NORETURN void oom(void)
{
    static const char msg[] = "rbox: out of memory\n";
    ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)r;
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom();
    return p;
}

void *xzalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (p == NULL)
        oom();
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (p == NULL)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (p == NULL)
        oom();
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (p == NULL)
        oom();
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0)
        oom();
    return s;
}

void cleanup_freep(void *p)
{
    free(*(void **)p);
}

void cleanup_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

void cleanup_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}

void cleanup_closedirp(DIR **d)
{
    if (*d)
        closedir(*d);
}

void cleanup_strvp(char ***v)
{
    strv_free(*v);
}

size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

char **strv_dup(char *const *v)
{
    size_t n = strv_len(v);
    char **r = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        r[i] = xstrdup(v[i]);
    return r;
}

void strv_push(char ***v, size_t *n, char *s)
{
    *v = xrealloc(*v, (*n + 2) * sizeof(char *));
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
}

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

static size_t path_put(char *buf, size_t cap, size_t len, const char *s, size_t n)
{
    if (cap == 0 || len >= cap)
        return len;
    size_t room = cap - 1 - len;
    if (n > room)
        n = room;
    memcpy(buf + len, s, n);
    buf[len + n] = '\0';
    return len + n;
}

size_t path_append(char *buf, size_t cap, size_t len, const char *sep, const char *s)
{
    len = path_put(buf, cap, len, sep, strlen(sep));
    return path_put(buf, cap, len, s, strlen(s));
}

size_t path_append_index(char *buf, size_t cap, size_t len, size_t i)
{
    char d[24];
    size_t n = sizeof(d);
    d[--n] = ']';
    do
        d[--n] = (char)('0' + i % 10);
    while ((i /= 10) != 0);
    d[--n] = '[';
    return path_put(buf, cap, len, d + n, sizeof(d) - n);
}

bool str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int parse_i64(const char *s, int64_t *out)
{
    char *end;
    if (s == NULL || *s == '\0' || *s == ' ' || *s == '+')
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int parse_int(const char *s, int *out)
{
    int64_t v;
    if (parse_i64(s, &v) < 0 || v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t r = read(fd, (char *)buf + done, len - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (ssize_t)done;
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t r = write(fd, (const char *)buf + done, len - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        done += (size_t)r;
    }
    return (ssize_t)done;
}

int read_file_at(int dirfd, const char *path, char **out, size_t *len)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t cap = 4096, n = 0;
    _cleanup_free_ char *buf = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    *out = steal_pointer(&buf);
    return 0;
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1) /* <linux/fs.h>; musl's headers lack it */
#endif

/* The temporary file next to path: path.tmp.PID. */
static char *tmp_name(const char *path)
{
    return xasprintf("%s.tmp.%d", path, (int)getpid());
}

/* Write data into the temporary file, then rename it over path; with swap, exchange the two
 * instead (RENAME_EXCHANGE), so that the old inode stays as the temporary file for the next
 * write, or rename where there is nothing to exchange with or no exchange. */
static int atomic_write(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                        bool sync, bool swap)
{
    _cleanup_free_ char *tmp = tmp_name(path);
    _cleanup_close_ int fd =
        openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -1;
    bool ok = write_all(fd, data, len) >= 0 && (!sync || fsync(fd) == 0);
    if (ok && swap) {
        if (syscall(SYS_renameat2, dirfd, tmp, dirfd, path, RENAME_EXCHANGE) == 0)
            return 0;
        ok = errno == ENOENT || errno == EINVAL || errno == ENOSYS;
    }
    if (ok && renameat(dirfd, tmp, dirfd, path) == 0)
        return 0;
    int saved = errno;
    unlinkat(dirfd, tmp, 0);
    errno = saved;
    return -1;
}

int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                         bool sync)
{
    return atomic_write(dirfd, path, data, len, mode, sync, false);
}

int write_file_swap_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                       bool sync)
{
    return atomic_write(dirfd, path, data, len, mode, sync, true);
}

void write_file_swap_done(int dirfd, const char *path)
{
    _cleanup_free_ char *tmp = tmp_name(path);
    unlinkat(dirfd, tmp, 0);
}

int write_file_at(int dirfd, const char *path, const char *data)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = strlen(data);
    ssize_t r;
    do {
        r = write(fd, data, len);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return -1;
    if ((size_t)r != len) {
        errno = EIO;
        return -1;
    }
    return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
    _cleanup_free_ char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    if (mkdir(p, mode) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int rm_rf_children(int dfd, dev_t dev)
{
    _cleanup_closedir_ DIR *d = fdopendir(dfd);
    if (d == NULL) {
        close(dfd);
        return -1;
    }
    int ret = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != dev) {
                errno = EBUSY;
                ret = -1;
                continue;
            }
            int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (cfd < 0 || rm_rf_children(cfd, dev) < 0)
                ret = -1;
            if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                ret = -1;
        } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
            ret = -1;
        }
    }
    return ret;
}

int rm_rf_at(int dirfd, const char *path)
{
    struct stat st;
    if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dirfd, path, 0) < 0 && errno != ENOENT ? -1 : 0;
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = rm_rf_children(fd, st.st_dev);
    if (unlinkat(dirfd, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return -1;
    return r;
}

static unsigned long long proc_start_time_read(pid_t pid);

unsigned long long proc_start_time(pid_t pid)
{
    /* our own start time cannot change (nor our pid be reused while we run): read it once */
    static pid_t self;
    static unsigned long long self_start;
    if (pid == self && pid == getpid())
        return self_start;
    unsigned long long t = proc_start_time_read(pid);
    if (pid == getpid()) {
        self = pid;
        self_start = t;
    }
    return t;
}

static unsigned long long proc_start_time_read(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read_all(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* comm may contain spaces and parens: fields restart after the last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return 0;
    p++;
    /* p now points at " S ppid ..." : state is field 3, starttime is field 22. */
    int field = 2;
    char *save = NULL;
    for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        field++;
        if (field == 3 && tok[0] == 'Z')
            return 0; /* a zombie is not a running container */
        if (field == 22)
            return strtoull(tok, NULL, 10);
    }
    return 0;
}

void format_time_rfc3339(const struct timespec *ts, char *buf, size_t len)
{
    struct tm tm;
    gmtime_r(&ts->tv_sec, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%09ldZ", base, ts->tv_nsec);
}

uint64_t now_ns_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
