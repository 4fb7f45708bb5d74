/* logs.c - rbox logs: read the k8s-file log the monitor writes (see docs/manager.md). */
#define _GNU_SOURCE
#include "cmdcore.h"
#include "ctr.h"
#include "log.h"
#include "mcli.h"
#include "timearg.h"
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
    "                       seconds) or a duration back from now (10m, 1h30m, 45s)\n"
    "      --until T        only lines before T (the same forms); -f stops at T\n"
    "      --details        the log attributes before each line (rbox records none: a\n"
    "                       space, as docker prints an empty set)\n";

struct logs_opts {
    bool follow, timestamps, details;
    int64_t since;    /* 0: all */
    int64_t until;    /* 0: no end */
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
    if (o->since || o->until) {
        int64_t ts;
        if (parse_rfc3339(line, (size_t)(sp1 - line), &ts) < 0 || (o->since && ts < o->since) ||
            (o->until && ts >= o->until))
            return;
    }
    FILE *f = o->out[stream] ? o->out[stream] : stream && !o->merged ? stderr : stdout;
    if (o->timestamps && o->at_start[stream])
        fprintf(f, "%.*s ", (int)(sp1 - line), line);
    if (o->details && o->at_start[stream])
        fputc(' ', f); /* docker: the attributes ("k=v,..."; none here), then a space */
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

/* The rotated files (--log-opt max-file: ctr.log.N-1 .. ctr.log.1, oldest first) and then
 * ctr.log, read as one text: --tail counts across them. */
static char *read_all_logs(struct store *s, const char *id, size_t *len, int *fd_out,
                           rbox_err **err)
{
    size_t cap = 0, n = 0;
    char *all = NULL;
    *fd_out = -1;
    int oldest = 0;
    for (int k = 1; k < 1000; k++) {
        _cleanup_free_ char *rel = xasprintf("ctr.log.%d", k);
        _cleanup_free_ char *p = ctr_path(s, id, rel);
        if (access(p, F_OK) != 0)
            break;
        oldest = k;
    }
    for (int k = oldest; k >= 0; k--) {
        _cleanup_free_ char *rel = k ? xasprintf("ctr.log.%d", k) : xstrdup("ctr.log");
        _cleanup_free_ char *path = ctr_path(s, id, rel);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno != ENOENT) {
            free(all);
            return rbox_error(err, errno, "opening %s", path), NULL;
        }
        if (fd < 0)
            continue;
        for (;;) {
            if (n + 65536 > cap)
                all = xrealloc(all, cap = cap ? cap * 2 : 131072);
            ssize_t r = read(fd, all + n, cap - n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            n += (size_t)r;
        }
        if (k == 0)
            *fd_out = fd; /* follow goes on from its end */
        else
            close(fd);
    }
    *len = n;
    return all ? all : xstrdup("");
}

static void flush_all(struct logs_opts *o)
{
    fflush(o->out[0] ? o->out[0] : stdout);
    fflush(o->out[1] ? o->out[1] : stderr);
}

static int print_logs(struct store *s, const char *id, struct logs_opts *o, rbox_err **err)
{
    _cleanup_free_ char *path = ctr_path(s, id, "ctr.log");
    size_t off = 0, len = 0;
    int fd0;
    _cleanup_free_ char *text = read_all_logs(s, id, &len, &fd0, err);
    if (text == NULL)
        return -1;
    _cleanup_close_ int fd = fd0;
    size_t consumed = 0;
    if (len > 0) {
        size_t start = tail_start(text, len, o->tail);
        consumed = start + emit_lines(o, text + start, len - start);
    }
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0) /* follow: a partial last line is read again */
        off = (size_t)st.st_size >= len - consumed ? (size_t)st.st_size - (len - consumed) : 0;
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
        struct stat now, cur;
        if (fd >= 0 && stat(path, &now) == 0 && fstat(fd, &cur) == 0 && now.st_ino != cur.st_ino) {
            close(fd); /* rotated (--log-opt): the new ctr.log from its start */
            fd = -1;
            off = 0;
            continue;
        }
        if (fd >= 0 && fstat(fd, &cur) == 0 && (size_t)cur.st_size < off) {
            off = 0; /* started over (--log-opt max-file=1) */
            have = 0;
            continue;
        }
        if (o->out[0] && (ferror(o->out[0]) || ferror(o->out[1])))
            return 0; /* logs_write's reader is gone */
        if (last_round) {
            warn_log_failure(s, id);
            return 0;
        }
        if (!still_running(s, id) || (o->until && now_ns_realtime() >= o->until))
            last_round = true; /* one more read: what was written before it stopped */
        else
            usleep(50000);
    }
}

int cmd_logs(struct cmd_ctx *c, int argc, char **argv)
{
    enum { O_FOLLOW = 1, O_TAIL, O_TS, O_SINCE, O_UNTIL, O_DETAILS };
    static const struct mopt opts[] = { { "follow", 'f', false, O_FOLLOW },
                                        { "tail", 'n', true, O_TAIL },
                                        { "timestamps", 't', false, O_TS },
                                        { "since", 0, true, O_SINCE },
                                        { "until", 0, true, O_UNTIL },
                                        { "details", 0, false, O_DETAILS },
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
        else if (id == O_DETAILS)
            o.details = true;
        else if (id == O_SINCE)
            r = time_arg_parse(arg, "--since", &o.since, &err);
        else if (id == O_UNTIL)
            r = time_arg_parse(arg, "--until", &o.until, &err);
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
