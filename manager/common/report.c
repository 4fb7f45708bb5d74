/* report.c - the verdict of a container run: JSON output, the cgroup counters read from
 * `rbox-runtime events --stats`, and the monitor's sandbox.conf. Shared by rbox and
 * rbox-monitor; all JSON goes through yajl (lib/json.c). */
#define _GNU_SOURCE
#include "report.h"
#include "json.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void verdict_init(struct verdict *v, const char *id, const char *name)
{
    memset(v, 0, sizeof(*v));
    CTR_SET(v->id, id);
    CTR_SET(v->name, name);
    v->cpu_user_ns = v->cpu_system_ns = v->memory_peak = v->pids_peak = -1;
}

/* Copy the writer's text into buf with a newline; -1 when it does not fit. */
static int finish(json_w *w, char *buf, size_t len)
{
    size_t n;
    const char *text = jw_text(w, &n);
    int r = -1;
    if (n + 2 <= len) {
        memcpy(buf, text, n);
        buf[n++] = '\n';
        buf[n] = '\0';
        r = (int)n;
    }
    jw_free(w);
    return r;
}

static void count(json_w *w, const char *key, int64_t v)
{
    jw_key(w, key);
    if (v < 0)
        jw_null(w);
    else
        jw_int(w, v);
}

static void timestamp(json_w *w, const char *key, int64_t ns)
{
    jw_key(w, key);
    if (ns <= 0) {
        jw_null(w);
        return;
    }
    struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
    char buf[48];
    format_time_rfc3339(&ts, buf, sizeof(buf));
    jw_str(w, buf);
}

int report_format(const struct verdict *v, char *buf, size_t len)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "id", v->id);
    jw_kstr(&w, "name", v->name);
    jw_kbool(&w, "started", v->started);
    jw_kint(&w, "exit_code", v->exit_code);
    jw_kint(&w, "signal", v->signal);
    jw_kbool(&w, "oom_killed", v->oom_killed);
    jw_kbool(&w, "timed_out", v->timed_out);
    count(&w, "timeout_ns", v->timeout_ns > 0 ? v->timeout_ns : -1);
    timestamp(&w, "started_at", v->started ? v->started_ns : 0);
    timestamp(&w, "finished_at", v->started ? v->finished_ns : 0);
    count(&w, "wall_time_ns", v->started ? v->wall_ns : -1);
    count(&w, "cpu_user_ns", v->cpu_user_ns);
    count(&w, "cpu_system_ns", v->cpu_system_ns);
    count(&w, "memory_peak_bytes", v->memory_peak);
    count(&w, "pids_peak", v->pids_peak);
    jw_kstr(&w, "error", v->error[0] ? v->error : NULL);
    jw_obj_close(&w);
    return finish(&w, buf, len);
}

/* A non-negative integer at a dotted key path ("memory.usage.max") below obj; -1 when absent. */
static int64_t counter(yajl_val obj, const char *path)
{
    char key[64];
    while (obj && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(key))
            return -1;
        memcpy(key, path, n);
        key[n] = '\0';
        obj = json_get(obj, key);
        path += n + (path[n] == '.');
    }
    return obj && YAJL_IS_INTEGER(obj) && YAJL_GET_INTEGER(obj) >= 0 ? YAJL_GET_INTEGER(obj) : -1;
}

bool verdict_from_stats(struct verdict *v, const char *json)
{
    _cleanup_yajl_ yajl_val root = NULL;
    if (json_parse(json, "stats", &root, NULL) < 0)
        return false;
    yajl_val data = json_get(root, "data");
    if (data == NULL || !YAJL_IS_OBJECT(data))
        return false;
    v->oom_killed = counter(data, "memory.oom_kill") > 0;
    v->cpu_user_ns = counter(data, "cpu.usage.user");
    v->cpu_system_ns = counter(data, "cpu.usage.kernel");
    /* v1 max_usage_in_bytes, v2 memory.peak: 0 means the kernel keeps no peak (v2 < 5.19) */
    v->memory_peak = counter(data, "memory.usage.max");
    if (v->memory_peak == 0)
        v->memory_peak = -1;
    v->pids_peak = counter(data, "pids.peak"); /* pids.peak: kernels >= 6.1 */
    return true;
}

/* ---- sandbox.conf ---- */

int sandbox_conf_format(const struct sandbox_conf *c, char *buf, size_t len)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kint(&w, "timeout_ns", c->timeout_ns);
    jw_kstr(&w, "report", c->report);
    jw_obj_close(&w);
    return finish(&w, buf, len);
}

int sandbox_conf_parse(const char *text, struct sandbox_conf *c)
{
    memset(c, 0, sizeof(*c));
    _cleanup_yajl_ yajl_val v = NULL;
    if (json_parse(text, SANDBOX_CONF, &v, NULL) < 0 || !YAJL_IS_OBJECT(v)) {
        errno = EINVAL;
        return -1;
    }
    int64_t t;
    const char *report = json_get_str(v, "report");
    if (json_get_i64(v, "timeout_ns", &t) && t > 0)
        c->timeout_ns = t;
    if (report)
        CTR_SET(c->report, report);
    return 0;
}

int sandbox_conf_read(int dirfd, struct sandbox_conf *c)
{
    _cleanup_free_ char *text = NULL;
    memset(c, 0, sizeof(*c));
    if (read_file_at(dirfd, SANDBOX_CONF, &text, NULL) < 0)
        return errno == ENOENT ? 0 : -1;
    return sandbox_conf_parse(text, c);
}
