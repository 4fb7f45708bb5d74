/* ps.c - rbox ps and rbox inspect. */
#define _GNU_SOURCE
#include "cmdcore.h"
#include "ctr.h"
#include "du.h"
#include "image.h"
#include "format.h"
#include "netsetup.h"
#include "ps_filter.h"
#include "pscache.h"
#include "restart.h"
#include "salvage.h"
#include "json.h"
#include "mcli.h"
#include "proto.h"
#include "util.h"
#include "width.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* docker's human durations: "Less than a second", "5 seconds", "About a minute", ... */
void human_duration(int64_t ns, char *buf, size_t len);
void human_duration(int64_t ns, char *buf, size_t len)
{
    int64_t s = ns / 1000000000;
    int64_t m = s / 60, h = m / 60, d = h / 24;
    if (s < 1)
        snprintf(buf, len, "Less than a second");
    else if (s == 1)
        snprintf(buf, len, "1 second");
    else if (s < 60)
        snprintf(buf, len, "%lld seconds", (long long)s);
    else if (m == 1)
        snprintf(buf, len, "About a minute");
    else if (m < 60)
        snprintf(buf, len, "%lld minutes", (long long)m);
    else if (h == 1)
        snprintf(buf, len, "About an hour");
    else if (h < 48)
        snprintf(buf, len, "%lld hours", (long long)h);
    else if (d < 14)
        snprintf(buf, len, "%lld days", (long long)d);
    else if (d < 90)
        snprintf(buf, len, "%lld weeks", (long long)(d / 7));
    else if (d < 730)
        snprintf(buf, len, "%lld months", (long long)(d / 30));
    else
        snprintf(buf, len, "%lld years", (long long)(d / 365));
}

/* ps's STATUS ("Up 5 minutes (Paused)", "Exited (3) 2 hours ago"); system df -v too */
void status_text(const struct ctr_state *st, int64_t now, char *buf, size_t len);
void status_text(const struct ctr_state *st, int64_t now, char *buf, size_t len)
{
    char dur[64];
    switch (st->status) {
    case CS_CREATED: snprintf(buf, len, "Created"); break;
    case CS_RUNNING:
    case CS_PAUSED:
        human_duration(now - st->started_ns, dur, sizeof(dur));
        snprintf(buf, len, "Up %s%s", dur, st->status == CS_PAUSED ? " (Paused)" : "");
        break;
    case CS_EXITED:
        human_duration(now - st->finished_ns, dur, sizeof(dur));
        snprintf(buf, len, "%s (%d) %s ago", ctr_restarting(st) ? "Restarting" : "Exited",
                 st->exit_code, dur);
        break;
    default: snprintf(buf, len, "Dead"); break;
    }
}

static void rfc3339(int64_t ns, char *buf, size_t len)
{
    if (ns == 0) {
        snprintf(buf, len, "0001-01-01T00:00:00Z");
        return;
    }
    struct timespec t = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
    format_time_rfc3339(&t, buf, len);
}

/* Every container's state; lock-free unless one needs reconciling. */
static int load_all(struct store *s, bool all, struct ctr_state **out, size_t *n, rbox_err **err)
{
    _cleanup_strv_ char **ids = NULL;
    size_t nids = 0;
    if (ctr_list_ids(s, &ids, &nids, err) < 0)
        return -1;
    /* grown as needed: fresh pages are faulted in only for containers that are listed */
    struct ctr_state *v = NULL, st;
    size_t k = 0, cap = 0;
    struct ps_cache pc; /* pscache.c: a stat per unchanged container instead of a read */
    psc_open(&pc, s);
    for (size_t i = 0; i < nids; i++) {
        /* no state: being created or removed, or left half-made by a kill (salvaged as dead) */
        if (psc_read(&pc, s, ids[i], &st) < 0 &&
            (ctr_salvage(s, ids[i]) < 0 || psc_read(&pc, s, ids[i], &st) < 0))
            continue;
        if (ctr_needs_reconcile(s, &st) && ctr_read(s, ids[i], &st, NULL) < 0)
            continue;
        if (!all && st.status != CS_RUNNING && st.status != CS_PAUSED)
            continue;
        if (k == cap)
            v = xrealloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));
        v[k++] = st;
    }
    psc_close(&pc, s);
    *out = v;
    *n = k;
    return 0;
}

