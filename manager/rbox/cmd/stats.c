/* stats.c - rbox stats: memory (usage, limit, peak), CPU % and pids of containers, from
 * `rbox-runtime events --stats` (the cgroup's own counters). CPU % is the growth of the
 * cgroup's CPU time between two samples over the wall time between them (docker's number:
 * 100% is one CPU busy). */
#define _GNU_SOURCE
#include "cmdcore.h"
#include "ctr.h"
#include "format.h"
#include "json.h"
#include "mcli.h"
#include "proto.h"
#include "rtclient.h"
#include "util.h"
#include "width.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char stats_usage[] =
    "Usage: rbox stats [OPTIONS] [CONTAINER...]\n"
    "\n"
    "Show containers' resource use, refreshed every second (running containers unless\n"
    "--all or named). A container that is not running shows zeros, as with docker.\n"
    "Columns: CPU % (100% = one CPU), memory usage (without inactive page cache) / limit\n"
    "(the host's memory when unlimited), its percentage, the peak usage, block I/O read /\n"
    "written, number of processes.\n"
    "\n"
    "Options:\n"
    "  -a, --all              all containers, not only running ones\n"
    "      --format FORMAT    table (default), json (one object per container and line), a\n"
    "                         Go template over those objects ('{{.Name}} {{.CPUPerc}}') or\n"
    "                         'table TEMPLATE'; fields: .Container .ID .Name .CPUPerc\n"
    "                         .MemUsage .MemPerc .MemPeak .BlockIO .PIDs, and the numbers\n"
    "                         .CPUPercent .MemUsageBytes .MemLimitBytes .MemPeakBytes\n"
    "                         .PIDsCurrent\n"
    "      --no-stream        print one sample and exit\n"
    "      --no-trunc         do not shorten IDs\n";

/* docker's column titles of stats --format 'table ...' */
static const char *const stats_headers[] = {
    "Container", "CONTAINER", "ID",       "CONTAINER ID",      "Name",    "NAME",
    "CPUPerc",   "CPU %",     "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %",
    "MemPeak",   "MEM PEAK",  "BlockIO",  "BLOCK I/O",         "NetIO",   "NET I/O",
    "PIDs",      "PIDS",      NULL,
};

#define FIRST_INTERVAL_MS 500
#define REFRESH_MS        1000

struct sample {
    bool ok; /* read from a running container */
    uint64_t t_ns, cpu_ns;
    uint64_t mem, limit, peak, pids, blk_read, blk_write;
};

struct row {
    char id[ID_LEN + 1], name[NAME_MAXLEN + 1];
    const char *ref; /* as given, else NULL */
    struct sample prev, cur;
};

static uint64_t u64_at(yajl_val v, const char *const *path)
{
    for (size_t i = 0; path[i] && v; i++)
        v = json_get(v, path[i]);
    uint64_t n = 0;
    if (v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0)
        n = (uint64_t)YAJL_GET_INTEGER(v);
    else if (v && YAJL_IS_DOUBLE(v) && YAJL_GET_DOUBLE(v) > 0)
        n = (uint64_t)YAJL_GET_DOUBLE(v);
    return n;
}
#define U64(v, ...) u64_at((v), (const char *const[]){ __VA_ARGS__, NULL })

static uint64_t host_memory(void)
{
    static uint64_t total;
    _cleanup_free_ char *text = NULL;
    if (total == 0 && read_file_at(AT_FDCWD, "/proc/meminfo", &text, NULL) == 0) {
        const char *p = strstr(text, "MemTotal:");
        unsigned long long kb = 0;
        if (p && sscanf(p, "MemTotal: %llu", &kb) == 1)
            total = kb * 1024;
    }
    return total;
}

