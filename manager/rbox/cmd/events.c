/* events.c - rbox events: the store's event log (common/events.h) as docker events prints it:
 * past events from --since, new ones as they come until --until (or forever), filtered. */
#define _GNU_SOURCE
#include "events.h"
#include "cmdcore.h"
#include "format.h"
#include "json.h"
#include "mcli.h"
#include "timearg.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char events_usage[] =
    "Usage: rbox events [OPTIONS]\n"
    "\n"
    "Print events as they happen: containers (create, start, pause, unpause, kill, die, oom,\n"
    "stop, rename, destroy), networks (create, connect, disconnect, destroy) and volumes\n"
    "(create, destroy).\n"
    "Without --since only new events; without --until until interrupted.\n"
    "\n"
    "Options:\n"
    "      --since T          events since T: a timestamp (RFC 3339, Unix seconds) or a\n"
    "                         duration back from now (10m)\n"
    "      --until T          stop at T (the same forms); a past T prints and exits\n"
    "  -f, --filter K=V       container=NAME|ID, event=ACTION, image=REF, network=NAME|ID,\n"
    "                         type=container|network|volume, volume=NAME (repeatable: the same\n"
    "                         key ORed, different keys ANDed)\n"
    "      --format F         json (one object a line, docker's keys) or a Go template over\n"
    "                         .Type .Action .Actor.ID .Actor.Attributes .ID .Status .From\n"
    "                         .Time .TimeNano .Scope\n";

static const char *const filter_keys[] = { "container", "event",  "image", "network",
                                           "type",      "volume", NULL };

struct events_opts {
    struct fmt fm;
};

static bool key_matches(yajl_val ev, const char *key, const char *val)
{
    const char *type = json_get_str(ev, "Type"), *action = json_get_str(ev, "Action");
    yajl_val actor = json_get(ev, "Actor");
    const char *id = json_get_str(actor, "ID");
    const char *name = json_get_str(json_get(actor, "Attributes"), "name");
    if (str_eq(key, "type"))
        return str_eq(type, val);
    if (str_eq(key, "event")) /* docker: event=health_status matches every health_status: X */
        return str_eq(action, val) || (str_eq(val, "health_status") && action &&
                                       str_has_prefix(action, "health_status: "));
    if (str_eq(key, "image"))
        return str_eq(json_get_str(json_get(actor, "Attributes"), "image"), val);
    if (str_eq(key, "container") || str_eq(key, "network") || str_eq(key, "volume")) {
        if (!str_eq(type, key))
            return false;
        return str_eq(name, val) || str_eq(id, val) ||
               (id && strlen(val) >= 3 && str_has_prefix(id, val));
    }
    return false;
}

int events_filter_check(const char *kv, rbox_err **err)
{
    const char *eq = strchr(kv, '=');
    for (size_t k = 0; eq && filter_keys[k]; k++)
        if (strlen(filter_keys[k]) == (size_t)(eq - kv) &&
            strncmp(filter_keys[k], kv, (size_t)(eq - kv)) == 0)
            return 0;
    return rbox_error(err, 0,
                      "invalid filter \"%s\": use container=, event=, image=, network=, type= "
                      "or volume=",
                      kv);
}

static bool matches(yajl_val ev, char *const *filters)
{
    for (size_t k = 0; filter_keys[k]; k++) {
        bool given = false, any = false;
        size_t kl = strlen(filter_keys[k]);
        for (size_t i = 0; filters && filters[i]; i++)
            if (strncmp(filters[i], filter_keys[k], kl) == 0 && filters[i][kl] == '=') {
                given = true;
                any |= key_matches(ev, filter_keys[k], filters[i] + kl + 1);
            }
        if (given && !any)
            return false;
    }
    return true;
}

