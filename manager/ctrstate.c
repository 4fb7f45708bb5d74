/* ctrstate.c - the container state file: format, parse, atomic read/write. */
#define _GNU_SOURCE
#include "ctrstate.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* A cursor over the output buffer; overflow is remembered and reported once. */
struct out {
    char *buf;
    size_t len, pos;
    bool overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->pos + n >= o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->pos, s, n);
    o->pos += n;
}

static void put_str(struct out *o, const char *key, const char *v)
{
    put(o, key, strlen(key));
    put(o, "=", 1);
    for (const char *p = v; *p; p++) {
        if (*p == '\n')
            put(o, "\\n", 2);
        else if (*p == '\\')
            put(o, "\\\\", 2);
        else
            put(o, p, 1);
    }
    put(o, "\n", 1);
}

static void put_num(struct out *o, const char *key, long long v)
{
    char num[32];
    snprintf(num, sizeof(num), "%lld", v);
    put_str(o, key, num);
}

static void put_unum(struct out *o, const char *key, unsigned long long v)
{
    char num[32];
    snprintf(num, sizeof(num), "%llu", v);
    put_str(o, key, num);
}

int ctr_state_format(const struct ctr_state *st, char *buf, size_t len)
{
    struct out o = { .buf = buf, .len = len };
    put_str(&o, "id", st->id);
    put_str(&o, "name", st->name);
    put_str(&o, "image", st->image);
    put_str(&o, "image_id", st->image_id);
    put_str(&o, "command", st->command);
    put_num(&o, "created", st->created_ns);
    put_str(&o, "status", ctr_status_name(st->status));
    put_num(&o, "pid", st->pid);
    put_unum(&o, "pid_start", st->pid_start);
    put_num(&o, "monitor_pid", st->monitor_pid);
    put_unum(&o, "monitor_start", st->monitor_start);
    put_str(&o, "boot_id", st->boot_id);
    put_num(&o, "started", st->started_ns);
    put_num(&o, "finished", st->finished_ns);
    put_num(&o, "exit_code", st->exit_code);
    put_num(&o, "exit_signal", st->exit_signal);
    put_num(&o, "oom_killed", st->oom_killed);
    put_num(&o, "cleaned", st->cleaned);
    put_num(&o, "auto_remove", st->auto_remove);
    put_str(&o, "error", st->error);
    if (o.overflow)
        return -1;
    o.buf[o.pos] = '\0';
    return (int)o.pos;
}

/* Undo the escaping in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 'n' ? '\n' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static long long num(const char *v)
{
    return strtoll(v, NULL, 10);
}

static void set_field(struct ctr_state *st, const char *k, char *v)
{
    switch (k[0]) {
    case 'a':
        if (strcmp(k, "auto_remove") == 0)
            st->auto_remove = num(v) != 0;
        break;
    case 'b':
        if (strcmp(k, "boot_id") == 0)
            CTR_SET(st->boot_id, v);
        break;
    case 'c':
        if (strcmp(k, "command") == 0)
            CTR_SET(st->command, v);
        else if (strcmp(k, "created") == 0)
            st->created_ns = num(v);
        else if (strcmp(k, "cleaned") == 0)
            st->cleaned = num(v) != 0;
        break;
    case 'e':
        if (strcmp(k, "exit_code") == 0)
            st->exit_code = (int)num(v);
        else if (strcmp(k, "exit_signal") == 0)
            st->exit_signal = (int)num(v);
        else if (strcmp(k, "error") == 0)
            CTR_SET(st->error, v);
        break;
    case 'f':
        if (strcmp(k, "finished") == 0)
            st->finished_ns = num(v);
        break;
    case 'i':
        if (strcmp(k, "id") == 0)
            CTR_SET(st->id, v);
        else if (strcmp(k, "image") == 0)
            CTR_SET(st->image, v);
        else if (strcmp(k, "image_id") == 0)
            CTR_SET(st->image_id, v);
        break;
    case 'm':
        if (strcmp(k, "monitor_pid") == 0)
            st->monitor_pid = (pid_t)num(v);
        else if (strcmp(k, "monitor_start") == 0)
            st->monitor_start = strtoull(v, NULL, 10);
        break;
    case 'n':
        if (strcmp(k, "name") == 0)
            CTR_SET(st->name, v);
        break;
    case 'o':
        if (strcmp(k, "oom_killed") == 0)
            st->oom_killed = num(v) != 0;
        break;
    case 'p':
        if (strcmp(k, "pid") == 0)
            st->pid = (pid_t)num(v);
        else if (strcmp(k, "pid_start") == 0)
            st->pid_start = strtoull(v, NULL, 10);
        break;
    case 's':
        if (strcmp(k, "started") == 0)
            st->started_ns = num(v);
        else if (strcmp(k, "status") == 0)
            for (int i = 0; i < CS_COUNT; i++)
                if (strcmp(v, status_names[i]) == 0)
                    st->status = (enum ctr_status)i;
        break;
    }
}

int ctr_state_parse(char *text, struct ctr_state *st)
{
    memset(st, 0, sizeof(*st));
    st->status = CS_DEAD;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        unescape(eq + 1);
        set_field(st, line, eq + 1);
    }
    return st->id[0] ? 0 : -1;
}

int ctr_state_read(int dirfd, struct ctr_state *st)
{
    return ctr_state_read_at(dirfd, CTR_STATE_FILE, st);
}

int ctr_state_read_at(int dirfd, const char *path, struct ctr_state *st)
{
    char buf[4096];
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* one read: the file is far smaller than the buffer (ps reads a thousand of them) */
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
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

int ctr_state_write(int dirfd, const struct ctr_state *st, bool sync)
{
    char buf[4096];
    int n = ctr_state_format(st, buf, sizeof(buf));
    if (n < 0) {
        errno = E2BIG;
        return -1;
    }
    return write_file_atomic_at(dirfd, CTR_STATE_FILE, buf, (size_t)n, 0644, sync);
}