static void blkio(yajl_val data, struct sample *smp)
{
    yajl_val a = json_get(json_get(data, "blkio"), "ioServiceBytesRecursive");
    for (size_t i = 0; YAJL_IS_ARRAY(a) && i < a->u.array.len; i++) {
        yajl_val e = a->u.array.values[i];
        const char *op = json_get_str(e, "op");
        uint64_t v = U64(e, "value");
        if (op && strcasecmp(op, "read") == 0)
            smp->blk_read += v;
        else if (op && strcasecmp(op, "write") == 0)
            smp->blk_write += v;
    }
}

/* One sample; not running or gone (it may exit meanwhile) leaves smp zeroed. */
static void sample(struct store *s, const char *id, struct sample *smp)
{
    memset(smp, 0, sizeof(*smp));
    const char *args[] = { "events", "--stats", id, NULL };
    _cleanup_free_ char *out = NULL;
    yajl_val v = NULL;
    smp->t_ns = now_ns_monotonic();
    if (rt_output(s, args, &out, NULL) < 0 || json_parse(out, "stats", &v, NULL) < 0)
        return;
    yajl_val d = json_get(v, "data");
    yajl_val mem = json_get(d, "memory");
    smp->ok = true;
    smp->cpu_ns = U64(d, "cpu", "usage", "total");
    smp->mem = U64(mem, "usage", "usage");
    smp->peak = U64(mem, "usage", "max");
    smp->limit = U64(mem, "usage", "limit");
    /* docker's usage leaves out the inactive page cache (v1: total_inactive_file) */
    uint64_t inactive = U64(mem, "raw", "total_inactive_file");
    if (inactive == 0)
        inactive = U64(mem, "raw", "inactive_file");
    if (inactive < smp->mem)
        smp->mem -= inactive;
    uint64_t host = host_memory();
    if (smp->limit == 0 || (host && smp->limit > host))
        smp->limit = host;
    smp->pids = U64(d, "pids", "current");
    blkio(d, smp);
    yajl_tree_free(v);
}