static int by_created_desc(const void *a, const void *b)
{
    const struct ctr_state *x = a, *y = b;
    return x->created_ns < y->created_ns ? 1 : x->created_ns > y->created_ns ? -1 : 0;
}

static const char ps_usage[] =
    "Usage: rbox ps [OPTIONS]\n"
    "\n"
    "List containers (running ones unless --all), newest first.\n"
    "\n"
    "Options:\n"
    "  -a, --all               show every container\n"
    "  -f, --filter KEY=VALUE  only the containers it matches (repeatable: values of one key\n"
    "                          are ORed, keys ANDed): id=, name= (a regular expression),\n"
    "                          label=KEY or KEY=VALUE (every label must match),\n"
    "                          status=created|restarting|running|paused|exited|dead\n"
    "                          (implies --all),\n"
    "                          exited=CODE, ancestor=IMAGE, before=CONTAINER,\n"
    "                          since=CONTAINER, volume=NAME|SOURCE|DESTINATION,\n"
    "                          health=starting|healthy|unhealthy|none\n"
    "  -n, --last N            the N newest containers (implies --all)\n"
    "  -l, --latest            the newest container (implies --all)\n"
    "  -s, --size              a SIZE column: the container's own files (its overlay upper\n"
    "                          dir) and, as virtual, those plus its image\n"
    "  -q, --quiet             only IDs\n"
    "      --format FORMAT     table (default), json (one object per line), a Go template\n"
    "                          over those objects ('{{.Names}} {{.Status}}'), or\n"
    "                          'table TEMPLATE' with \\t between columns; fields: .ID\n"
    "                          .Names .Image .ImageID .Command .CreatedAt .RunningFor\n"
    "                          .State .Status .ExitCode .Pid .Ports .Labels .Mounts\n"
    "      --no-trunc          do not shorten IDs and commands\n";

/* docker's column titles of ps --format 'table ...' */
static const char *const ps_headers[] = {
    "ID",         "CONTAINER ID", "Image",   "IMAGE",    "Command",  "COMMAND", "CreatedAt",
    "CREATED AT", "RunningFor",   "CREATED", "Ports",    "PORTS",    "State",   "STATE",
    "Status",     "STATUS",       "Size",    "SIZE",     "Names",    "NAMES",   "Labels",
    "LABELS",     "Mounts",       "MOUNTS",  "Networks", "NETWORKS", "ImageID", "IMAGE ID",
    "ExitCode",   "EXIT CODE",    "Pid",     "PID",      NULL
};

/* ps -s: docker's "0B (virtual 1.23MB)" for each container (NULL without -s). */
static char **ps_sizes(struct store *s, const struct ctr_state *v, size_t n)
{
    char **out = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *diff = ctr_path(s, v[i].id, "diff");
        uint64_t rw = dir_usage(diff), img_size = 0;
        struct image img;
        if (image_load(s, v[i].image_id, &img, NULL) == 0) {
            img_size = img.size;
            image_clear(&img);
        }
        char a[32], b[32];
        human_size(rw, 3, a, sizeof(a));
        human_size(rw + img_size, 3, b, sizeof(b));
        out[i] = xasprintf("%s (virtual %s)", a, b);
    }
    return out;
}

static bool is_up(const struct ctr_state *st)
{
    return st->status == CS_RUNNING || st->status == CS_PAUSED;
}

/* STATUS with docker's health suffix: "Up 3 seconds (healthy)", "(health: starting)". */
static void ps_status(const struct store *s, const struct ctr_state *st, int64_t now, char *buf,
                      size_t len)
{
    status_text(st, now, buf, len);
    char h[16] = "";
    if (st->status == CS_RUNNING) {
        _cleanup_close_ int fd = ctr_open_dir(s, st->id, NULL);
        if (fd >= 0)
            health_status(fd, h, sizeof(h));
    }
    size_t n = strlen(buf);
    if (h[0])
        snprintf(buf + n, len - n, str_eq(h, "starting") ? " (health: %s)" : " (%s)", h);
}

