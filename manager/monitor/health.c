/* health.c - rbox-monitor's health check (healthconf.h; docker's HEALTHCHECK semantics).
 *
 * Every interval, one `rbox-runtime exec ID ARGV...` at a time, its stdout and stderr into a
 * memfd, killed (the runtime and the process it started) after the timeout. A result of 0 is
 * healthy and resets the failing streak; a failure counts, except while the container has
 * never been healthy and is within its start period; FailingStreak >= retries is unhealthy.
 * Each result goes into HEALTH_STATE (the last HEALTH_LOG_MAX), each change of status into the
 * event log ("health_status: healthy"). Driven by the main loop's poll timeout and its
 * reaping: no thread, no timer fd; static memory only. */
#define _GNU_SOURCE
#include "ctrstate.h"
#include "events.h"
#include "healthconf.h"
#include "monitor.h"
#include "rtcall.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HC_MAX_ARGV 48

struct hc_result {
    int64_t start_ns, end_ns; /* wall clock */
    int exit_code;
    char output[HEALTH_OUTPUT_MAX + 1];
};

static struct {
    bool on;
    int ctrfd;
    const char *id, *store_root;
    char image[256], name[130];
    struct rt_call rt;
    char logpath[PATH_MAX], pidpath[PATH_MAX];
    int64_t interval_ns, timeout_ns, start_period_ns;
    int retries;
    const char *argv[HC_MAX_ARGV + 1];
    char conf[HEALTH_CONF_MAX + 1];
    /* the running container */
    bool running;
    int64_t started_ns; /* wall clock: the start period counts from it */
    uint64_t due;       /* monotonic ns of the next check */
    const char *status; /* "starting", "healthy", "unhealthy" */
    int streak;
    struct hc_result log[HEALTH_LOG_MAX];
    int nlog;
    /* the check in progress */
    pid_t pid;
    int outfd;
    uint64_t deadline; /* monotonic */
    struct hc_result cur;
    pid_t killed; /* a timed-out check's runtime, reaped later */
    /* healthcheck run: the clients waiting for the result (their fds, to tell a reused slot) */
    int waiter_fd[MAX_CLIENTS];
    struct srv *srv;
} h; /* zero: in .bss, not in the binary (hc_load sets the fds) */

void hc_load(int ctrfd, const char *rundir, const char *id, const char *runtime,
             const char *runtime_root, const char *store_root)
{
    h.ctrfd = h.outfd = -1;
    for (int i = 0; i < MAX_CLIENTS; i++)
        h.waiter_fd[i] = -1;
    int fd = openat(ctrfd, HEALTH_CONF, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read_all(fd, h.conf, HEALTH_CONF_MAX);
    close(fd);
    if (n <= 0 || h.conf[n - 1] != '\0')
        return;
    const char *field[4 + HC_MAX_ARGV];
    size_t nf = 0;
    for (char *p = h.conf; p < h.conf + n && nf < ARRAY_SIZE(field); p += strlen(p) + 1)
        field[nf++] = p;
    if (nf < 5)
        return;
    h.interval_ns = atoll(field[0]);
    h.timeout_ns = atoll(field[1]);
    h.start_period_ns = atoll(field[2]);
    h.retries = atoi(field[3]);
    if (h.interval_ns <= 0 || h.timeout_ns <= 0 || h.retries <= 0)
        return;
    for (size_t i = 4; i < nf; i++)
        h.argv[i - 4] = field[i];
    h.argv[nf - 4] = NULL;
    h.ctrfd = ctrfd;
    h.id = id;
    h.store_root = store_root;
    snprintf(h.logpath, sizeof(h.logpath), "%s/health.log", rundir);
    snprintf(h.pidpath, sizeof(h.pidpath), "%s/health.pid", rundir);
    h.rt = (struct rt_call){ .bin = runtime, .root = runtime_root, .log = h.logpath };
    h.status = "starting";
    h.on = true;
}

/* s as a JSON string body (cut at len, never inside an escape). */
static size_t escape(const char *s, char *out, size_t len)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n + 7 < len; p++) {
        if (*p == '"' || *p == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*p;
        } else if (*p < 0x20 || *p == 0x7f) {
            n += (size_t)snprintf(out + n, len - n, "\\u%04x", *p);
        } else {
            out[n++] = (char)*p;
        }
    }
    out[n] = '\0';
    return n;
}

