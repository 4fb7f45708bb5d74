/* json.h - JSON helpers over yajl: quoting, a small writer, and typed look-ups in a yajl tree. */
#ifndef RBOX_JSON_H
#define RBOX_JSON_H

#include "error.h"
#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* A quoted, escaped JSON string literal (with the quotes). */
char *json_quote(const char *s);

/* Writer: a yajl_gen with short helpers. */
typedef struct json_w {
    yajl_gen g;
} json_w;
void jw_init(json_w *w, bool pretty);
void jw_free(json_w *w);
/* The generated text (owned by the writer). */
const char *jw_text(json_w *w, size_t *len);
void jw_obj_open(json_w *w);
void jw_obj_close(json_w *w);
void jw_arr_open(json_w *w);
void jw_arr_close(json_w *w);
void jw_key(json_w *w, const char *k);
void jw_str(json_w *w, const char *s); /* NULL writes null */
void jw_int(json_w *w, long long v);
void jw_uint(json_w *w, unsigned long long v);
void jw_bool(json_w *w, bool b);
void jw_null(json_w *w);
void jw_raw_number(json_w *w, const char *num);
/* key + value in one call */
void jw_kstr(json_w *w, const char *k, const char *s);
void jw_kint(json_w *w, const char *k, long long v);
void jw_kuint(json_w *w, const char *k, unsigned long long v);
void jw_kbool(json_w *w, const char *k, bool b);
/* a NULL-terminated string vector as an array; NULL as null */
void jw_kstrv(json_w *w, const char *k, char *const *v);
/* Copy a parsed value into the output. */
void jw_value(json_w *w, yajl_val v);

/* Ownership of a parsed tree by scope. */
static inline void cleanup_yajlp(yajl_val *v)
{
    if (*v)
        yajl_tree_free(*v);
}
#define _cleanup_yajl_ __attribute__((cleanup(cleanup_yajlp)))

/* Reading. Parse a whole document (json_parse.c); on error fill err with "<what>: <yajl message>"
 * or "<what>: <JSON path>: <reason>". Refused: nesting deeper than JSON_MAX_DEPTH, a key repeated
 * in one object, a NUL (\u0000) in a string or key. Free the tree with yajl_tree_free. */
#define JSON_MAX_DEPTH 256
int json_parse(const char *text, const char *what, yajl_val *out, rbox_err **err);
yajl_val json_get(yajl_val obj, const char *key); /* NULL when missing or obj not an object */
const char *json_get_str(yajl_val obj, const char *key);
bool json_get_i64(yajl_val obj, const char *key, int64_t *out);
bool json_get_u64(yajl_val obj, const char *key, uint64_t *out);
bool json_get_bool(yajl_val obj, const char *key, bool *out);
/* The strings of an array member (allocated, NULL-terminated; other elements skipped), or
 * NULL when the member is missing or not an array. */
char **json_get_strv(yajl_val obj, const char *key);

#endif