static void print_table(const struct store *s, struct ctr_state *v, size_t n, bool no_trunc,
                        char **sizes)
{
    int64_t now = now_ns_realtime();
    enum { C_ID, C_IMAGE, C_CMD, C_CREATED, C_STATUS, C_PORTS, C_NAMES, C_SIZE, NALL };
    static const char *const head[NALL] = { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
                                            "STATUS",       "PORTS", "NAMES",   "SIZE" };
    const int ncol = sizes ? NALL : C_SIZE;
    char *(*cells)[NALL] = xcalloc(n + 1, sizeof(*cells));
    size_t w[NALL];
    for (int c = 0; c < ncol; c++)
        w[c] = strlen(head[c]);
    for (size_t i = 0; i < n; i++) {
        char buf[128], dur[64];
        cells[i][C_ID] = xstrndup(v[i].id, no_trunc ? ID_LEN : 12);
        cells[i][C_IMAGE] = xstrdup(v[i].image);
        size_t cl = strlen(v[i].command);
        if (!no_trunc && u8_width(v[i].command, cl) > 20) /* docker's Ellipsis: 20 columns */
            cells[i][C_CMD] =
                xasprintf("\"%.*s…\"", (int)u8_prefix(v[i].command, cl, 19), v[i].command);
        else
            cells[i][C_CMD] = xasprintf("\"%s\"", v[i].command);
        human_duration(now - v[i].created_ns, dur, sizeof(dur));
        cells[i][C_CREATED] = xasprintf("%s ago", dur);
        ps_status(s, &v[i], now, buf, sizeof(buf));
        cells[i][C_STATUS] = xstrdup(buf);
        cells[i][C_PORTS] = is_up(&v[i]) ? net_ports_text(s, v[i].id) : xstrdup("");
        cells[i][C_NAMES] = xstrdup(v[i].name);
        cells[i][C_SIZE] = sizes ? xstrdup(sizes[i]) : NULL;
        for (int c = 0; c < ncol; c++) {
            size_t len = u8_width(cells[i][c], strlen(cells[i][c]));
            if (len > w[c])
                w[c] = len;
        }
    }
    for (int c = 0; c < ncol - 1; c++)
        printf("%-*s   ", (int)w[c], head[c]);
    printf("%s\n", head[ncol - 1]);
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < ncol; c++) {
            if (c == ncol - 1) {
                printf("%s\n", cells[i][c]);
            } else {
                u8_pad(stdout, cells[i][c], w[c]);
                fputs("   ", stdout);
            }
            free(cells[i][c]);
        }
    }
    free(cells);
}

/* docker's ps .Labels ("k=v,k2=v2") and .Mounts (volume names and bind sources, comma-joined). */
static void row_labels_mounts(const struct store *s, const char *id, char **labels, char **mounts)
{
    _cleanup_close_ int fd = ctr_open_dir(s, id, NULL);
    struct ctr_spec sp;
    *labels = xstrdup("");
    *mounts = xstrdup("");
    if (fd < 0 || spec_load(fd, &sp, NULL) < 0)
        return;
    for (size_t i = 0; sp.rf.labels && sp.rf.labels[i]; i++) {
        char *next = xasprintf("%s%s%s", *labels, i ? "," : "", sp.rf.labels[i]);
        free(*labels);
        *labels = next;
    }
    for (size_t i = 0, k = 0; i < sp.sbx.n_mounts; i++) {
        if (sp.sbx.mounts[i].type == SBX_TMPFS)
            continue;
        char *next = xasprintf("%s%s%s", *mounts, k++ ? "," : "", sp.sbx.mounts[i].source);
        free(*mounts);
        *mounts = next;
    }
    spec_clear(&sp);
}

