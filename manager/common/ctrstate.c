/* ctrstate.c - the container state file: format, parse, atomic read/write. */
#define _GNU_SOURCE
#include "ctrstate.h"
#include "json.h"
#include <yajl/yajl_parse.h>
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const status_names[CS_COUNT] = { "created", "running", "paused", "exited",
                                                    "dead" };

const char *ctr_status_name(enum ctr_status s)
{
    return (unsigned)s < CS_COUNT ? status_names[s] : "unknown";
}

size_t utf8_cut(const char *s, size_t n)
{
    /* back over continuation bytes (10xxxxxx) to the lead byte of the last character */
    size_t k = n, back = 0;
    while (k > 0 && back < 4 && ((unsigned char)s[k - 1] & 0xc0) == 0x80) {
        k--;
        back++;
    }
    if (k == 0)
        return n;
    unsigned char lead = (unsigned char)s[k - 1];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (need == 1)
        return n; /* ASCII (or stray continuation bytes: not ours to judge) */
    return back + 1 >= need ? n : k - 1;
}

void ctr_copy(char *dst, size_t size, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= size)
        n = utf8_cut(src, size - 1);
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

int64_t now_ns_realtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void read_boot_id(char out[40])
{
    out[0] = '\0';
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read_all(fd, out, 39);
    close(fd);
    if (n < 0)
        n = 0;
    out[n] = '\0';
    out[strcspn(out, "\n")] = '\0';
}

/* The file is one JSON object; each field of struct ctr_state is one key. */
enum ftype { F_STR, F_I64, F_U64, F_INT, F_PID, F_BOOL, F_STATUS };
#define FIELD(k, t, member)                                                                    \
    {                                                                                          \
        .key = k, .klen = sizeof(k) - 1, .type = t, .off = offsetof(struct ctr_state, member), \
        .size = sizeof(((struct ctr_state *)0)->member)                                        \
    }
static const struct field {
    const char *key;
    size_t klen;
    enum ftype type;
    size_t off, size;
} fields[] = {
    FIELD("id", F_STR, id),
    FIELD("name", F_STR, name),
    FIELD("image", F_STR, image),
    FIELD("image_id", F_STR, image_id),
    FIELD("command", F_STR, command),
    FIELD("created", F_I64, created_ns),
    FIELD("status", F_STATUS, status),
    FIELD("pid", F_PID, pid),
    FIELD("pid_start", F_U64, pid_start),
    FIELD("monitor_pid", F_PID, monitor_pid),
    FIELD("monitor_start", F_U64, monitor_start),
    FIELD("boot_id", F_STR, boot_id),
    FIELD("started", F_I64, started_ns),
    FIELD("finished", F_I64, finished_ns),
    FIELD("exit_code", F_INT, exit_code),
    FIELD("exit_signal", F_INT, exit_signal),
    FIELD("oom_killed", F_BOOL, oom_killed),
    FIELD("cleaned", F_BOOL, cleaned),
    FIELD("auto_remove", F_BOOL, auto_remove),
    FIELD("restart_count", F_INT, restart_count),
    FIELD("error", F_STR, error),
};

int ctr_state_format(const struct ctr_state *st, char *buf, size_t len)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        const struct field *f = &fields[i];
        const void *p = (const char *)st + f->off;
        jw_key(&w, f->key);
        switch (f->type) {
        case F_STR: jw_str(&w, p); break;
        case F_I64: jw_int(&w, *(const int64_t *)p); break;
        case F_U64: jw_uint(&w, *(const unsigned long long *)p); break;
        case F_INT: jw_int(&w, *(const int *)p); break;
        case F_PID: jw_int(&w, *(const pid_t *)p); break;
        case F_BOOL: jw_bool(&w, *(const bool *)p); break;
        case F_STATUS: jw_str(&w, ctr_status_name(*(const enum ctr_status *)p)); break;
        }
    }
    jw_obj_close(&w);
    size_t n;
    const char *text = jw_text(&w, &n);
    int r = -1;
    if (n + 2 <= len) {
        memcpy(buf, text, n);
        buf[n++] = '\n';
        buf[n] = '\0';
        r = (int)n;
    }
    jw_free(&w);
    return r;
}