static void rfc3339_ns(int64_t ns, char *buf, size_t len)
{
    struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
    format_time_rfc3339(&ts, buf, len);
}

static void write_state(void)
{
    static char buf[HEALTH_LOG_MAX * (HEALTH_OUTPUT_MAX * 6 + 200) + 200];
    static char esc[HEALTH_OUTPUT_MAX * 6 + 8];
    size_t n = 0, len = sizeof(buf);
#define ADD(...)                                                  \
    do {                                                          \
        if (n < len)                                              \
            n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__); \
    } while (0)
    ADD("{\"Status\":\"%s\",\"FailingStreak\":%d,\"Log\":[", h.status, h.streak);
    for (int i = 0; i < h.nlog; i++) {
        char t0[48], t1[48];
        rfc3339_ns(h.log[i].start_ns, t0, sizeof(t0));
        rfc3339_ns(h.log[i].end_ns, t1, sizeof(t1));
        escape(h.log[i].output, esc, sizeof(esc));
        ADD("%s{\"Start\":\"%s\",\"End\":\"%s\",\"ExitCode\":%d,\"Output\":\"%s\"}", i ? "," : "",
            t0, t1, h.log[i].exit_code, esc);
    }
    ADD("]}\n");
#undef ADD
    if (n >= len)
        return;
    static const char tmp[] = HEALTH_STATE ".tmp";
    int fd = openat(h.ctrfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return;
    bool ok = write_all(fd, buf, n) == (ssize_t)n;
    close(fd);
    if (!ok || renameat(h.ctrfd, tmp, h.ctrfd, HEALTH_STATE) < 0)
        unlinkat(h.ctrfd, tmp, 0);
}

void hc_started(const char *image, const char *name, int64_t started_ns)
{
    if (!h.on)
        return;
    snprintf(h.image, sizeof(h.image), "%s", image);
    snprintf(h.name, sizeof(h.name), "%s", name);
    h.running = true;
    h.started_ns = started_ns;
    h.status = "starting";
    h.streak = 0;
    h.due = now_ns_monotonic() + (uint64_t)h.interval_ns;
    write_state();
}

static void answer_waiters(int code)
{
    char msg[64];
    int len = snprintf(msg, sizeof(msg), "%c%d %s", MSG_HEALTH_ANSWER, code, h.status);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (h.waiter_fd[i] >= 0 && h.srv && h.srv->c[i].fd == h.waiter_fd[i])
            srv_send(h.srv, i, msg, (size_t)len);
        h.waiter_fd[i] = -1;
    }
}

/* The check ended (or timed out): docker's handleProbeResult. */
static void record(void)
{
    const char *old = h.status;
    if (h.cur.exit_code == 0) {
        h.streak = 0;
        h.status = "healthy";
    } else if (!(strcmp(h.status, "starting") == 0 &&
                 h.cur.start_ns - h.started_ns < h.start_period_ns)) {
        if (++h.streak >= h.retries)
            h.status = "unhealthy";
    }
    if (h.nlog == HEALTH_LOG_MAX) {
        memmove(&h.log[0], &h.log[1], sizeof(h.log[0]) * (HEALTH_LOG_MAX - 1));
        h.nlog--;
    }
    h.log[h.nlog++] = h.cur;
    write_state();
    if (strcmp(old, h.status) != 0) {
        char action[64];
        snprintf(action, sizeof(action), "health_status: %s", h.status);
        const char *attrs[] = { "image", h.image, "name", h.name, NULL };
        event_append(h.store_root, "container", action, h.id, attrs);
    }
    answer_waiters(h.cur.exit_code);
    h.due = now_ns_monotonic() + (uint64_t)h.interval_ns;
}