/* The rows of --format json and of templates (docker's keys, and rbox's numbers). */
static int print_rows(const struct store *s, struct ctr_state *v, size_t n, struct fmt *f,
                      bool no_trunc, char **sizes, rbox_err **err)
{
    int64_t now = now_ns_realtime();
    for (size_t i = 0; i < n; i++) {
        json_w w;
        char buf[128], dur[64];
        jw_init(&w, false);
        jw_obj_open(&w);
        char id[ID_LEN + 1];
        snprintf(id, sizeof(id), "%.*s", no_trunc ? ID_LEN : 12, v[i].id);
        jw_kstr(&w, "ID", id);
        jw_kstr(&w, "Names", v[i].name);
        jw_kstr(&w, "Image", v[i].image);
        jw_kstr(&w, "ImageID", v[i].image_id);
        jw_kstr(&w, "Command", v[i].command);
        rfc3339(v[i].created_ns, buf, sizeof(buf));
        jw_kstr(&w, "CreatedAt", buf);
        human_duration(now - v[i].created_ns, dur, sizeof(dur));
        snprintf(buf, sizeof(buf), "%s ago", dur);
        jw_kstr(&w, "RunningFor", buf);
        jw_kstr(&w, "State", ctr_state_name(&v[i]));
        ps_status(s, &v[i], now, buf, sizeof(buf));
        jw_kstr(&w, "Status", buf);
        jw_kint(&w, "ExitCode", v[i].exit_code);
        jw_kint(&w, "Pid", v[i].status == CS_RUNNING || v[i].status == CS_PAUSED ? v[i].pid : 0);
        _cleanup_free_ char *ports = is_up(&v[i]) ? net_ports_text(s, v[i].id) : xstrdup("");
        jw_kstr(&w, "Ports", ports);
        _cleanup_free_ char *labels = NULL, *mounts = NULL;
        row_labels_mounts(s, v[i].id, &labels, &mounts);
        jw_kstr(&w, "Labels", labels);
        jw_kstr(&w, "Mounts", mounts);
        jw_kstr(&w, "Size", sizes ? sizes[i] : "0B");
        jw_obj_close(&w);
        int r = 0;
        if (f->kind == FMT_JSON)
            printf("%s\n", jw_text(&w, NULL));
        else
            r = fmt_row_text(f, jw_text(&w, NULL), err);
        jw_free(&w);
        if (r < 0)
            return -1;
    }
    return 0;
}

/* ps's flags (the booleans and the values). */
struct ps_opts {
    bool all, quiet, no_trunc, size;
    int last; /* -n; -1: all */
    const char *format;
    struct ps_filter filter;
};

static int ps_flags(struct margs *p, struct ps_opts *o, rbox_err **err)
{
    enum { O_ALL = 1, O_QUIET, O_FORMAT, O_NOTRUNC, O_FILTER, O_LAST, O_LATEST, O_SIZE };
    static const struct mopt opts[] = { { "all", 'a', false, O_ALL },
                                        { "quiet", 'q', false, O_QUIET },
                                        { "format", 0, true, O_FORMAT },
                                        { "no-trunc", 0, false, O_NOTRUNC },
                                        { "filter", 'f', true, O_FILTER },
                                        { "last", 'n', true, O_LAST },
                                        { "latest", 'l', false, O_LATEST },
                                        { "size", 's', false, O_SIZE },
                                        { NULL, 0, false, 0 } };
    const char *arg;
    int id;
    while ((id = margs_next(p, opts, &arg, err)) != 0) {
        if (id == MOPT_HELP || id < 0)
            return id;
        if (id == O_ALL)
            o->all = true;
        else if (id == O_QUIET)
            o->quiet = true;
        else if (id == O_NOTRUNC)
            o->no_trunc = true;
        else if (id == O_SIZE)
            o->size = true;
        else if (id == O_LATEST)
            o->last = 1;
        else if (id == O_FORMAT)
            o->format = arg;
        else if (id == O_FILTER && psf_add(&o->filter, arg, err) < 0)
            return -1;
        else if (id == O_LAST && (parse_int(arg, &o->last) < 0 || o->last < -1))
            return rbox_error(err, 0, "invalid value \"%s\" for --last: expected a number", arg);
    }
    /* docker: a template that shows .Size computes it */
    if (o->format && strstr(o->format, ".Size"))
        o->size = true;
    return margs_require(p, 0, 0, "no arguments", err);
}

/* Keep the containers the filters match, at most --last of them (newest first already). */
static void ps_select(struct store *s, struct ps_opts *o, struct ctr_state *v, size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < *n && (o->last <= 0 || k < (size_t)o->last); i++)
        if (psf_match(&o->filter, s, &v[i]))
            v[k++] = v[i];
    *n = k;
}