/* The template's document: Go's field names of docker's events.Message. */
static char *template_doc(yajl_val ev)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "Type", json_get_str(ev, "Type"));
    jw_kstr(&w, "Action", json_get_str(ev, "Action"));
    jw_kstr(&w, "Status", json_get_str(ev, "status"));
    jw_kstr(&w, "ID", json_get_str(ev, "id"));
    jw_kstr(&w, "From", json_get_str(ev, "from") ? json_get_str(ev, "from") : "");
    jw_kstr(&w, "Scope", "local");
    int64_t t = 0, tn = 0;
    json_get_i64(ev, "time", &t);
    json_get_i64(ev, "timeNano", &tn);
    jw_kint(&w, "Time", t);
    jw_kint(&w, "TimeNano", tn);
    jw_key(&w, "Actor");
    yajl_val actor = json_get(ev, "Actor");
    if (actor)
        jw_value(&w, actor);
    else
        jw_null(&w);
    jw_obj_close(&w);
    char *text = xstrdup(jw_text(&w, NULL));
    jw_free(&w);
    return text;
}

/* One line of the log: 1 passed on (or filtered out), 0 past until or stopped by emit, -1
 * emit's error. */
static int one_line(struct events_req *q, const char *line, rbox_err **err)
{
    _cleanup_yajl_ yajl_val ev = NULL;
    if (json_parse(line, "events.log", &ev, NULL) < 0)
        return 1; /* a line a crash cut short: skipped */
    int64_t tn = 0;
    json_get_i64(ev, "timeNano", &tn);
    if (tn < q->since)
        return 1;
    if (q->until && tn >= q->until)
        return 0;
    if (!matches(ev, q->filters))
        return 1;
    return q->emit(q->ud, line, ev, err);
}

/* rbox events' printer (events_req.emit). */
static int print_event(void *ud, const char *line, yajl_val ev, rbox_err **err)
{
    struct events_opts *o = ud;
    if (line == NULL)
        return 1;
    int64_t tn = 0;
    json_get_i64(ev, "timeNano", &tn);
    if (o->fm.kind == FMT_JSON) {
        printf("%s\n", line);
    } else if (o->fm.kind == FMT_TEMPLATE) {
        _cleanup_free_ char *doc = template_doc(ev);
        if (fmt_row_text(&o->fm, doc, err) < 0)
            return -1;
        fmt_print(&o->fm, stdout);
    } else {
        char ts[48];
        struct timespec t = { .tv_sec = tn / 1000000000, .tv_nsec = tn % 1000000000 };
        format_time_rfc3339(&t, ts, sizeof(ts));
        yajl_val actor = json_get(ev, "Actor");
        yajl_val attrs = json_get(actor, "Attributes");
        printf("%s %s %s %s", ts, json_get_str(ev, "Type") ? json_get_str(ev, "Type") : "",
               json_get_str(ev, "Action") ? json_get_str(ev, "Action") : "",
               json_get_str(actor, "ID") ? json_get_str(actor, "ID") : "");
        for (size_t i = 0; YAJL_IS_OBJECT(attrs) && i < attrs->u.object.len; i++)
            printf("%s%s=%s", i ? ", " : " (", attrs->u.object.keys[i],
                   YAJL_IS_STRING(attrs->u.object.values[i])
                       ? YAJL_GET_STRING(attrs->u.object.values[i])
                       : "");
        printf("%s\n", YAJL_IS_OBJECT(attrs) && attrs->u.object.len ? ")" : "");
    }
    fflush(stdout);
    return 1;
}

/* Every whole line of fd from *off on; *off moves past them. 0 at until, -1 on error. */
struct line_buf {
    char buf[65536];
    size_t have;
};

static int read_lines(struct events_req *q, struct line_buf *lb, int fd, off_t *off, rbox_err **err)
{
    char *buf = lb->buf;
    size_t have = lb->have;
    for (;;) {
        ssize_t n = pread(fd, buf + have, sizeof(lb->buf) - 1 - have, *off);
        if (n <= 0) {
            lb->have = have;
            return 1;
        }
        *off += n;
        have += (size_t)n;
        buf[have] = '\0';
        char *start = buf, *nl;
        while ((nl = strchr(start, '\n')) != NULL) {
            *nl = '\0';
            int r = one_line(q, start, err);
            if (r <= 0)
                return r;
            start = nl + 1;
        }
        have = (size_t)(buf + have - start);
        memmove(buf, start, have);
        if (have == sizeof(lb->buf) - 1)
            have = 0; /* a line longer than the buffer: dropped */
    }
}