static void start_check(void)
{
    h.outfd = memfd_create("rbox-health", MFD_CLOEXEC);
    const char *args[HC_MAX_ARGV + 8] = { "exec", "--pid-file", h.pidpath, h.id };
    size_t n = 4;
    for (size_t i = 0; h.argv[i]; i++)
        args[n++] = h.argv[i];
    args[n] = NULL;
    unlink(h.pidpath);
    memset(&h.cur, 0, sizeof(h.cur));
    h.cur.start_ns = now_ns_realtime();
    h.deadline = now_ns_monotonic() + (uint64_t)h.timeout_ns;
    if (h.outfd < 0 || rt_spawn(&h.rt, args, (int[3]){ -1, h.outfd, h.outfd }, &h.pid) < 0) {
        h.pid = 0;
        if (h.outfd >= 0)
            close(h.outfd);
        h.outfd = -1;
        h.cur.end_ns = now_ns_realtime();
        h.cur.exit_code = -1;
        snprintf(h.cur.output, sizeof(h.cur.output), "cannot run %s: %s", h.rt.bin,
                 strerror(errno));
        record();
    }
}

int hc_timeout_ms(void)
{
    if (!h.on || !h.running)
        return -1;
    uint64_t at = h.pid > 0 ? h.deadline : h.due, now = now_ns_monotonic();
    if (now >= at)
        return 0;
    uint64_t ms = (at - now + 999999) / 1000000;
    return ms > 86400000 ? 86400000 : (int)ms;
}

static void kill_check(void)
{
    char buf[32] = "";
    int fd = open(h.pidpath, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read_all(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    pid_t inner;
    if (parse_int(buf, &inner) == 0 && inner > 1)
        kill(inner, SIGKILL); /* in the container: its init reaps it */
    kill(h.pid, SIGKILL);
    h.killed = h.pid;
    h.pid = 0;
    close(h.outfd);
    h.outfd = -1;
}

void hc_tick(void)
{
    if (!h.on || !h.running || hc_timeout_ms() != 0)
        return;
    if (h.pid == 0) {
        /* paused (rbox pause): no exec can run; the check waits for the next interval */
        struct ctr_state st;
        if (ctr_state_read(h.ctrfd, &st) == 0 && st.status == CS_PAUSED)
            h.due = now_ns_monotonic() + (uint64_t)h.interval_ns;
        else
            start_check();
        return;
    }
    kill_check();
    h.cur.end_ns = now_ns_realtime();
    h.cur.exit_code = -1;
    char d[32];
    if (h.timeout_ns % 1000000000 == 0)
        snprintf(d, sizeof(d), "%llds", (long long)(h.timeout_ns / 1000000000));
    else
        snprintf(d, sizeof(d), "%lldms", (long long)(h.timeout_ns / 1000000));
    snprintf(h.cur.output, sizeof(h.cur.output), "Health check exceeded timeout (%s)", d);
    record();
}

bool hc_reaped(pid_t pid, int status)
{
    if (pid == h.killed && pid > 0) {
        h.killed = 0;
        return true;
    }
    if (pid != h.pid || pid <= 0)
        return false;
    h.pid = 0;
    h.cur.end_ns = now_ns_realtime();
    ssize_t n = pread(h.outfd, h.cur.output, HEALTH_OUTPUT_MAX, 0);
    h.cur.output[n > 0 ? n : 0] = '\0';
    close(h.outfd);
    h.outfd = -1;
    h.cur.exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                      : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                            : -1;
    /* the runtime could not start the command: its reason is the output (docker: -1) */
    char msg[512];
    int errnum;
    if (h.cur.exit_code == 255 && rt_error_log(h.logpath, msg, sizeof(msg), &errnum) == 0) {
        h.cur.exit_code = -1;
        snprintf(h.cur.output, sizeof(h.cur.output), "%s", msg);
    }
    record();
    return true;
}

void hc_request(struct srv *s, int i)
{
    h.srv = s;
    if (!h.on || !h.running) {
        char msg[32];
        int len =
            snprintf(msg, sizeof(msg), "%c-2 %s", MSG_HEALTH_ANSWER, h.on ? "stopped" : "none");
        srv_send(s, i, msg, (size_t)len);
        return;
    }
    h.waiter_fd[i] = s->c[i].fd;
    if (h.pid == 0)
        start_check();
}

void hc_stopped(void)
{
    if (!h.on || !h.running)
        return;
    h.running = false;
    if (h.pid > 0)
        kill_check();
    answer_waiters(-2);
}
