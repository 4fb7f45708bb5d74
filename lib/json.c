/* json.c - JSON helpers over yajl. */
#define _GNU_SOURCE
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *json_quote(const char *s)
{
    size_t cap = strlen(s) * 6 + 3, n = 0;
    char *out = xmalloc(cap);
    out[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': memcpy(out + n, "\\\"", 2), n += 2; break;
        case '\\': memcpy(out + n, "\\\\", 2), n += 2; break;
        case '\n': memcpy(out + n, "\\n", 2), n += 2; break;
        case '\r': memcpy(out + n, "\\r", 2), n += 2; break;
        case '\t': memcpy(out + n, "\\t", 2), n += 2; break;
        default:
            if (*p < 0x20)
                n += (size_t)sprintf(out + n, "\\u%04x", *p);
            else
                out[n++] = (char)*p;
        }
    }
    out[n++] = '"';
    out[n] = '\0';
    return out;
}

void jw_init(json_w *w, bool pretty)
{
    w->g = yajl_gen_alloc(NULL);
    if (w->g == NULL)
        abort();
    if (pretty) {
        yajl_gen_config(w->g, yajl_gen_beautify, 1);
        yajl_gen_config(w->g, yajl_gen_indent_string, "  ");
    }
    yajl_gen_config(w->g, yajl_gen_validate_utf8, 0);
}

void jw_free(json_w *w)
{
    if (w->g)
        yajl_gen_free(w->g);
    w->g = NULL;
}

const char *jw_text(json_w *w, size_t *len)
{
    const unsigned char *buf;
    size_t l;
    yajl_gen_get_buf(w->g, &buf, &l);
    if (len)
        *len = l;
    return (const char *)buf;
}

void jw_obj_open(json_w *w)
{
    yajl_gen_map_open(w->g);
}
void jw_obj_close(json_w *w)
{
    yajl_gen_map_close(w->g);
}
void jw_arr_open(json_w *w)
{
    yajl_gen_array_open(w->g);
}
void jw_arr_close(json_w *w)
{
    yajl_gen_array_close(w->g);
}
void jw_key(json_w *w, const char *k)
{
    yajl_gen_string(w->g, (const unsigned char *)k, strlen(k));
}
void jw_str(json_w *w, const char *s)
{
    if (s == NULL)
        yajl_gen_null(w->g);
    else
        yajl_gen_string(w->g, (const unsigned char *)s, strlen(s));
}
void jw_int(json_w *w, long long v)
{
    yajl_gen_integer(w->g, v);
}
void jw_uint(json_w *w, unsigned long long v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%llu", v);
    yajl_gen_number(w->g, buf, (size_t)n);
}
void jw_bool(json_w *w, bool b)
{
    yajl_gen_bool(w->g, b);
}
void jw_null(json_w *w)
{
    yajl_gen_null(w->g);
}
void jw_raw_number(json_w *w, const char *num)
{
    yajl_gen_number(w->g, num, strlen(num));
}
void jw_kstr(json_w *w, const char *k, const char *s)
{
    jw_key(w, k);
    jw_str(w, s);
}
void jw_kstrv(json_w *w, const char *k, char *const *v)
{
    jw_key(w, k);
    if (v == NULL) {
        jw_null(w);
        return;
    }
    jw_arr_open(w);
    for (size_t i = 0; v[i]; i++)
        jw_str(w, v[i]);
    jw_arr_close(w);
}
void jw_kint(json_w *w, const char *k, long long v)
{
    jw_key(w, k);
    jw_int(w, v);
}
void jw_kuint(json_w *w, const char *k, unsigned long long v)
{
    jw_key(w, k);
    jw_uint(w, v);
}
void jw_kbool(json_w *w, const char *k, bool b)
{
    jw_key(w, k);
    jw_bool(w, b);
}

void jw_value(json_w *w, yajl_val v)
{
    if (v == NULL) {
        jw_null(w);
        return;
    }
    switch (v->type) {
    case yajl_t_string: jw_str(w, v->u.string); break;
    case yajl_t_number: jw_raw_number(w, v->u.number.r); break;
    case yajl_t_true: jw_bool(w, true); break;
    case yajl_t_false: jw_bool(w, false); break;
    case yajl_t_object:
        jw_obj_open(w);
        for (size_t i = 0; i < v->u.object.len; i++) {
            jw_key(w, v->u.object.keys[i]);
            jw_value(w, v->u.object.values[i]);
        }
        jw_obj_close(w);
        break;
    case yajl_t_array:
        jw_arr_open(w);
        for (size_t i = 0; i < v->u.array.len; i++)
            jw_value(w, v->u.array.values[i]);
        jw_arr_close(w);
        break;
    default: jw_null(w); break;
    }
}

yajl_val json_get(yajl_val obj, const char *key)
{
    if (!YAJL_IS_OBJECT(obj))
        return NULL;
    for (size_t i = 0; i < obj->u.object.len; i++)
        if (strcmp(obj->u.object.keys[i], key) == 0)
            return obj->u.object.values[i];
    return NULL;
}

const char *json_get_str(yajl_val obj, const char *key)
{
    yajl_val v = json_get(obj, key);
    return YAJL_IS_STRING(v) ? v->u.string : NULL;
}

bool json_get_i64(yajl_val obj, const char *key, int64_t *out)
{
    yajl_val v = json_get(obj, key);
    if (!YAJL_IS_NUMBER(v) || !(v->u.number.flags & YAJL_NUMBER_INT_VALID))
        return false;
    *out = v->u.number.i;
    return true;
}

bool json_get_u64(yajl_val obj, const char *key, uint64_t *out)
{
    yajl_val v = json_get(obj, key);
    if (!YAJL_IS_NUMBER(v))
        return false;
    return parse_u64(v->u.number.r, out) == 0;
}

bool json_get_bool(yajl_val obj, const char *key, bool *out)
{
    yajl_val v = json_get(obj, key);
    if (YAJL_IS_TRUE(v)) {
        *out = true;
        return true;
    }
    if (YAJL_IS_FALSE(v)) {
        *out = false;
        return true;
    }
    return false;
}

char **json_get_strv(yajl_val obj, const char *key)
{
    yajl_val a = json_get(obj, key);
    if (!YAJL_IS_ARRAY(a))
        return NULL;
    char **v = xcalloc(a->u.array.len + 1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < a->u.array.len; i++)
        if (YAJL_IS_STRING(a->u.array.values[i]))
            v[n++] = xstrdup(YAJL_GET_STRING(a->u.array.values[i]));
    return v;
}