int cmd_ps(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = { .argc = argc, .argv = argv, .i = 1, .cmd = "rbox ps", .interspersed = true };
    rbox_err *err = NULL;
    struct ps_opts o = { .last = -1 };
    int r = ps_flags(&p, &o, &err);
    margs_free(&p);
    struct fmt f;
    if (r == 0)
        r = fmt_init(&f, o.format, ps_headers, &err);
    if (r == 0 && psf_prepare(&o.filter, c->s, &err) < 0) {
        fmt_clear(&f);
        r = -1;
    }
    if (r != 0) {
        psf_clear(&o.filter);
        return r == MOPT_HELP ? cmd_help(ps_usage) : cmd_fail(err);
    }
    struct ctr_state *v = NULL;
    size_t n = 0;
    bool all = o.all || o.last != -1 || psf_implies_all(&o.filter);
    if (load_all(c->s, all, &v, &n, &err) < 0) {
        fmt_clear(&f);
        psf_clear(&o.filter);
        return cmd_fail(err);
    }
    if (n > 1) /* qsort(NULL, 0, ...) is undefined (UBSan) */
        qsort(v, n, sizeof(*v), by_created_desc);
    ps_select(c->s, &o, v, &n);
    _cleanup_strv_ char **sizes = o.size && !o.quiet ? ps_sizes(c->s, v, n) : NULL;
    if (o.quiet)
        for (size_t i = 0; i < n; i++)
            printf("%.*s\n", o.no_trunc ? ID_LEN : 12, v[i].id);
    else if (f.kind != FMT_DEFAULT && print_rows(c->s, v, n, &f, o.no_trunc, sizes, &err) < 0)
        r = -1;
    else if (f.kind == FMT_DEFAULT)
        print_table(c->s, v, n, o.no_trunc, sizes);
    if (r == 0)
        fmt_print(&f, stdout);
    fmt_clear(&f);
    psf_clear(&o.filter);
    free(v);
    return r < 0 ? cmd_fail(err) : 0;
}

/* ---- inspect ---- */

static const char inspect_usage[] =
    "Usage: rbox inspect [OPTIONS] CONTAINER [CONTAINER...]\n"
    "\n"
    "Print a JSON array describing containers: configuration, state, limits, mounts and\n"
    "paths.\n"
    "\n"
    "Options:\n"
    "  -f, --format FORMAT   json (default), or a Go template run over each container's\n"
    "                        object, one line each: '{{.State.Status}}', '{{json .Config}}'\n";

static void inspect_state(json_w *w, const struct ctr_state *st, int ctrfd)
{
    char buf[48];
    bool running = st->status == CS_RUNNING || st->status == CS_PAUSED;
    jw_key(w, "State");
    jw_obj_open(w);
    jw_kstr(w, "Status", ctr_state_name(st));
    jw_kbool(w, "Running", running);
    jw_kbool(w, "Paused", st->status == CS_PAUSED);
    jw_kbool(w, "Restarting", ctr_restarting(st));
    jw_kbool(w, "Dead", st->status == CS_DEAD);
    jw_kbool(w, "OOMKilled", st->oom_killed);
    jw_kint(w, "Pid", running ? st->pid : 0);
    jw_kint(w, "ExitCode", st->exit_code);
    jw_kint(w, "ExitSignal", st->exit_signal);
    jw_kstr(w, "Error", st->error);
    rfc3339(st->started_ns, buf, sizeof(buf));
    jw_kstr(w, "StartedAt", buf);
    rfc3339(st->finished_ns, buf, sizeof(buf));
    jw_kstr(w, "FinishedAt", buf);
    jw_kint(w, "MonitorPid", st->monitor_pid);
    sbx_inspect_report(w, ctrfd);   /* the verdict of the last run (--report) */
    health_inspect_state(w, ctrfd); /* State.Health with a health check */
    jw_obj_close(w);
}

static void inspect_host_config(json_w *w, const struct ctr_spec *sp)
{
    jw_key(w, "HostConfig");
    jw_obj_open(w);
    jw_kint(w, "Memory", sp->memory);
    jw_kint(w, "NanoCpus", sp->nano_cpus);
    jw_kint(w, "CpuQuota", sp->nano_cpus ? sp->nano_cpus * 100000 / 1000000000 : 0);
    jw_kint(w, "CpuPeriod", sp->nano_cpus ? 100000 : 0);
    jw_kint(w, "PidsLimit", sp->pids_limit);
    jw_kbool(w, "ReadonlyRootfs", sp->read_only);
    jw_kstrv(w, "CapAdd", sp->cap_add);
    jw_kstrv(w, "CapDrop", sp->cap_drop);
    net_inspect_host_config(w, sp);
    ns_flags_inspect(w, &sp->ns);
    log_opts_inspect(w, &sp->log);
    jw_kbool(w, "AutoRemove", sp->auto_remove);
    jw_kstr(w, "CgroupParent", sp->cgroup_parent);
    sbx_inspect_host_config(w, &sp->sbx);
    rf_inspect_host_config(w, &sp->rf, sp->memory);
    blkio_inspect(w, &sp->blkio);
    jw_obj_close(w);
}

