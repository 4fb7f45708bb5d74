/* report.c - the verdict of a container run: JSON output, the cgroup counters scanned out of
 * `rbox-runtime events --stats`, and the monitor's sandbox.conf. Shared by rbox and
 * rbox-monitor; fixed buffers only. */
#define _GNU_SOURCE
#include "report.h"
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

/* A cursor over the output buffer; overflow is remembered. */
struct out {
    char *buf;
    size_t len, pos;
    bool overflow;
};

static void put(struct out *o, const char *fmt, ...) PRINTF(2, 3);
static void put(struct out *o, const char *fmt, ...)
{
    if (o->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->len - o->pos)
        o->overflow = true;
    else
        o->pos += (size_t)n;
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

/* A JSON string; bytes that are not UTF-8 become U+FFFD (a JSON parser refuses them). With
 * keep > 0 the string is cut (at a character) where less than keep bytes would be left after
 * it: escaped, a 511-byte error can take six times as much room. */
static void put_str(struct out *o, const char *s, size_t keep)
{
    put(o, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_len(p);
        char esc[8];
        if (n == 0)
            snprintf(esc, sizeof(esc), "\\ufffd");
        else if (*p == '"' || *p == '\\')
            snprintf(esc, sizeof(esc), "\\%c", *p);
        else if (*p == '\n')
            snprintf(esc, sizeof(esc), "\\n");
        else if (*p < 0x20)
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
        else
            snprintf(esc, sizeof(esc), "%.*s", (int)n, (const char *)p);
        if (keep && o->pos + strlen(esc) + 1 + keep > o->len)
            break;
        put(o, "%s", esc);
        p += n ? n : 1;
    }
    put(o, "\"");
}

static void put_count(struct out *o, const char *key, int64_t v)
{
    if (v < 0)
        put(o, ",\"%s\":null", key);
    else
        put(o, ",\"%s\":%lld", key, (long long)v);
}

static void put_time(struct out *o, const char *key, int64_t ns)
{
    if (ns <= 0) {
        put(o, ",\"%s\":null", key);
        return;
    }
    struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
    char buf[48];
    format_time_rfc3339(&ts, buf, sizeof(buf));
    put(o, ",\"%s\":\"%s\"", key, buf);
}

int report_format(const struct verdict *v, char *buf, size_t len)
{
    struct out o = { .buf = buf, .len = len };
    put(&o, "{\"id\":");
    put_str(&o, v->id, 0);
    put(&o, ",\"name\":");
    put_str(&o, v->name, 0);
    put(&o, ",\"started\":%s,\"exit_code\":%d,\"signal\":%d", v->started ? "true" : "false",
        v->exit_code, v->signal);
    put(&o, ",\"oom_killed\":%s,\"timed_out\":%s", v->oom_killed ? "true" : "false",
        v->timed_out ? "true" : "false");
    put_count(&o, "timeout_ns", v->timeout_ns > 0 ? v->timeout_ns : -1);
    put_time(&o, "started_at", v->started ? v->started_ns : 0);
    put_time(&o, "finished_at", v->started ? v->finished_ns : 0);
    put_count(&o, "wall_time_ns", v->started ? v->wall_ns : -1);
    put_count(&o, "cpu_user_ns", v->cpu_user_ns);
    put_count(&o, "cpu_system_ns", v->cpu_system_ns);
    put_count(&o, "memory_peak_bytes", v->memory_peak);
    put_count(&o, "pids_peak", v->pids_peak);
    put(&o, ",\"error\":");
    if (v->error[0])
        put_str(&o, v->error, sizeof("}\n"));
    else
        put(&o, "null");
    put(&o, "}\n");
    return o.overflow ? -1 : (int)o.pos;
}

/* ---- a scanner for one number in a JSON text ---- */

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Past a string starting at its opening quote; NULL when unterminated. */
static const char *skip_string(const char *p)
{
    for (p++; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* Past one value (nested containers counted, strings skipped whole); NULL when malformed. */
static const char *skip_value(const char *p)
{
    p = skip_ws(p);
    if (*p == '"')
        return skip_string(p);
    if (*p != '{' && *p != '[') {
        while (*p && !strchr(",}] \t\r\n", *p))
            p++;
        return p;
    }
    int depth = 0;
    while (*p) {
        if (*p == '"') {
            p = skip_string(p);
            if (p == NULL)
                return NULL;
            continue;
        }
        if (*p == '{' || *p == '[')
            depth++;
        else if ((*p == '}' || *p == ']') && --depth == 0)
            return p + 1;
        p++;
    }
    return NULL;
}

/* In the object at p, the value of key (len bytes); NULL when absent. */
static const char *find_key(const char *p, const char *key, size_t len)
{
    p = skip_ws(p);
    if (*p != '{')
        return NULL;
    p = skip_ws(p + 1);
    while (*p == '"') {
        const char *k = p + 1, *end = skip_string(p);
        if (end == NULL)
            return NULL;
        p = skip_ws(end);
        if (*p != ':')
            return NULL;
        p = skip_ws(p + 1);
        if ((size_t)(end - 1 - k) == len && memcmp(k, key, len) == 0)
            return p;
        p = skip_value(p);
        if (p == NULL)
            return NULL;
        p = skip_ws(p);
        if (*p != ',')
            return NULL;
        p = skip_ws(p + 1);
    }
    return NULL;
}

bool json_scan_u64(const char *json, const char *path, uint64_t *out)
{
    const char *p = json;
    while (p && *path) {
        size_t len = strcspn(path, ".");
        p = find_key(p, path, len);
        path += len + (path[len] == '.');
    }
    if (p == NULL || *p < '0' || *p > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (errno || strchr(".eE", *end))
        return false;
    *out = v;
    return true;
}

static int64_t scan(const char *json, const char *path)
{
    uint64_t v;
    return json_scan_u64(json, path, &v) && v <= INT64_MAX ? (int64_t)v : -1;
}

bool verdict_from_stats(struct verdict *v, const char *json)
{
    const char *data = find_key(json, "data", 4);
    if (data == NULL)
        return false;
    uint64_t oom = 0;
    v->oom_killed = json_scan_u64(data, "memory.oom_kill", &oom) && oom > 0;
    v->cpu_user_ns = scan(data, "cpu.usage.user");
    v->cpu_system_ns = scan(data, "cpu.usage.kernel");
    /* v1 max_usage_in_bytes, v2 memory.peak: 0 means the kernel keeps no peak (v2 < 5.19) */
    v->memory_peak = scan(data, "memory.usage.max");
    if (v->memory_peak == 0)
        v->memory_peak = -1;
    v->pids_peak = scan(data, "pids.peak"); /* pids.peak: kernels >= 6.1 */
    return true;
}

/* ---- sandbox.conf ---- */

int sandbox_conf_format(const struct sandbox_conf *c, char *buf, size_t len)
{
    struct out o = { .buf = buf, .len = len };
    put(&o, "timeout_ns=%lld\nreport=%s\n", (long long)c->timeout_ns, c->report);
    return o.overflow ? -1 : (int)o.pos;
}

int sandbox_conf_read(int dirfd, struct sandbox_conf *c)
{
    char buf[REPORT_PATH_MAX + 128];
    memset(c, 0, sizeof(*c));
    int fd = openat(dirfd, SANDBOX_CONF, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    ssize_t n = read_all(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    sandbox_conf_parse(buf, c);
    return 0;
}

void sandbox_conf_parse(char *text, struct sandbox_conf *c)
{
    memset(c, 0, sizeof(*c));
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (str_has_prefix(l, "timeout_ns="))
            c->timeout_ns = strtoll(l + 11, NULL, 10);
        else if (str_has_prefix(l, "report="))
            CTR_SET(c->report, l + 7);
    }
}
