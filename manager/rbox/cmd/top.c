/* top.c - rbox top: the processes of a running container, with the columns of docker
 * top's default (`ps -ef`): UID PID PPID C STIME TTY TIME CMD. The pids come from
 * `rbox-runtime ps --format json` (the container's cgroup), the rest from /proc on the host;
 * users are named from the host's /etc/passwd, as ps on the host does. */
#define _GNU_SOURCE
#include "cmdcore.h"
#include "ctr.h"
#include "json.h"
#include "mcli.h"
#include "passwd.h"
#include "rtclient.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static const char top_usage[] =
    "Usage: rbox top CONTAINER\n"
    "\n"
    "Show the processes of a running container (host pids), like docker top: UID PID PPID C\n"
    "STIME TTY TIME CMD (C: CPU use in percent of its lifetime, TIME: CPU time used).\n";

struct proc {
    int pid, ppid;
    uid_t uid;
    unsigned long long ticks, start; /* utime + stime, start time (clock ticks after boot) */
    unsigned tty;
    char *cmd;
};

static int by_pid(const void *a, const void *b)
{
    const struct proc *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* /proc/<pid>/stat, status (real uid) and cmdline; -1 when the process is gone. */
static int read_proc(int pid, struct proc *p)
{
    char path[64];
    _cleanup_free_ char *stat = NULL, *status = NULL, *cmdline = NULL;
    size_t len = 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if (read_file_at(AT_FDCWD, path, &stat, NULL) < 0)
        return -1;
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    if (read_file_at(AT_FDCWD, path, &status, NULL) < 0)
        return -1;
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    read_file_at(AT_FDCWD, path, &cmdline, &len);
    /* comm may hold spaces and parentheses: the fields follow the last ')' */
    char *open = strchr(stat, '('), *close = strrchr(stat, ')');
    unsigned long long ut, st;
    int ppid, tty;
    if (!open || !close ||
        sscanf(close + 2,
               "%*c %d %*d %*d %d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
               "%*d %*d %llu",
               &ppid, &tty, &ut, &st, &p->start) != 5)
        return -1;
    const char *u = strstr(status, "\nUid:");
    unsigned uid = 0;
    if (u == NULL || sscanf(u, "\nUid: %u", &uid) != 1)
        return -1;
    p->pid = pid;
    p->ppid = ppid;
    p->uid = uid;
    p->tty = (unsigned)tty;
    p->ticks = ut + st;
    for (size_t i = 0; cmdline && i + 1 < len; i++)
        if (cmdline[i] == '\0')
            cmdline[i] = ' ';
    if (cmdline && len && *cmdline)
        p->cmd = xstrdup(cmdline);
    else
        p->cmd = xasprintf("[%.*s]", (int)(close - open - 1), open + 1);
    return 0;
}

static time_t boot_time(void)
{
    _cleanup_free_ char *text = NULL;
    const char *b;
    long long t = 0;
    if (read_file_at(AT_FDCWD, "/proc/stat", &text, NULL) == 0 && (b = strstr(text, "btime ")))
        sscanf(b, "btime %lld", &t);
    return (time_t)t;
}

/* ps's columns: STIME is HH:MM today, MonDD this year, else the year; TIME [DD-]HH:MM:SS. */
static void format_row(const struct proc *p, long hz, time_t btime, time_t now, char cols[8][64])
{
    struct pw_entry pw;
    if (passwd_lookup("/etc/passwd", NULL, p->uid, &pw) == 0) {
        snprintf(cols[0], 64, "%s", pw.name);
        pw_entry_clear(&pw);
    } else {
        snprintf(cols[0], 64, "%u", (unsigned)p->uid);
    }
    snprintf(cols[1], 64, "%d", p->pid);
    snprintf(cols[2], 64, "%d", p->ppid);
    time_t started = btime + (time_t)(p->start / (unsigned long long)hz);
    long long age = now - started, cpu = (long long)(p->ticks / (unsigned long long)hz);
    long long c = age > 0 ? (long long)(p->ticks * 100 / (unsigned long long)hz) / age : 0;
    snprintf(cols[3], 64, "%lld", c > 99 ? 99 : c);
    struct tm t, today;
    localtime_r(&started, &t);
    localtime_r(&now, &today);
    if (now - started < 24 * 3600 && t.tm_yday == today.tm_yday)
        strftime(cols[4], 64, "%H:%M", &t);
    else if (t.tm_year == today.tm_year)
        strftime(cols[4], 64, "%b%d", &t);
    else
        strftime(cols[4], 64, "%Y", &t);
    unsigned maj = major(p->tty), min = minor(p->tty);
    if (p->tty == 0)
        snprintf(cols[5], 64, "?");
    else if (maj >= 136 && maj <= 143)
        snprintf(cols[5], 64, "pts/%u", (maj - 136) * 256 + min);
    else if (maj == 4 && min < 64)
        snprintf(cols[5], 64, "tty%u", min);
    else
        snprintf(cols[5], 64, "?");
    if (cpu >= 86400)
        snprintf(cols[6], 64, "%lld-%02lld:%02lld:%02lld", cpu / 86400, cpu / 3600 % 24,
                 cpu / 60 % 60, cpu % 60);
    else
        snprintf(cols[6], 64, "%02lld:%02lld:%02lld", cpu / 3600, cpu / 60 % 60, cpu % 60);
}

static void print_procs(struct proc *v, size_t n)
{
    static const char *const head[] = { "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME" };
    char(*cols)[8][64] = xcalloc(n ? n : 1, sizeof(*cols));
    size_t w[7];
    long hz = sysconf(_SC_CLK_TCK);
    time_t btime = boot_time(), now = time(NULL);
    for (size_t k = 0; k < 7; k++)
        w[k] = strlen(head[k]);
    for (size_t i = 0; i < n; i++) {
        format_row(&v[i], hz > 0 ? hz : 100, btime, now, cols[i]);
        for (size_t k = 0; k < 7; k++)
            if (strlen(cols[i][k]) > w[k])
                w[k] = strlen(cols[i][k]);
    }
    for (size_t k = 0; k < 7; k++)
        printf("%-*s   ", (int)w[k], head[k]);
    printf("CMD\n");
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < 7; k++)
            printf("%-*s   ", (int)w[k], cols[i][k]);
        printf("%s\n", v[i].cmd);
    }
    free(cols);
}

