/* logs.c - rbox logs: read the k8s-file log the monitor writes (see docs/manager.md). */
#define _GNU_SOURCE
#include "cmdcore.h"
#include "ctr.h"
#include "log.h"
#include "mcli.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char logs_usage[] =
    "Usage: rbox logs [OPTIONS] CONTAINER\n"
    "\n"
    "Print a container's output: its stdout to stdout, its stderr to stderr (in the order\n"
    "they were written when both go to the same place, e.g. 2>&1).\n"
    "\n"
    "Options:\n"
    "  -f, --follow         keep printing new output until the container stops\n"
    "      --tail N         only the last N lines (default: all)\n"
    "  -t, --timestamps     prefix each line with its RFC 3339 timestamp\n"
    "      --since T        only lines since T: a timestamp (2024-01-02T03:04:05Z, Unix\n"
    "                       seconds) or a duration back from now (10m, 1h30m, 45s)\n";

/* "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" -> ns since the epoch; -1 when malformed. */
static int parse_rfc3339(const char *s, size_t len, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    char buf[64];
    if (len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *p = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
    if (p == NULL) {
        p = strptime(buf, "%Y-%m-%d", &tm);
        if (p == NULL || *p)
            return -1;
        *out = (int64_t)timegm(&tm) * 1000000000;
        return 0;
    }
    int64_t frac = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; isdigit((unsigned char)*p); p++)
            if (digits++ < 9)
                frac = frac * 10 + (*p - '0');
        for (; digits < 9; digits++)
            frac *= 10;
    }
    int64_t off = 0;
    if (*p == 'Z') {
        p++;
    } else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
        int h = 0, m = 0;
        if (sscanf(p + 1, "%2d:%2d", &h, &m) != 2)
            return -1;
        off = (int64_t)(h * 3600 + m * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    *out = ((int64_t)timegm(&tm) - off) * 1000000000 + frac;
    return 0;
}

static int parse_since(const char *v, int64_t *out, rbox_err **err)
{
    if (parse_rfc3339(v, strlen(v), out) == 0)
        return 0;
    char *end;
    errno = 0;
    double secs = strtod(v, &end);
    if (end != v && *end == '\0' && errno == 0 && secs >= 0 && isdigit((unsigned char)v[0])) {
        *out = secs > 9e9 ? INT64_MAX : (int64_t)(secs * 1e9);
        return 0;
    }
    /* a duration: 1h30m, 10m, 45s, 500ms */
    int64_t total = 0;
    const char *p = v;
    bool any = false;
    while (*p) {
        double n = strtod(p, &end);
        if (end == p || n < 0)
            break;
        int64_t unit;
        if (strncmp(end, "ms", 2) == 0)
            unit = 1000000, end += 2;
        else if (*end == 's')
            unit = 1000000000, end++;
        else if (*end == 'm')
            unit = 60ll * 1000000000, end++;
        else if (*end == 'h')
            unit = 3600ll * 1000000000, end++;
        else
            break;
        total += (int64_t)(n * (double)unit);
        p = end;
        any = true;
    }
    if (!any || *p)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --since: expected a timestamp (RFC 3339 or "
                          "Unix seconds) or a duration such as 10m",
                          v);
    *out = now_ns_realtime() - total;
    return 0;
}

struct logs_opts {
    bool follow, timestamps;
    int64_t since;    /* 0: all */
    long tail;        /* -1: all */
    bool at_start[2]; /* at the start of a logical line, per stream */
    bool merged;      /* our stdout and stderr are one file: both streams through stdout */
    FILE *out[2];     /* logs_write's streams (NULL: stdout and stderr) */
};

/* `rbox logs C 2>&1`, or both on one terminal: one destination, so the lines keep the order in
 * which they were written (through one buffer) instead of stderr's unbuffered lines first. */