/* Parsing with yajl's event parser straight into the struct: no tree is built (`rbox ps -a`
 * reads a thousand of these files; a tree per file cost ~8 us each). */
struct sax {
    struct ctr_state *st;
    const struct field *cur; /* the field whose value comes next; NULL: skip it */
    size_t next;             /* where to look first: rbox writes the keys in table order */
    int depth;               /* 1: inside the top-level object */
};

static void *field_ptr(struct sax *x, enum ftype want)
{
    const struct field *f = x->cur;
    x->cur = NULL;
    return f && x->depth == 1 && f->type == want ? (char *)x->st + f->off : NULL;
}

static int on_null(void *ctx)
{
    ((struct sax *)ctx)->cur = NULL;
    return 1;
}

static int on_bool(void *ctx, int b)
{
    bool *p = field_ptr(ctx, F_BOOL);
    if (p)
        *p = b != 0;
    return 1;
}

static int on_integer(void *ctx, long long n)
{
    struct sax *x = ctx;
    enum ftype t = x->cur ? x->cur->type : F_STR;
    void *p = field_ptr(x, t);
    if (p == NULL)
        return 1;
    switch (t) {
    case F_I64: *(int64_t *)p = n; break;
    case F_U64: *(unsigned long long *)p = n < 0 ? 0 : (unsigned long long)n; break;
    case F_INT: *(int *)p = n < INT_MIN || n > INT_MAX ? 0 : (int)n; break;
    case F_PID: *(pid_t *)p = n < 0 || n > INT_MAX ? 0 : (pid_t)n; break;
    default: break;
    }
    return 1;
}

static int on_double(void *ctx, double d)
{
    (void)d;
    return on_null(ctx);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    struct sax *x = ctx;
    const struct field *f = x->cur;
    void *p = field_ptr(x, f ? f->type : F_BOOL);
    if (p == NULL || (f->type != F_STR && f->type != F_STATUS))
        return 1;
    char tmp[1024]; /* larger than every field: ctr_copy cuts */
    size_t n = len < sizeof(tmp) - 1 ? len : sizeof(tmp) - 1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (f->type == F_STR) {
        ctr_copy(p, f->size, tmp);
        return 1;
    }
    for (int i = 0; i < CS_COUNT; i++)
        if (strcmp(tmp, status_names[i]) == 0)
            *(enum ctr_status *)p = (enum ctr_status)i;
    return 1;
}

static int on_open(void *ctx)
{
    struct sax *x = ctx;
    x->cur = NULL;
    return ++x->depth < 64; /* deeper than any state file: refuse */
}

static int on_close(void *ctx)
{
    ((struct sax *)ctx)->depth--;
    return 1;
}

static int on_key(void *ctx, const unsigned char *k, size_t len)
{
    struct sax *x = ctx;
    x->cur = NULL;
    if (x->depth != 1)
        return 1;
    for (size_t n = 0; n < ARRAY_SIZE(fields); n++) {
        size_t i = (x->next + n) % ARRAY_SIZE(fields);
        if (fields[i].klen == len && memcmp(fields[i].key, k, len) == 0) {
            x->cur = &fields[i];
            x->next = i + 1;
            break;
        }
    }
    return 1;
}

static const yajl_callbacks sax_callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_bool,
    .yajl_integer = on_integer,
    .yajl_double = on_double,
    .yajl_string = on_string,
    .yajl_start_map = on_open,
    .yajl_map_key = on_key,
    .yajl_end_map = on_close,
    .yajl_start_array = on_open,
    .yajl_end_array = on_close,
};

