/* util.h - allocation, ownership (cleanup attributes) and small helpers shared by rbox programs. */
#ifndef RBOX_UTIL_H
#define RBOX_UTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED        __attribute__((unused))
#define PRINTF(a, b)  __attribute__((format(printf, a, b)))
#define NORETURN      __attribute__((noreturn))

/* x-allocators: allocation failure aborts (docs/style.md). */
void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
void *xcalloc(size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);

/* Ownership by scope. */
void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_fclosep(FILE **f);
void cleanup_closedirp(DIR **d);
void cleanup_strvp(char ***v);
#define _cleanup_free_     __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_    __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_   __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(cleanup_closedirp)))
#define _cleanup_strv_     __attribute__((cleanup(cleanup_strvp)))

/* Hand ownership on: returns the value and clears the owner. */
#define steal_pointer(pp)             \
    ({                                \
        __typeof__(*(pp)) _v = *(pp); \
        *(pp) = NULL;                 \
        _v;                           \
    })
static inline int steal_fd(int *fd)
{
    int v = *fd;
    *fd = -1;
    return v;
}

/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
void strv_free(char **v);
char **strv_dup(char *const *v);
void strv_push(char ***v, size_t *n, char *s); /* takes ownership of s */

/* Strings. */
bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
bool str_eq(const char *a, const char *b); /* NULL-safe */
/* JSON paths in error messages ("linux.seccomp.syscalls[3].names"), built while parsing:
 * append sep (may be "") and s, or "[i]", to the NUL-terminated path buf[0..len) of size cap,
 * truncating as snprintf would; return the new length. No printf: a parse pushes one of these
 * for every key and array element, and only a failure ever reads them. */
size_t path_append(char *buf, size_t cap, size_t len, const char *sep, const char *s);
size_t path_append_index(char *buf, size_t cap, size_t len, size_t i);

/* Number parsing: whole string, no sign surprises; return 0 on success, -1 otherwise. */
int parse_u64(const char *s, uint64_t *out);
int parse_i64(const char *s, int64_t *out);
int parse_int(const char *s, int *out);

/* Files (all fds O_CLOEXEC). Return -1 with errno set. */
ssize_t read_all(int fd, void *buf, size_t len);
ssize_t write_all(int fd, const void *buf, size_t len);
/* Read a whole file relative to dirfd (AT_FDCWD ok); *out is NUL-terminated. */
int read_file_at(int dirfd, const char *path, char **out, size_t *len);
/* Write a file atomically: temp file in the same dir, fsync (if sync), rename. */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                         bool sync);
/* The same for a file one process rewrites many times (the monitor's state): the old inode is
 * kept as path.tmp.PID and rewritten by the next call (RENAME_EXCHANGE), instead of a new inode
 * per write; write_file_swap_done removes it when the process is done with a path that stays.
 * A reader that opened the old inode just before a swap may read a prefix of the next write. */
int write_file_swap_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                       bool sync);
void write_file_swap_done(int dirfd, const char *path);
/* Write a small string to an existing file (cgroup knobs, /proc files). */
int write_file_at(int dirfd, const char *path, const char *data);
/* mkdir -p (mode for created components); EEXIST is not an error. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf of a directory tree relative to dirfd; does not cross mount points. */
int rm_rf_at(int dirfd, const char *path);

/* Process start time (field 22 of /proc/<pid>/stat), 0 when the process is gone. */
unsigned long long proc_start_time(pid_t pid);
/* RFC 3339 with nanoseconds in UTC: "2024-01-02T03:04:05.123456789Z". buf >= 40 bytes. */
void format_time_rfc3339(const struct timespec *ts, char *buf, size_t len);
uint64_t now_ns_monotonic(void);

#endif