/* docker's sizes: binary for memory ("1.5MiB"), decimal for I/O ("1.5MB"). */
static void size_str(uint64_t n, bool binary, char *buf, size_t len)
{
    static const char *const bin[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    static const char *const dec[] = { "B", "kB", "MB", "GB", "TB", "PB" };
    double base = binary ? 1024 : 1000, v = (double)n;
    size_t u = 0;
    while (v >= base && u < 5) {
        v /= base;
        u++;
    }
    snprintf(buf, len, binary ? "%.4g%s" : "%.3g%s", v, (binary ? bin : dec)[u]);
}

struct shown {
    double cpu, memp;
    char cpu_s[16], mem_s[56], memp_s[16], peak_s[24], blk_s[56], pids_s[24];
};

static void compute(const struct row *r, struct shown *o)
{
    const struct sample *a = &r->prev, *b = &r->cur;
    o->cpu = 0;
    if (a->ok && b->ok && b->t_ns > a->t_ns && b->cpu_ns >= a->cpu_ns)
        o->cpu = (double)(b->cpu_ns - a->cpu_ns) * 100.0 / (double)(b->t_ns - a->t_ns);
    o->memp = b->limit ? (double)b->mem * 100.0 / (double)b->limit : 0;
    char x[24], y[24];
    snprintf(o->cpu_s, sizeof(o->cpu_s), "%.2f%%", o->cpu);
    size_str(b->mem, true, x, sizeof(x));
    size_str(b->limit, true, y, sizeof(y));
    snprintf(o->mem_s, sizeof(o->mem_s), "%s / %s", x, y);
    snprintf(o->memp_s, sizeof(o->memp_s), "%.2f%%", o->memp);
    size_str(b->peak, true, o->peak_s, sizeof(o->peak_s));
    size_str(b->blk_read, false, x, sizeof(x));
    size_str(b->blk_write, false, y, sizeof(y));
    snprintf(o->blk_s, sizeof(o->blk_s), "%s / %s", x, y);
    snprintf(o->pids_s, sizeof(o->pids_s), "%" PRIu64, b->pids);
}

static int print_json(const struct row *v, size_t n, struct fmt *fm, rbox_err **err)
{
    for (size_t i = 0; i < n; i++) {
        struct shown o;
        compute(&v[i], &o);
        char shortid[13];
        ctr_copy(shortid, sizeof(shortid), v[i].id);
        json_w w;
        jw_init(&w, false);
        jw_obj_open(&w);
        jw_kstr(&w, "Container", v[i].ref ? v[i].ref : shortid);
        jw_kstr(&w, "ID", shortid);
        jw_kstr(&w, "Name", v[i].name);
        jw_kstr(&w, "CPUPerc", o.cpu_s);
        jw_kstr(&w, "MemUsage", o.mem_s);
        jw_kstr(&w, "MemPerc", o.memp_s);
        jw_kstr(&w, "MemPeak", o.peak_s);
        jw_kstr(&w, "BlockIO", o.blk_s);
        jw_kstr(&w, "PIDs", o.pids_s);
        /* the numbers, for scripts */
        char num[32];
        snprintf(num, sizeof(num), "%.2f", o.cpu);
        jw_key(&w, "CPUPercent");
        jw_raw_number(&w, num);
        jw_kuint(&w, "MemUsageBytes", v[i].cur.mem);
        jw_kuint(&w, "MemLimitBytes", v[i].cur.limit);
        jw_kuint(&w, "MemPeakBytes", v[i].cur.peak);
        jw_kuint(&w, "PIDsCurrent", v[i].cur.pids);
        jw_obj_close(&w);
        size_t len;
        const char *text = jw_text(&w, &len);
        int r = 0;
        if (fm->kind == FMT_JSON)
            printf("%.*s\n", (int)len, text);
        else
            r = fmt_row_text(fm, text, err);
        jw_free(&w);
        if (r < 0)
            return -1;
    }
    fmt_print(fm, stdout);
    return 0;
}

static void print_table(const struct row *v, size_t n, bool no_trunc)
{
    size_t idw = no_trunc ? ID_LEN : 12, namew = 4, memw = 17;
    struct shown *o = xcalloc(n ? n : 1, sizeof(*o));
    for (size_t i = 0; i < n; i++) {
        compute(&v[i], &o[i]);
        if (u8_width(v[i].name, strlen(v[i].name)) > namew)
            namew = u8_width(v[i].name, strlen(v[i].name));
        if (strlen(o[i].mem_s) > memw)
            memw = strlen(o[i].mem_s);
    }
    printf("%-*s   %-*s   %-7s   %-*s   %-7s   %-9s   %-15s   %s\n", (int)idw, "CONTAINER ID",
           (int)namew, "NAME", "CPU %", (int)memw, "MEM USAGE / LIMIT", "MEM %", "MEM PEAK",
           "BLOCK I/O", "PIDS");
    for (size_t i = 0; i < n; i++) {
        printf("%-*.*s   ", (int)idw, (int)idw, v[i].id);
        u8_pad(stdout, v[i].name, namew); /* display columns */
        printf("   %-7s   %-*s   %-7s   %-9s   %-15s   %s\n", o[i].cpu_s, (int)memw, o[i].mem_s,
               o[i].memp_s, o[i].peak_s, o[i].blk_s, o[i].pids_s);
    }
    free(o);
}

/* The containers named, or every running one (every one with --all). */
static int select_rows(struct store *s, struct margs *p, bool all, struct row **out, size_t *n,
                       rbox_err **err)
{
    _cleanup_strv_ char **ids = NULL;
    size_t nids = 0, k = 0;
    bool named = margs_count(p) > 0;
    if (!named && ctr_list_ids(s, &ids, &nids, err) < 0)
        return -1;
    size_t total = named ? (size_t)margs_count(p) : nids;
    struct row *v = xcalloc(total ? total : 1, sizeof(*v));
    for (size_t i = 0; i < total; i++) {
        struct ctr_state st;
        char id[ID_LEN + 1];
        const char *ref = named ? margs_at(p, (int)i) : ids[i];
        if (named && (ctr_resolve(s, ref, id, err) < 0 || ctr_read(s, id, &st, err) < 0)) {
            free(v);
            return -1;
        }
        if (!named && ctr_read(s, ref, &st, NULL) < 0)
            continue;
        if (!named && !all && st.status != CS_RUNNING && st.status != CS_PAUSED)
            continue;
        ctr_copy(v[k].id, sizeof(v[k].id), st.id);
        ctr_copy(v[k].name, sizeof(v[k].name), st.name);
        v[k++].ref = named ? ref : NULL;
    }
    *out = v;
    *n = k;
    return 0;
}

static void sample_all(struct store *s, struct row *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v[i].prev = v[i].cur;
        sample(s, v[i].id, &v[i].cur);
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) < 0)
        ;
}