static void inspect_paths(json_w *w, struct store *s, const struct ctr_spec *sp)
{
    _cleanup_free_ char *dir = ctr_path(s, sp->id, NULL);
    _cleanup_free_ char *run = ctr_run_path(s, sp->id, NULL);
    struct image img;
    _cleanup_free_ char *lower =
        image_load(s, sp->image_id, &img, NULL) == 0 ? image_lower_dirs(s, &img) : xstrdup("");
    image_clear(&img);
    jw_key(w, "LogPath");
    _cleanup_free_ char *log = xasprintf("%s/ctr.log", dir);
    jw_str(w, log);
    jw_key(w, "Paths");
    jw_obj_open(w);
    jw_kstr(w, "Dir", dir);
    _cleanup_free_ char *bundle = xasprintf("%s/bundle", dir);
    jw_kstr(w, "Bundle", bundle);
    jw_kstr(w, "Log", log);
    jw_kstr(w, "RunDir", run);
    _cleanup_free_ char *sock = xasprintf("%s/%s", run, ATTACH_SOCKET);
    jw_kstr(w, "AttachSocket", sock);
    jw_obj_close(w);
    jw_key(w, "GraphDriver");
    jw_obj_open(w);
    jw_kstr(w, "Name", "overlay");
    jw_key(w, "Data");
    jw_obj_open(w);
    jw_kstr(w, "LowerDir", lower);
    _cleanup_free_ char *upper = xasprintf("%s/diff", dir);
    _cleanup_free_ char *work = xasprintf("%s/work", dir);
    _cleanup_free_ char *merged = xasprintf("%s/rootfs", run);
    jw_kstr(w, "UpperDir", upper);
    jw_kstr(w, "WorkDir", work);
    jw_kstr(w, "MergedDir", merged);
    jw_obj_close(w);
    jw_obj_close(w);
    jw_key(w, "Mounts");
    jw_arr_open(w);
    static const char *const files[] = { "hostname", "hosts", "resolv.conf" };
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        _cleanup_free_ char *src = xasprintf("%s/%s", dir, files[i]);
        _cleanup_free_ char *dst = xasprintf("/etc/%s", files[i]);
        jw_obj_open(w);
        jw_kstr(w, "Type", "bind");
        jw_kstr(w, "Source", src);
        jw_kstr(w, "Destination", dst);
        jw_kbool(w, "RW", true);
        jw_obj_close(w);
    }
    sbx_inspect_mounts(w, s, &sp->sbx);
    jw_arr_close(w);
}

/* process.env of the generated bundle: what the container really gets. */
static void inspect_env(json_w *w, int ctrfd)
{
    _cleanup_free_ char *text = NULL;
    yajl_val v = NULL;
    jw_key(w, "Env");
    if (read_file_at(ctrfd, "bundle/config.json", &text, NULL) < 0 ||
        json_parse(text, "bundle", &v, NULL) < 0) {
        jw_null(w);
        return;
    }
    jw_value(w, json_get(json_get(v, "process"), "env"));
    yajl_tree_free(v);
}