/* docker's top answer: {"Titles": [...], "Processes": [[...], ...]} */
static void procs_json(json_w *w, struct proc *v, size_t n)
{
    static const char *const head[] = { "UID", "PID",  "PPID", "C", "STIME",
                                        "TTY", "TIME", "CMD",  NULL };
    long hz = sysconf(_SC_CLK_TCK);
    time_t btime = boot_time(), now = time(NULL);
    char cols[8][64];
    jw_obj_open(w);
    jw_kstrv(w, "Titles", (char **)head);
    jw_key(w, "Processes");
    jw_arr_open(w);
    for (size_t i = 0; i < n; i++) {
        format_row(&v[i], hz > 0 ? hz : 100, btime, now, cols);
        jw_arr_open(w);
        for (size_t k = 0; k < 7; k++)
            jw_str(w, cols[k]);
        jw_str(w, v[i].cmd);
        jw_arr_close(w);
    }
    jw_arr_close(w);
    jw_obj_close(w);
}

/* The table on stdout, or (w) docker's JSON. */
static int top(struct store *s, const char *ref, json_w *w, rbox_err **err)
{
    char id[ID_LEN + 1];
    struct ctr_state st;
    if (ctr_resolve(s, ref, id, err) < 0 || ctr_read(s, id, &st, err) < 0)
        return -1;
    if (st.status != CS_RUNNING && st.status != CS_PAUSED)
        return rbox_error(err, 0, "container %s is not running", st.name);
    const char *args[] = { "ps", "--format", "json", id, NULL };
    _cleanup_free_ char *out = NULL;
    yajl_val pids = NULL;
    if (rt_output(s, args, &out, err) < 0 || json_parse(out, "rbox-runtime ps", &pids, err) < 0)
        return rbox_error_prefix(err, "listing the processes of %s", st.name);
    size_t n = 0, cap = YAJL_IS_ARRAY(pids) ? pids->u.array.len : 0;
    struct proc *v = xcalloc(cap ? cap : 1, sizeof(*v));
    for (size_t i = 0; i < cap; i++) {
        yajl_val p = pids->u.array.values[i];
        if (YAJL_IS_INTEGER(p) && read_proc((int)YAJL_GET_INTEGER(p), &v[n]) == 0)
            n++;
    }
    yajl_tree_free(pids);
    qsort(v, n, sizeof(*v), by_pid);
    if (w)
        procs_json(w, v, n);
    else
        print_procs(v, n);
    for (size_t i = 0; i < n; i++)
        free(v[i].cmd);
    free(v);
    return 0;
}

int cmd_top(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox top", .interspersed = true
    };
    rbox_err *err = NULL;
    const char *arg;
    int id, ret;
    while ((id = margs_next(&p, opts, &arg, &err)) != 0) {
        margs_free(&p);
        return id == MOPT_HELP ? cmd_help(top_usage) : cmd_fail(err);
    }
    if (margs_count(&p) > 1)
        rbox_error(&err, 0,
                   "rbox top: ps options are not supported (the columns are those of "
                   "ps -ef)");
    if (err || margs_require(&p, 1, 1, "a CONTAINER", &err) < 0 ||
        top(c->s, margs_at(&p, 0), NULL, &err) < 0)
        ret = cmd_fail(err);
    else
        ret = 0;
    margs_free(&p);
    return ret;
}

int top_json(struct store *s, const char *id, json_w *w, rbox_err **err)
{
    return top(s, id, w, err);
}