int events_run(struct store *s, struct events_req *q, rbox_err **err)
{
    _cleanup_free_ struct line_buf *lb = xzalloc(sizeof(*lb));
    struct events_req copy = *q;
    q = &copy;
    _cleanup_free_ char *path = xasprintf("%s/%s", s->root, EVENTS_FILE);
    _cleanup_free_ char *old = xasprintf("%s.1", path);
    if (q->since) { /* the rotated file first: it holds the older events */
        _cleanup_close_ int ofd = open(old, O_RDONLY | O_CLOEXEC);
        off_t ooff = 0;
        int r = ofd >= 0 ? read_lines(q, lb, ofd, &ooff, err) : 1;
        if (r <= 0)
            return r;
    }
    int fd = -1;
    off_t off = 0;
    ino_t ino = 0;
    for (;;) {
        struct stat st;
        if (fd < 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
            fstat(fd, &st);
            ino = st.st_ino;
            off = 0;
            if (!q->since && !q->until) /* only new events */
                off = st.st_size;
        }
        if (fd >= 0) {
            int r = read_lines(q, lb, fd, &off, err);
            if (r <= 0) {
                close(fd);
                return r;
            }
            /* renamed to events.log.1 meanwhile: what is left there, then the new file */
            if (stat(path, &st) == 0 && st.st_ino != ino) {
                r = read_lines(q, lb, fd, &off, err);
                close(fd);
                fd = -1;
                if (r <= 0)
                    return r;
                q->since = q->since ? q->since : 1; /* read the new file from its start */
                continue;
            }
        }
        if (q->until && now_ns_realtime() >= q->until) {
            if (fd >= 0)
                close(fd);
            return 0;
        }
        int r = q->emit(q->ud, NULL, NULL, err);
        if (r <= 0) {
            if (fd >= 0)
                close(fd);
            return r;
        }
        usleep(100000);
    }
}

int cmd_events(struct cmd_ctx *c, int argc, char **argv)
{
    enum { O_SINCE = 1, O_UNTIL, O_FILTER, O_FORMAT };
    static const struct mopt opts[] = { { "since", 0, true, O_SINCE },
                                        { "until", 0, true, O_UNTIL },
                                        { "filter", 'f', true, O_FILTER },
                                        { "format", 0, true, O_FORMAT },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox events", .interspersed = true
    };
    rbox_err *err = NULL;
    struct events_opts o = { 0 };
    struct events_req q = { .emit = print_event, .ud = &o };
    _cleanup_strv_ char **filters = xcalloc(1, sizeof(char *));
    size_t nf = 0;
    const char *format = NULL, *arg;
    int id, r = 0;
    while (r == 0 && (id = margs_next(&p, opts, &arg, &err)) != 0) {
        if (id == MOPT_HELP || id < 0) {
            r = id;
            break;
        }
        if (id == O_SINCE)
            r = time_arg_parse(arg, "--since", &q.since, &err);
        else if (id == O_UNTIL)
            r = time_arg_parse(arg, "--until", &q.until, &err);
        else if (id == O_FORMAT)
            format = arg;
        else {
            r = events_filter_check(arg, &err);
            strv_push(&filters, &nf, xstrdup(arg));
        }
    }
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments", &err);
    margs_free(&p);
    if (r == 0)
        r = fmt_init(&o.fm, format, NULL, &err);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(events_usage) : cmd_fail(err);
    q.filters = filters;
    r = events_run(c->s, &q, &err);
    fmt_clear(&o.fm);
    return r < 0 ? cmd_fail(err) : 0;
}