static int inspect_one(struct store *s, const char *id, json_w *w, rbox_err **err)
{
    struct ctr_state st;
    struct ctr_spec sp;
    if (ctr_read(s, id, &st, err) < 0)
        return -1;
    _cleanup_close_ int fd = ctr_open_dir(s, id, err);
    if (fd < 0)
        return -1;
    if (spec_load(fd, &sp, err) < 0) {
        if (st.status != CS_DEAD)
            return -1;
        /* a removal killed half-way took config.json: show what the state knows */
        rbox_err_free(*err);
        *err = NULL;
        memset(&sp, 0, sizeof(sp));
    }
    char buf[48];
    _cleanup_strv_ char **args = spec_args(&sp);
    jw_obj_open(w);
    jw_kstr(w, "Id", st.id);
    rfc3339(st.created_ns, buf, sizeof(buf));
    jw_kstr(w, "Created", buf);
    jw_kstr(w, "Path", args[0]);
    jw_kstrv(w, "Args", args[0] ? args + 1 : args);
    inspect_state(w, &st, fd);
    _cleanup_free_ char *img = xasprintf("sha256:%s", st.image_id);
    jw_kstr(w, "Image", img);
    jw_kstr(w, "ImageName", st.image);
    _cleanup_free_ char *name = xasprintf("/%s", st.name);
    jw_kstr(w, "Name", name);
    jw_kint(w, "RestartCount", st.restart_count);
    inspect_paths(w, s, &sp);
    jw_key(w, "Config");
    jw_obj_open(w);
    char shortid[13];
    ctr_copy(shortid, sizeof(shortid), st.id);
    jw_kstr(w, "Hostname", sp.hostname ? sp.hostname : shortid);
    jw_kstr(w, "User", sp.user ? sp.user : "");
    inspect_env(w, fd);
    jw_kstrv(w, "Cmd", sp.cmd);
    jw_kstrv(w, "Entrypoint", sp.entrypoint);
    jw_kstr(w, "WorkingDir", sp.workdir ? sp.workdir : "/");
    jw_kstr(w, "Image", sp.image);
    jw_kstr(w, "StopSignal", sp.stop_signal);
    jw_kint(w, "StopTimeout", sp.stop_timeout);
    jw_kbool(w, "Tty", sp.tty);
    jw_kbool(w, "OpenStdin", sp.open_stdin);
    jw_kbool(w, "StdinOnce", sp.stdin_once);
    rf_inspect_config(w, &sp.rf);
    health_inspect_config(w, &sp.health);
    jw_obj_close(w);
    inspect_host_config(w, &sp);
    net_inspect_json(s, w, &sp, st.status == CS_RUNNING || st.status == CS_PAUSED);
    jw_obj_close(w);
    spec_clear(&sp);
    return 0;
}

/* inspect -f TEMPLATE: one line per container; a failing template prints nothing */
static int inspect_template(struct cmd_ctx *c, struct margs *p, struct fmt *f)
{
    rbox_err *err = NULL;
    int ret = 0;
    for (int k = 0; k < margs_count(p); k++) {
        char cid[ID_LEN + 1];
        json_w w;
        jw_init(&w, false);
        int r = ctr_resolve(c->s, margs_at(p, k), cid, &err);
        if (r == 0)
            r = inspect_one(c->s, cid, &w, &err);
        if (r == 0 && fmt_row_text(f, jw_text(&w, NULL), &err) < 0) {
            jw_free(&w);
            fmt_clear(f);
            margs_free(p);
            return cmd_fail(err);
        }
        jw_free(&w);
        if (r < 0) {
            ret = cmd_fail(err);
            err = NULL;
        }
    }
    fmt_print(f, stdout);
    fmt_clear(f);
    margs_free(p);
    return ret;
}

int cmd_inspect(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox inspect", .interspersed = true
    };
    static const struct mopt opts[] = { { "format", 'f', true, 1 }, { NULL, 0, false, 0 } };
    rbox_err *err = NULL;
    const char *arg, *format = NULL;
    int id;
    while ((id = margs_next(&p, opts, &arg, &err)) > 0)
        format = arg;
    if (id != 0) {
        margs_free(&p);
        return id == MOPT_HELP ? cmd_help(inspect_usage) : cmd_fail(err);
    }
    struct fmt f;
    if (margs_require(&p, 1, -1, "at least one CONTAINER", &err) < 0 ||
        fmt_init(&f, format, NULL, &err) < 0) {
        margs_free(&p);
        return cmd_fail(err);
    }
    if (f.kind == FMT_TEMPLATE)
        return inspect_template(c, &p, &f);
    fmt_clear(&f);
    json_w w;
    jw_init(&w, true);
    jw_arr_open(&w);
    int ret = 0, found = 0;
    for (int k = 0; k < margs_count(&p); k++) {
        char cid[ID_LEN + 1];
        if (ctr_resolve(c->s, margs_at(&p, k), cid, &err) < 0 ||
            inspect_one(c->s, cid, &w, &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
        } else {
            found++;
        }
    }
    jw_arr_close(&w);
    printf("%s\n", found ? jw_text(&w, NULL) : "[]");
    jw_free(&w);
    margs_free(&p);
    return ret;
}

int inspect_container(struct store *s, const char *id, json_w *w, rbox_err **err)
{
    return inspect_one(s, id, w, err);
}

int ps_load_all(struct store *s, bool all, struct ctr_state **out, size_t *n, rbox_err **err)
{
    return load_all(s, all, out, n, err);
}