int ctr_state_parse(const char *text, struct ctr_state *st)
{
    memset(st, 0, sizeof(*st));
    st->status = CS_DEAD;
    struct sax x = { .st = st };
    yajl_handle h = yajl_alloc(&sax_callbacks, NULL, &x);
    if (h == NULL)
        return -1;
    yajl_config(h, yajl_dont_validate_strings, 1); /* rbox wrote it; ctr_copy cuts cleanly */
    bool ok = yajl_parse(h, (const unsigned char *)text, strlen(text)) == yajl_status_ok &&
              yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);
    if (!ok) {
        memset(st, 0, sizeof(*st));
        st->status = CS_DEAD;
        return -1;
    }
    return st->id[0] ? 0 : -1;
}

int ctr_state_read(int dirfd, struct ctr_state *st)
{
    return ctr_state_read_at(dirfd, CTR_STATE_FILE, st);
}

int ctr_state_read_at(int dirfd, const char *path, struct ctr_state *st)
{
    return ctr_state_read_stat(dirfd, path, st, NULL);
}

static int state_read_once(int dirfd, const char *path, struct ctr_state *st, struct stat *sb)
{
    char buf[4096];
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* one read: the file is far smaller than the buffer (ps reads a thousand of them) */
    ssize_t n = sb && fstat(fd, sb) < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (n == (ssize_t)sizeof(buf) - 1) {
        errno = E2BIG;
        n = -1;
    }
    int saved = errno;
    close(fd);
    if (n < 0) {
        errno = saved;
        return -1;
    }
    buf[n] = '\0';
    if (ctr_state_parse(buf, st) < 0) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int ctr_state_read_stat(int dirfd, const char *path, struct ctr_state *st, struct stat *sb)
{
    /* A reader that opened the state just before the monitor swapped in a new one holds the
     * monitor's spare inode (ctr_state_reuse_inode), which the next write truncates and
     * rewrites: it can read a prefix of that, never a mix. A prefix does not parse; the path
     * has the whole new state by then. */
    int r = -1;
    for (int attempt = 0; attempt < 3; attempt++) {
        r = state_read_once(dirfd, path, st, sb);
        if (r == 0 || errno != EINVAL)
            break;
    }
    return r;
}

/* A full disk (ENOSPC, EDQUOT) refuses the temporary file of an atomic write, but the state file
 * that exists has its block already: rewrite it in place, padded with newlines (white space
 * after the JSON object, which the parser skips) to at least its old length, so no truncation is
 * needed and no reader sees an old tail. Only this fallback is not atomic; it is one pwrite of
 * less than a page. */
static int state_write_in_place(int dirfd, char *buf, size_t n, size_t cap, bool sync)
{
    int fd = openat(dirfd, CTR_STATE_FILE, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat sb;
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) < 0 || (size_t)sb.st_size >= cap) {
        close(fd);
        errno = ENOSPC;
        return -1;
    }
    for (; n < (size_t)sb.st_size; n++)
        buf[n] = '\n';
    ssize_t w = pwrite(fd, buf, n, 0);
    int saved = w == (ssize_t)n ? 0 : w < 0 ? errno : ENOSPC;
    if (saved == 0 && sync && fsync(fd) < 0)
        saved = errno;
    close(fd);
    errno = saved;
    return saved ? -1 : 0;
}

static bool reuse_inode;

void ctr_state_reuse_inode(bool on)
{
    reuse_inode = on;
}

void ctr_state_drop_spare(int dirfd)
{
    write_file_swap_done(dirfd, CTR_STATE_FILE);
}

int ctr_state_write(int dirfd, const struct ctr_state *st, bool sync)
{
    char buf[4096];
    int n = ctr_state_format(st, buf, sizeof(buf));
    if (n < 0) {
        errno = E2BIG;
        return -1;
    }
    /* the monitor's: on an ext4 without a journal a new inode costs ~120 us while others are
     * being freed (recently deleted ones are skipped one by one), a rewrite a few */
    if ((reuse_inode ? write_file_swap_at : write_file_atomic_at)(dirfd, CTR_STATE_FILE, buf,
                                                                 (size_t)n, 0644, sync) == 0)
        return 0;
    if (errno != ENOSPC && errno != EDQUOT)
        return -1;
    return state_write_in_place(dirfd, buf, (size_t)n, sizeof(buf) - 1, sync);
}