static int show(const struct row *v, size_t n, struct fmt *fm, bool no_trunc, bool clear,
                rbox_err **err)
{
    if (clear)
        fputs("\033[2J\033[H", stdout);
    int r = 0;
    if (fm->kind != FMT_DEFAULT)
        r = print_json(v, n, fm, err);
    else
        print_table(v, n, no_trunc);
    fflush(stdout);
    return r;
}

int cmd_stats(struct cmd_ctx *c, int argc, char **argv)
{
    enum { F_ALL = 1, F_FORMAT, F_NO_STREAM, F_NO_TRUNC };
    static const struct mopt opts[] = {
        { "all", 'a', false, F_ALL },
        { "format", 0, true, F_FORMAT },
        { "no-stream", 0, false, F_NO_STREAM },
        { "no-trunc", 0, false, F_NO_TRUNC },
        { NULL, 0, false, 0 },
    };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox stats", .interspersed = true
    };
    rbox_err *err = NULL;
    const char *arg, *format = NULL;
    bool all = false, no_stream = false, no_trunc = false;
    int id, ret = 0;
    while ((id = margs_next(&p, opts, &arg, &err)) != 0) {
        if (id == MOPT_HELP || id < 0) {
            margs_free(&p);
            return id == MOPT_HELP ? cmd_help(stats_usage) : cmd_fail(err);
        }
        all = all || id == F_ALL;
        no_stream = no_stream || id == F_NO_STREAM;
        no_trunc = no_trunc || id == F_NO_TRUNC;
        if (id == F_FORMAT)
            format = arg;
    }
    struct row *v = NULL;
    size_t n = 0;
    struct fmt fm;
    if (fmt_init(&fm, format, stats_headers, &err) < 0) {
        margs_free(&p);
        return cmd_fail(err);
    }
    if (select_rows(c->s, &p, all, &v, &n, &err) < 0) {
        fmt_clear(&fm);
        margs_free(&p);
        return cmd_fail(err);
    }
    bool clear = !no_stream && isatty(STDOUT_FILENO);
    sample_all(c->s, v, n);
    sleep_ms(FIRST_INTERVAL_MS);
    for (;;) {
        sample_all(c->s, v, n);
        if (show(v, n, &fm, no_trunc, clear, &err) < 0) {
            ret = cmd_fail(err);
            break;
        }
        if (no_stream)
            break;
        sleep_ms(REFRESH_MS);
    }
    fmt_clear(&fm);
    free(v);
    margs_free(&p);
    return ret;
}

void stats_sample(struct store *s, const char *id, struct stats_sample *out)
{
    struct sample smp;
    sample(s, id, &smp);
    *out = (struct stats_sample){ .ok = smp.ok,
                                  .t_ns = smp.t_ns,
                                  .cpu_ns = smp.cpu_ns,
                                  .mem = smp.mem,
                                  .limit = smp.limit,
                                  .peak = smp.peak,
                                  .pids = smp.pids,
                                  .blk_read = smp.blk_read,
                                  .blk_write = smp.blk_write };
}