static bool same_destination(void)
{
    struct stat a, b;
    return fstat(STDOUT_FILENO, &a) == 0 && fstat(STDERR_FILENO, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* One log line "TS STREAM F|P TEXT": print it. Malformed lines are skipped. */
static void emit(struct logs_opts *o, const char *line, size_t len)
{
    const char *sp1 = memchr(line, ' ', len);
    if (sp1 == NULL)
        return;
    const char *rest = sp1 + 1;
    size_t rl = len - (size_t)(rest - line);
    int stream;
    if (rl >= 7 && memcmp(rest, "stdout ", 7) == 0)
        stream = 0;
    else if (rl >= 7 && memcmp(rest, "stderr ", 7) == 0)
        stream = 1;
    else
        return;
    if (rl < 9 || (rest[7] != 'F' && rest[7] != 'P') || (rl > 9 && rest[8] != ' '))
        return;
    bool full = rest[7] == 'F';
    const char *text = rl > 9 ? rest + 9 : rest + rl;
    size_t tl = (size_t)(line + len - text);
    if (o->since) {
        int64_t ts;
        if (parse_rfc3339(line, (size_t)(sp1 - line), &ts) < 0 || ts < o->since)
            return;
    }
    FILE *f = o->out[stream] ? o->out[stream] : stream && !o->merged ? stderr : stdout;
    if (o->timestamps && o->at_start[stream])
        fprintf(f, "%.*s ", (int)(sp1 - line), line);
    fwrite(text, 1, tl, f);
    if (full)
        fputc('\n', f);
    o->at_start[stream] = full;
}

/* Emit the complete lines of buf; returns the bytes consumed. */
static size_t emit_lines(struct logs_opts *o, const char *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        const char *nl = memchr(buf + done, '\n', len - done);
        if (nl == NULL)
            break;
        emit(o, buf + done, (size_t)(nl - (buf + done)));
        done = (size_t)(nl - buf) + 1;
    }
    return done;
}

/* Offset of the first line to print for --tail N (logical lines end with an F entry). */
static size_t tail_start(const char *buf, size_t len, long n)
{
    if (n < 0)
        return 0;
    if (n == 0)
        return len;
    long lines = 0;
    size_t pos = len;
    /* walk back over complete lines */
    while (pos > 0) {
        size_t end = pos - 1; /* the '\n' of this line */
        size_t start = end;
        while (start > 0 && buf[start - 1] != '\n')
            start--;
        const char *sp = memchr(buf + start, ' ', end - start);
        bool full = sp && end - (size_t)(sp - buf) > 8 && sp[8] == 'F';
        if (full && ++lines > n)
            return pos;
        pos = start;
    }
    return 0;
}

static bool still_running(struct store *s, const char *id)
{
    struct ctr_state st;
    if (ctr_read(s, id, &st, NULL) < 0)
        return false;
    return st.status == CS_RUNNING || st.status == CS_PAUSED || st.monitor_pid != 0;
}

/* The monitor could not write the log (a full disk): say so after the lines that are there. */
static void warn_log_failure(struct store *s, const char *id)
{
    struct ctr_state st;
    if (ctr_read(s, id, &st, NULL) == 0 && str_has_prefix(st.error, "log write failed: "))
        log_warn("%s", st.error);
}

static void flush_all(struct logs_opts *o)
{
    fflush(o->out[0] ? o->out[0] : stdout);
    fflush(o->out[1] ? o->out[1] : stderr);
}

static int print_logs(struct store *s, const char *id, struct logs_opts *o, rbox_err **err)
{
    _cleanup_free_ char *path = ctr_path(s, id, "ctr.log");
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT)
        return rbox_error(err, errno, "opening %s", path);
    size_t off = 0;
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
        size_t len = (size_t)st.st_size;
        char *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
            return rbox_error(err, errno, "reading %s", path);
        size_t start = tail_start(map, len, o->tail);
        off = start + emit_lines(o, map + start, len - start);
        munmap(map, len);
    }
    flush_all(o);
    if (!o->follow) {
        warn_log_failure(s, id);
        return 0;
    }
    /* follow: read what the monitor appends until the container is gone */
    _cleanup_free_ char *buf = xmalloc(65536); /* the API follows several at once */
    const size_t size = 65536;
    size_t have = 0;
    bool last_round = false;
    for (;;) {
        if (fd < 0)
            fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? pread(fd, buf + have, size - have, (off_t)off) : 0;
        if (n > 0) {
            off += (size_t)n;
            have += (size_t)n;
            size_t used = emit_lines(o, buf, have);
            if (used == 0 && have == size)
                used = have; /* a line longer than the buffer: drop it */
            memmove(buf, buf + used, have - used);
            have -= used;
            flush_all(o);
            continue;
        }
        if (o->out[0] && (ferror(o->out[0]) || ferror(o->out[1])))
            return 0; /* logs_write's reader is gone */
        if (last_round) {
            warn_log_failure(s, id);
            return 0;
        }
        if (!still_running(s, id))
            last_round = true; /* one more read: what was written before it stopped */
        else
            usleep(50000);
    }
}

int cmd_logs(struct cmd_ctx *c, int argc, char **argv)
{
    enum { O_FOLLOW = 1, O_TAIL, O_TS, O_SINCE };
    static const struct mopt opts[] = { { "follow", 'f', false, O_FOLLOW },
                                        { "tail", 'n', true, O_TAIL },
                                        { "timestamps", 't', false, O_TS },
                                        { "since", 0, true, O_SINCE },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox logs", .interspersed = true
    };
    struct logs_opts o = { .tail = -1, .at_start = { true, true }, .merged = same_destination() };
    rbox_err *err = NULL;
    const char *arg;
    int id, r = 0;
    while (r == 0 && (id = margs_next(&p, opts, &arg, &err)) != 0) {
        if (id == MOPT_HELP || id < 0) {
            r = id;
            break;
        }
        int64_t n;
        if (id == O_FOLLOW)
            o.follow = true;
        else if (id == O_TS)
            o.timestamps = true;
        else if (id == O_SINCE)
            r = parse_since(arg, &o.since, &err);
        else if (strcmp(arg, "all") == 0)
            o.tail = -1;
        else if (parse_i64(arg, &n) < 0 || n < 0)
            r = rbox_error(&err, 0, "invalid value \"%s\" for --tail: expected a number or all",
                           arg);
        else
            o.tail = (long)n;
    }
    char cid[ID_LEN + 1];
    if (r == 0 && margs_require(&p, 1, 1, "exactly one CONTAINER", &err) == 0 &&
        ctr_resolve(c->s, margs_at(&p, 0), cid, &err) == 0)
        r = print_logs(c->s, cid, &o, &err);
    else if (r == 0)
        r = -1;
    margs_free(&p);
    if (r == MOPT_HELP)
        return cmd_help(logs_usage);
    return r < 0 ? cmd_fail(err) : 0;
}

int logs_write(struct store *s, const char *id, const struct logs_req *q, FILE *out, FILE *err,
               rbox_err **e)
{
    struct logs_opts o = { .follow = q->follow,
                           .timestamps = q->timestamps,
                           .since = q->since,
                           .tail = q->tail,
                           .at_start = { true, true },
                           .out = { out, err } };
    return print_logs(s, id, &o, e);
}
