/* events.c - rbox-runtime events: resource statistics and OOM notifications as JSON lines
 * ({"type":"stats","id":ID,"data":{...}} and {"type":"oom","id":ID}), in runc's shape. */
#define _GNU_SOURCE
#include "cli.h"
#include "json.h"
#include "pidfd.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char usage[] =
    "Usage: rbox-runtime events [flags] ID\n"
    "\n"
    "Print the container's events as JSON lines: a {\"type\":\"stats\"} event at once and then\n"
    "every interval, and an {\"type\":\"oom\"} event whenever the container's memory cgroup\n"
    "runs out of memory. Ends when the container stops.\n"
    "\n"
    "The stats data uses runc's field names (cpu, cpuset, memory, pids, blkio, hugetlb), plus\n"
    "memory.oom_kill: how many processes the OOM killer has killed in the container.\n"
    "\n"
    "Flags:\n"
    "  --stats            print the statistics once and exit (also for a stopped container,\n"
    "                     until it is deleted)\n"
    "  --interval DURATION  time between stats events (Go syntax: 5s, 500ms, 1m; default 5s)\n";

enum { E_STATS = 1, E_INTERVAL };
static const struct cli_opt flags[] = {
    { "stats", 0, false, E_STATS },
    { "interval", 0, true, E_INTERVAL },
    { NULL, 0, false, 0 },
};

/* Go's time.ParseDuration, for positive values: "1h2m3.5s", "250ms", "10us". */
static int parse_duration(const char *s, uint64_t *ns, rbox_err **err)
{
    static const struct {
        const char *unit;
        double ns;
    } units[] = { { "ns", 1 },  { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
                  { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 } };
    double total = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        double v = (*p >= '0' && *p <= '9') || *p == '.' ? strtod(p, &end) : -1;
        if (v < 0 || errno != 0 || end == p)
            goto bad;
        size_t best = 0;
        int idx = -1;
        for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
            size_t l = strlen(units[i].unit);
            if (strncmp(end, units[i].unit, l) == 0 && l > best) {
                best = l;
                idx = (int)i;
            }
        }
        if (idx < 0)
            goto bad;
        total += v * units[idx].ns;
        p = end + best;
    }
    if (total < 1 || total > 1e18)
        goto bad;
    *ns = (uint64_t)total;
    return 0;
bad:
    return rbox_error(err, 0,
                      "events: --interval: invalid duration \"%s\" (a positive Go duration such as "
                      "5s, 500ms or 1m)",
                      s);
}

static void print_event(const char *type, const char *id, struct cgroup *cg)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "type", type);
    jw_kstr(&w, "id", id);
    if (cg) {
        jw_key(&w, "data");
        if (cgroup_stats_json(cg, &w, NULL) < 0)
            jw_null(&w);
    }
    jw_obj_close(&w);
    printf("%s\n", jw_text(&w, NULL));
    fflush(stdout);
    jw_free(&w);
}

static int print_oom_events(struct cg_oom_watch *ow, const char *id)
{
    int n = cgroup_oom_watch_read(ow);
    for (int i = 0; i < n; i++)
        print_event("oom", id, NULL);
    return n;
}

/* The stream: stats now and every interval, oom events as they come, until the init exits. */
static int stream(struct rbox_state *st, uint64_t interval, rbox_err **err)
{
    struct cg_oom_watch ow;
    if (cgroup_oom_watch_open(st->cgroup, &ow, err) < 0)
        return -1;
    _cleanup_close_ int pidfd = pidfd_open_verified(st->pid, st->pid_start);
    if (pidfd < 0) {
        cgroup_oom_watch_close(&ow);
        return rbox_error(err, 0, "container \"%s\" is not running", st->id);
    }
    uint64_t next = now_ns_monotonic();
    for (;;) {
        uint64_t now = now_ns_monotonic();
        if (now >= next) {
            print_event("stats", st->id, st->cgroup);
            next = now + interval;
        }
        struct pollfd fds[2] = { { .fd = pidfd, .events = POLLIN },
                                 { .fd = ow.fd, .events = POLLIN } };
        uint64_t wait_ms = (next - now_ns_monotonic() + 999999) / 1000000;
        int r = poll(fds, ow.fd >= 0 ? 2 : 1, wait_ms > 60000 ? 60000 : (int)wait_ms);
        if (r < 0 && errno != EINTR) {
            cgroup_oom_watch_close(&ow);
            return rbox_error(err, errno, "events: poll");
        }
        if (r > 0 && fds[1].revents & POLLIN)
            print_oom_events(&ow, st->id);
        if (r > 0 && fds[0].revents & POLLIN) {
            /* the container stopped: report an OOM that killed it, then end */
            print_oom_events(&ow, st->id);
            break;
        }
    }
    cgroup_oom_watch_close(&ow);
    return 0;
}

int cmd_events(const struct global_opts *g, int argc, char **argv)
{
    rbox_err *err = NULL;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "events" };
    const char *arg;
    bool stats = false;
    uint64_t interval = 5000000000ull;
    int id;
    while ((id = cli_next(&p, flags, &arg, &err)) != 0) {
        if (id == CLI_HELP)
            return cli_usage(usage);
        if (id < 0 || (id == E_INTERVAL && parse_duration(arg, &interval, &err) < 0))
            return cli_fail(err);
        if (id == E_STATS)
            stats = true;
    }
    if (cli_require_args(&p, 1, 1, "container ID", &err) < 0)
        return cli_fail(err);
    struct container_ref ref;
    if (container_ref_open(g->root, argv[p.i], false, &ref, &err) < 0)
        return cli_fail(err);
    int ret = 0;
    enum container_status status = state_status(ref.dirfd, ref.st);
    if (ref.st->cgroup == NULL) {
        ret = rbox_error(&err, 0, "container \"%s\" has no cgroup", ref.st->id);
    } else if (stats) {
        json_w w;
        jw_init(&w, false);
        jw_obj_open(&w);
        jw_kstr(&w, "type", "stats");
        jw_kstr(&w, "id", ref.st->id);
        jw_key(&w, "data");
        ret = cgroup_stats_json(ref.st->cgroup, &w, &err);
        jw_obj_close(&w);
        if (ret == 0)
            printf("%s\n", jw_text(&w, NULL));
        else
            rbox_error_prefix(&err, "container \"%s\"", ref.st->id);
        jw_free(&w);
    } else if (status == ST_STOPPED) {
        ret = rbox_error(&err, 0, "container \"%s\" is not running", ref.st->id);
    } else {
        ret = stream(ref.st, interval, &err);
    }
    container_ref_close(&ref);
    return ret < 0 ? cli_fail(err) : 0;
}
