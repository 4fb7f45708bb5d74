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

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, at most U+10FFFF), 0 when there is none. */
static size_t utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
               : p[0] >= 0xe0 && p[0] <= 0xef ? 3
               : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                              : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
        return 0;
    return n;
}

/* key: a string of at most max bytes of s (cut at a character), bytes that are not UTF-8 as
 * U+FFFD (yajl writes bytes as they are, and a JSON parser refuses them). */
static void kstr_utf8(json_w *w, const char *key, const char *s, size_t max)
{
    char out[REPORT_MAXLEN * 2];
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_len(p);
        const char *add = n ? (const char *)p : "\xef\xbf\xbd";
        size_t alen = n ? n : 3;
        if ((size_t)((const char *)p - s) + (n ? n : 1) > max || o + alen >= sizeof(out))
            break;
        memcpy(out + o, add, alen);
        o += alen;
        p += n ? n : 1;
    }
    out[o] = '\0';
    jw_kstr(w, key, out);
}

static int report_try(const struct verdict *v, size_t error_max, char *buf, size_t len)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    kstr_utf8(&w, "id", v->id, sizeof(v->id));
    kstr_utf8(&w, "name", v->name, sizeof(v->name));
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
    if (v->error[0])
        kstr_utf8(&w, "error", v->error, error_max);
    else
        jw_kstr(&w, "error", NULL);
    jw_obj_close(&w);
    return finish(&w, buf, len);
}

int report_format(const struct verdict *v, char *buf, size_t len)
{
    /* escaped, the 511-byte error can take six times its room: cut it until the verdict fits,
     * never drop the verdict */
    for (size_t max = sizeof(v->error);; max /= 2) {
        int n = report_try(v, max, buf, len);
        if (n >= 0 || max == 0)
            return n;
    }
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
