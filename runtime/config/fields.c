/* fields.c - the typed readers of config.json: the parser context (the JSON path of every
 * error), value readers (strings, integers, paths, name lists, id maps) and the field-table
 * reader every section of the parser is written with (config_internal.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"
#include "config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* --- parser context -------------------------------------------------------------------------- */

void pc_init(struct pctx *c, const char *what, rbox_err **err)
{
    c->what = what ? what : "config.json";
    c->err = err;
    c->len = 0;
    c->path[0] = '\0';
}

static size_t pc_append(struct pctx *c, const char *fmt, ...) PRINTF(2, 3);
static size_t pc_append(struct pctx *c, const char *fmt, ...)
{
    size_t mark = c->len, room = sizeof(c->path) - c->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->path + c->len, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        c->len += (size_t)n < room ? (size_t)n : room - 1;
    return mark;
}

size_t pc_push(struct pctx *c, const char *key)
{
    size_t mark = c->len;
    c->len = path_append(c->path, sizeof(c->path), c->len, c->len ? "." : "", key);
    return mark;
}

size_t pc_push_index(struct pctx *c, size_t i)
{
    size_t mark = c->len;
    c->len = path_append_index(c->path, sizeof(c->path), c->len, i);
    return mark;
}

static size_t pc_push_mapkey(struct pctx *c, const char *key)
{
    bool plain = *key != '\0';
    for (const char *p = key; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            plain = false;
    if (plain)
        return pc_push(c, key);
    _cleanup_free_ char *q = json_quote(key);
    return pc_append(c, "[%s]", q);
}

void pc_pop(struct pctx *c, size_t mark)
{
    c->len = mark;
    c->path[mark] = '\0';
}

int pc_fail(struct pctx *c, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    int r = c->len ? rbox_error(c->err, 0, "%s: %s: %s", c->what, c->path, msg)
                   : rbox_error(c->err, 0, "%s: %s", c->what, msg);
    free(msg);
    return r;
}

int pc_fail_quoted(struct pctx *c, const char *msg, const char *value, const char *tail)
{
    _cleanup_free_ char *q = json_quote(value);
    return pc_fail(c, "%s %s%s", msg, q, tail ? tail : "");
}

int name_index(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

/* --- value readers --------------------------------------------------------------------------- */

int pv_object(struct pctx *c, yajl_val v)
{
    return YAJL_IS_OBJECT(v) ? 0 : pc_fail(c, "expected an object");
}

int pv_str(struct pctx *c, yajl_val v, char **out)
{
    if (!YAJL_IS_STRING(v))
        return pc_fail(c, "expected a string");
    free(*out);
    *out = xstrdup(v->u.string);
    return 0;
}

static int pv_abs(struct pctx *c, yajl_val v, char **out)
{
    if (!YAJL_IS_STRING(v))
        return pc_fail(c, "expected a string");
    if (v->u.string[0] != '/')
        return pc_fail(c, "must be an absolute path");
    return pv_str(c, v, out);
}

static int pv_bool(struct pctx *c, yajl_val v, bool *out)
{
    if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
        return pc_fail(c, "expected a boolean");
    *out = YAJL_IS_TRUE(v);
    return 0;
}

/* A JSON number written as an integer (no fraction, no exponent). */
static bool is_integer(yajl_val v)
{
    return YAJL_IS_NUMBER(v) && strpbrk(v->u.number.r, ".eE") == NULL;
}

int pv_u64(struct pctx *c, yajl_val v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    uint64_t x;
    if (!is_integer(v) || v->u.number.r[0] == '-')
        return pc_fail(c, "expected a non-negative integer");
    if (parse_u64(v->u.number.r, &x) < 0)
        return pc_fail(c, "%s is out of range (the largest value is %" PRIu64 ")", v->u.number.r,
                       hi);
    if (x >= lo && x <= hi) {
        *out = x;
        return 0;
    }
    if (lo == 0)
        return pc_fail(c, "must be at most %" PRIu64, hi);
    if (hi == UINT64_MAX)
        return pc_fail(c, "must be at least %" PRIu64, lo);
    return pc_fail(c, "must be between %" PRIu64 " and %" PRIu64, lo, hi);
}

static int pv_i64(struct pctx *c, yajl_val v, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t x;
    if (!is_integer(v))
        return pc_fail(c, "expected an integer");
    if (parse_i64(v->u.number.r, &x) < 0)
        return v->u.number.r[0] == '-'
                   ? pc_fail(c, "%s is out of range (the smallest value is %" PRId64 ")",
                             v->u.number.r, lo)
                   : pc_fail(c, "%s is out of range (the largest value is %" PRId64 ")",
                             v->u.number.r, hi);
    if (x >= lo && x <= hi) {
        *out = x;
        return 0;
    }
    if (lo == INT64_MIN)
        return pc_fail(c, "must be at most %" PRId64, hi);
    if (hi == INT64_MAX)
        return pc_fail(c, "must be at least %" PRId64, lo);
    return pc_fail(c, "must be between %" PRId64 " and %" PRId64, lo, hi);
}

static int pv_strv(struct pctx *c, yajl_val v, char ***out)
{
    if (!YAJL_IS_ARRAY(v))
        return pc_fail(c, "expected an array of strings");
    size_t n = v->u.array.len;
    char **r = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        yajl_val e = v->u.array.values[i];
        if (!YAJL_IS_STRING(e)) {
            strv_free(r);
            pc_push_index(c, i);
            return pc_fail(c, "expected a string");
        }
        r[i] = xstrdup(e->u.string);
    }
    strv_free(*out);
    *out = r;
    return 0;
}

/* Check each element of a string vector just read: "[i]: <msg>", or "[i]: <msg> "<s>"". */
static int strv_check(struct pctx *c, char **v, bool (*ok)(const char *), const char *msg,
                      bool quote)
{
    for (size_t i = 0; v[i]; i++) {
        if (ok(v[i]))
            continue;
        pc_push_index(c, i);
        return quote ? pc_fail_quoted(c, msg, v[i], NULL) : pc_fail(c, "%s", msg);
    }
    return 0;
}

static bool is_abs(const char *s)
{
    return s[0] == '/';
}

static bool is_env(const char *s)
{
    return s[0] != '=' && strchr(s, '=') != NULL;
}

int pv_strmap(struct pctx *c, yajl_val v, struct rbox_kv **out, size_t *n)
{
    if (pv_object(c, v) < 0)
        return -1;
    size_t len = v->u.object.len;
    struct rbox_kv *kv = len ? xcalloc(len, sizeof(*kv)) : NULL;
    kv_free(*out, *n);
    *out = kv;
    *n = len;
    for (size_t i = 0; i < len; i++) {
        size_t mark = pc_push_mapkey(c, v->u.object.keys[i]);
        if (pv_str(c, v->u.object.values[i], &kv[i].value) < 0)
            return -1;
        kv[i].key = xstrdup(v->u.object.keys[i]);
        pc_pop(c, mark);
    }
    return 0;
}

int pv_array(struct pctx *c, yajl_val v, size_t elem_size, void *arr, size_t *n, pv_elem_fn fn)
{
    if (!YAJL_IS_ARRAY(v))
        return pc_fail(c, "expected an array");
    size_t len = v->u.array.len;
    char *a = len ? xcalloc(len, elem_size) : NULL;
    *(void **)arr = a;
    *n = len;
    for (size_t i = 0; i < len; i++) {
        size_t mark = pc_push_index(c, i);
        if (fn(c, v->u.array.values[i], a + i * elem_size) < 0)
            return -1;
        pc_pop(c, mark);
    }
    return 0;
}

static const struct field idmap_fields[] = {
    { FLD(struct rbox_idmap, "containerID", F_U32, container_id), REQUIRED },
    { FLD(struct rbox_idmap, "hostID", F_U32, host_id), REQUIRED },
    { FLD(struct rbox_idmap, "size", F_U32, size), REQUIRED, RANGE(1, UINT32_MAX) },
};

static int parse_idmap(struct pctx *c, yajl_val v, void *elem)
{
    return pc_fields(c, v, idmap_fields, ARRAY_SIZE(idmap_fields), elem);
}

int pv_idmaps(struct pctx *c, yajl_val v, struct rbox_idmap **out, size_t *n)
{
    return pv_array(c, v, sizeof(**out), out, n, parse_idmap);
}

/* "0-3,5": comma-separated numbers and ascending ranges. */
static bool cpu_list_valid(const char *s)
{
    for (;;) {
        char *end;
        if (!isdigit((unsigned char)*s))
            return false;
        unsigned long a = strtoul(s, &end, 10);
        if (*end == '-') {
            if (!isdigit((unsigned char)end[1]))
                return false;
            if (strtoul(end + 1, &end, 10) < a)
                return false;
        }
        if (*end == '\0')
            return true;
        if (*end != ',')
            return false;
        s = end + 1;
    }
}

static int pv_cpus(struct pctx *c, yajl_val v, char **out)
{
    if (!YAJL_IS_STRING(v))
        return pc_fail(c, "expected a string");
    if (v->u.string[0] == '\0')
        return 0;
    if (!cpu_list_valid(v->u.string))
        return pc_fail_quoted(c, "invalid cpu list", v->u.string, NULL);
    return pv_str(c, v, out);
}

/* Index of a string value in f->names, or -1 with the error set. */
static int pv_name(struct pctx *c, yajl_val v, const struct field *f)
{
    if (!YAJL_IS_STRING(v))
        return pc_fail(c, "expected a string");
    int i = name_index(f->names, f->nnames, v->u.string);
    if (i < 0) {
        _cleanup_free_ char *msg = xasprintf("unknown %s", f->noun);
        return pc_fail_quoted(c, msg, v->u.string, NULL);
    }
    return i;
}

static int pv_names(struct pctx *c, yajl_val v, const struct field *f, char ***strv, uint64_t *bits)
{
    if (!YAJL_IS_ARRAY(v))
        return pc_fail(c, "expected an array of strings");
    for (size_t i = 0; i < v->u.array.len; i++) {
        size_t mark = pc_push_index(c, i);
        int k = pv_name(c, v->u.array.values[i], f);
        if (k < 0)
            return -1;
        if (bits)
            *bits |= UINT64_C(1) << k;
        pc_pop(c, mark);
    }
    return strv ? pv_strv(c, v, strv) : 0;
}

/* --- the field-table reader ------------------------------------------------------------------ */

static int read_unsigned(struct pctx *c, const struct field *f, yajl_val v, uint64_t max,
                         uint64_t *out)
{
    bool whole = f->lo == 0 && f->hi == 0;
    return pv_u64(c, v, whole ? 0 : (uint64_t)f->lo, whole ? max : f->hi, out);
}

static int read_signed(struct pctx *c, const struct field *f, yajl_val v, int64_t min, int64_t max,
                       int64_t *out)
{
    bool whole = f->lo == 0 && f->hi == 0;
    return pv_i64(c, v, whole ? min : f->lo, whole ? max : (int64_t)f->hi, out);
}

static int read_strings(struct pctx *c, const struct field *f, yajl_val v, char ***dst)
{
    if (pv_strv(c, v, dst) < 0)
        return -1;
    if (f->type == F_STRV1 && (*dst)[0] == NULL)
        return pc_fail(c, "must not be empty");
    if (f->type == F_ABSV)
        return strv_check(c, *dst, is_abs, "must be an absolute path", false);
    if (f->type == F_ENV)
        return strv_check(c, *dst, is_env, "expected KEY=VALUE, got", true);
    return 0;
}

static int read_field(struct pctx *c, const struct field *f, yajl_val v, void *dst)
{
    uint64_t u = 0;
    int64_t s = 0;
    int r;
    switch (f->type) {
    case F_STR: return pv_str(c, v, dst);
    case F_ABS: return pv_abs(c, v, dst);
    case F_STRV:
    case F_STRV1:
    case F_ABSV:
    case F_ENV: return read_strings(c, f, v, dst);
    case F_CPUS: return pv_cpus(c, v, dst);
    case F_BOOL: return pv_bool(c, v, dst);
    case F_OBOOL: {
        opt_bool *o = dst;
        o->set = true;
        return pv_bool(c, v, &o->v);
    }
    case F_U32:
        r = read_unsigned(c, f, v, UINT32_MAX, &u);
        *(uint32_t *)dst = (uint32_t)u;
        return r;
    case F_U64: return read_unsigned(c, f, v, UINT64_MAX, dst);
    case F_OU64:
        ((opt_u64 *)dst)->set = true;
        return read_unsigned(c, f, v, UINT64_MAX, &((opt_u64 *)dst)->v);
    case F_I64: return read_signed(c, f, v, INT64_MIN, INT64_MAX, dst);
    case F_OI64:
        ((opt_i64 *)dst)->set = true;
        return read_signed(c, f, v, INT64_MIN, INT64_MAX, &((opt_i64 *)dst)->v);
    case F_INT:
        r = read_signed(c, f, v, INT_MIN, INT_MAX, &s);
        *(int *)dst = (int)s;
        return r;
    case F_ENUM:
        if ((r = pv_name(c, v, f)) < 0)
            return -1;
        *(int *)dst = r;
        return 0;
    case F_NAMES: return pv_names(c, v, f, dst, NULL);
    case F_BITS: return pv_names(c, v, f, NULL, dst);
    case F_SUB: return pc_fields(c, v, f->sub, f->nsub, dst);
    case F_FN: return f->fn(c, v, dst);
    }
    return pc_fail(c, "internal error: bad field type");
}

int pc_fields(struct pctx *c, yajl_val obj, const struct field *f, size_t n, void *base)
{
    if (pv_object(c, obj) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        yajl_val v = json_get(obj, f[i].key);
        size_t mark = pc_push(c, f[i].key);
        if (v == NULL && f[i].required)
            return pc_fail(c, "missing");
        if (v && read_field(c, &f[i], v, (char *)base + f[i].off) < 0)
            return -1;
        pc_pop(c, mark);
    }
    return 0;
}
