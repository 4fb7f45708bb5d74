/* verdict.c - rbox-monitor's sandbox part: the wall-clock timeout, and the verdict it
 * writes when the container ends (report.json in the container's dir for inspect, the user's
 * --report FILE, and a 'V' message to attached clients for --report -). Static memory only. */
#define _GNU_SOURCE
#include "monitor.h"
#include "report.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static struct {
    struct sandbox_conf conf;
    uint64_t t0, t_end; /* monotonic: start, reap */
    int64_t started_ns;
    bool timed_out;
    struct verdict v;
    char json[REPORT_MAXLEN];
    int json_len;
} r;

int mreport_load(int ctrfd)
{
    return sandbox_conf_read(ctrfd, &r.conf);
}

int64_t mreport_started(int ctrfd)
{
    unlinkat(ctrfd, REPORT_FILE, 0); /* the last run's verdict is not this one's */
    r.t0 = now_ns_monotonic();
    r.started_ns = now_ns_realtime();
    r.t_end = 0;
    r.timed_out = false;
    return r.started_ns;
}

void mreport_reaped(void)
{
    if (r.t_end == 0)
        r.t_end = now_ns_monotonic();
}

int mreport_timeout_ms(void)
{
    if (r.conf.timeout_ns <= 0 || r.t0 == 0 || r.timed_out)
        return -1; /* once killed, wait for the reap (a frozen cgroup may delay it) */
    uint64_t deadline = r.t0 + (uint64_t)r.conf.timeout_ns, now = now_ns_monotonic();
    if (now >= deadline)
        return 0;
    uint64_t ms = (deadline - now + 999999) / 1000000;
    return ms > 86400000 ? 86400000 : (int)ms;
}

bool mreport_requested(void)
{
    return r.conf.report[0] != '\0';
}

void mreport_timed_out(void)
{
    r.timed_out = true;
}

/* Replace path with data (temporary file in the same directory, then rename). */
static int write_atomic(int dirfd, const char *path, const char *data, size_t len)
{
    char tmp[REPORT_PATH_MAX + 32];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -1;
    bool ok = write_all(fd, data, len) == (ssize_t)len;
    close(fd);
    if (!ok || renameat(dirfd, tmp, dirfd, path) < 0) {
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    return 0;
}

static void publish(int ctrfd)
{
    r.json_len = report_format(&r.v, r.json, sizeof(r.json));
    if (r.json_len < 0) {
        r.json_len = 0;
        return;
    }
    if (ctrfd >= 0)
        write_atomic(ctrfd, REPORT_FILE, r.json, (size_t)r.json_len);
    if (r.conf.report[0] == '/')
        write_atomic(AT_FDCWD, r.conf.report, r.json, (size_t)r.json_len);
}

bool mreport_finish(int ctrfd, const char *id, const char *name, int code, int sig,
                    const char *stats)
{
    struct verdict *v = &r.v;
    verdict_init(v, id, name);
    v->started = true;
    v->exit_code = code;
    v->signal = sig;
    v->timed_out = r.timed_out;
    v->timeout_ns = r.conf.timeout_ns;
    v->started_ns = r.started_ns;
    v->finished_ns = now_ns_realtime();
    v->wall_ns = (int64_t)((r.t_end ? r.t_end : now_ns_monotonic()) - r.t0);
    if (stats)
        verdict_from_stats(v, stats);
    publish(ctrfd);
    return v->oom_killed;
}

void mreport_failed(int ctrfd, const char *id, const char *name, int code, const char *msg)
{
    verdict_init(&r.v, id, name);
    r.v.exit_code = code;
    r.v.timeout_ns = r.conf.timeout_ns;
    CTR_SET(r.v.error, msg);
    publish(ctrfd);
}

/* 'V' + the report to every client, after what is queued for it (so it comes after the last
 * output and before 'X'). Blocking, with the same 2 s send timeout as srv_finish. */
void mreport_send(struct srv *s)
{
    static char msg[REPORT_MAXLEN + 1];
    if (r.json_len <= 0)
        return;
    msg[0] = MSG_VERDICT;
    memcpy(msg + 1, r.json, (size_t)r.json_len);
    struct timeval tv = { .tv_sec = 2 };
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *c = &s->c[i];
        if (c->fd < 0)
            continue;
        int fl = fcntl(c->fd, F_GETFL);
        fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
        setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (c->plen && send(c->fd, c->pend, c->plen, MSG_NOSIGNAL) == (ssize_t)c->plen)
            c->plen = 0;
        if (c->plen == 0)
            (void)send(c->fd, msg, (size_t)r.json_len + 1, MSG_NOSIGNAL);
    }
}
