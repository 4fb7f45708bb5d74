/* json_parse.c - parse a JSON document into a yajl tree, refusing what a C program cannot hold
 * faithfully or safely.
 *
 * yajl_tree_parse keeps the first of duplicate keys (jq, Python and Go keep the last, so a policy
 * checked in those tools could approve something else than what runs), truncates strings at an
 * escaped NUL (\u0000), and frees its tree recursively (500k nested arrays overflow the stack).
 * This builds the same tree (freed with yajl_tree_free) from yajl's callbacks and refuses, with
 * the JSON path: nesting deeper than JSON_MAX_DEPTH, a key repeated in one object, a NUL inside a
 * string or a key. Comments are allowed, as yajl_tree_parse allows them.
 */
#define _GNU_SOURCE
#include "json.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* An object or array being filled; the next value goes into it (with `key` for an object). */
struct frame {
    yajl_val v;
    char *key; /* object: the key of the value being parsed */
    size_t cap;
};

struct builder {
    struct frame stack[JSON_MAX_DEPTH];
    size_t depth;
    yajl_val root;
    yajl_handle h;
    char *error; /* our reason to cancel the parse, with its JSON path */
};

static void path_key(FILE *f, const char *key, bool first)
{
    bool plain = *key != '\0';
    for (const char *p = key; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            plain = false;
    if (plain) {
        fprintf(f, first ? "%s" : ".%s", key);
        return;
    }
    _cleanup_free_ char *q = json_quote(key);
    fprintf(f, "[%s]", q);
}

/* The JSON path of the value being parsed in frame `upto - 1` (the config.c notation:
 * process.env[0], linux.sysctl["net.ipv4.ip_forward"]), then `key` if not NULL. */
static char *path_of(const struct builder *b, size_t upto, const char *key)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        abort();
    bool first = true;
    for (size_t i = 0; i < upto; i++) {
        const struct frame *fr = &b->stack[i];
        if (fr->v->type == yajl_t_array)
            fprintf(f, "[%zu]", fr->v->u.array.len);
        else if (fr->key)
            path_key(f, fr->key, first);
        first = false;
    }
    if (key)
        path_key(f, key, first);
    fclose(f);
    return buf;
}

static int fail(struct builder *b, char *path, const char *fmt, ...) PRINTF(3, 4);
static int fail(struct builder *b, char *path, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    b->error = *path ? xasprintf("%s: %s", path, msg) : xstrdup(msg);
    free(msg);
    free(path);
    return 0; /* cancels the parse */
}

static yajl_val node(yajl_type t)
{
    yajl_val v = xzalloc(sizeof(*v));
    v->type = t;
    return v;
}

/* Put a finished value into the current container, or make it the root. Takes v. */
static int add(struct builder *b, yajl_val v)
{
    if (b->depth == 0) {
        b->root = v;
        return 1;
    }
    struct frame *fr = &b->stack[b->depth - 1];
    yajl_val c = fr->v;
    if (c->type == yajl_t_object) {
        size_t n = c->u.object.len;
        if (n == fr->cap) {
            fr->cap = fr->cap ? fr->cap * 2 : 8;
            c->u.object.keys = xrealloc(c->u.object.keys, fr->cap * sizeof(char *));
            c->u.object.values = xrealloc(c->u.object.values, fr->cap * sizeof(yajl_val));
        }
        c->u.object.keys[n] = steal_pointer(&fr->key);
        c->u.object.values[n] = v;
        c->u.object.len = n + 1;
    } else {
        size_t n = c->u.array.len;
        if (n == fr->cap) {
            fr->cap = fr->cap ? fr->cap * 2 : 8;
            c->u.array.values = xrealloc(c->u.array.values, fr->cap * sizeof(yajl_val));
        }
        c->u.array.values[n] = v;
        c->u.array.len = n + 1;
    }
    return 1;
}

static int on_null(void *ctx)
{
    return add(ctx, node(yajl_t_null));
}

static int on_bool(void *ctx, int b)
{
    return add(ctx, node(b ? yajl_t_true : yajl_t_false));
}

static int on_number(void *ctx, const char *s, size_t len)
{
    yajl_val v = node(yajl_t_number);
    v->u.number.r = xstrndup(s, len);
    char *end;
    errno = 0;
    v->u.number.i = strtoll(v->u.number.r, &end, 10);
    if (errno == 0 && *end == '\0')
        v->u.number.flags |= YAJL_NUMBER_INT_VALID;
    errno = 0;
    v->u.number.d = strtod(v->u.number.r, &end);
    if (errno == 0 && *end == '\0')
        v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
    return add(ctx, v);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    struct builder *b = ctx;
    if (memchr(s, '\0', len))
        return fail(b, path_of(b, b->depth, NULL), "the string contains a NUL character (\\u0000)");
    yajl_val v = node(yajl_t_string);
    v->u.string = xstrndup((const char *)s, len);
    return add(b, v);
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
    struct builder *b = ctx;
    if (memchr(s, '\0', len))
        return fail(b, path_of(b, b->depth, NULL), "a key contains a NUL character (\\u0000)");
    struct frame *fr = &b->stack[b->depth - 1];
    free(fr->key);
    fr->key = xstrndup((const char *)s, len);
    return 1;
}

static int open_container(struct builder *b, yajl_type t)
{
    if (b->depth == JSON_MAX_DEPTH) {
        size_t at = yajl_get_bytes_consumed(b->h);
        return fail(b, xstrdup(""), "nested deeper than %d levels (at byte %zu)", JSON_MAX_DEPTH,
                    at);
    }
    b->stack[b->depth++] = (struct frame){ .v = node(t) };
    return 1;
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int on_start_map(void *ctx)
{
    return open_container(ctx, yajl_t_object);
}

static int on_end_map(void *ctx)
{
    struct builder *b = ctx;
    yajl_val v = b->stack[b->depth - 1].v;
    size_t n = v->u.object.len;
    if (n > 1) {
        /* sorted copies: O(n log n) even for an object of 100k keys */
        _cleanup_free_ const char **keys = xmalloc(n * sizeof(char *));
        memcpy(keys, v->u.object.keys, n * sizeof(char *));
        qsort(keys, n, sizeof(char *), cmp_keys);
        for (size_t i = 1; i < n; i++)
            if (strcmp(keys[i - 1], keys[i]) == 0)
                return fail(b, path_of(b, b->depth - 1, keys[i]), "duplicate key");
    }
    b->depth--;
    return add(b, v);
}

static int on_start_array(void *ctx)
{
    return open_container(ctx, yajl_t_array);
}

static int on_end_array(void *ctx)
{
    struct builder *b = ctx;
    yajl_val v = b->stack[--b->depth].v;
    return add(b, v);
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_bool,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = on_end_map,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end_array,
};

static void builder_free(struct builder *b)
{
    /* each open container is not yet in its parent: free them one by one (none is deep) */
    for (size_t i = 0; i < b->depth; i++) {
        free(b->stack[i].key);
        yajl_tree_free(b->stack[i].v);
    }
    yajl_tree_free(b->root);
    free(b->error);
    if (b->h)
        yajl_free(b->h);
}

/* yajl takes a document followed by an unfinished token ("{...}\"", "{...}tru") as complete:
 * an object or array must be the last thing in the text (found by tests/fuzz/fuzz_seccomp). */
static bool trailing_garbage(const char *text, yajl_val v)
{
    size_t n = strlen(text);
    while (n > 0 && strchr(" \t\r\n", text[n - 1]))
        n--;
    return n > 0 &&
           ((YAJL_IS_OBJECT(v) && text[n - 1] != '}') || (YAJL_IS_ARRAY(v) && text[n - 1] != ']'));
}

int json_parse(const char *text, const char *what, yajl_val *out, rbox_err **err)
{
    struct builder *b = xzalloc(sizeof(*b));
    b->h = yajl_alloc(&callbacks, NULL, b);
    if (b->h == NULL)
        abort();
    yajl_config(b->h, yajl_allow_comments, 1);
    size_t len = strlen(text);
    yajl_status s = yajl_parse(b->h, (const unsigned char *)text, len);
    if (s == yajl_status_ok)
        s = yajl_complete_parse(b->h);
    int ret = 0;
    if (s == yajl_status_client_canceled) {
        ret = rbox_error(err, 0, "%s: %s", what, b->error);
    } else if (s != yajl_status_ok || b->root == NULL) {
        unsigned char *msg = yajl_get_error(b->h, 0, (const unsigned char *)text, len);
        /* yajl's message may span lines; keep the first one */
        char *nl = msg ? strchr((char *)msg, '\n') : NULL;
        if (nl)
            *nl = '\0';
        ret = rbox_error(err, 0, "%s: invalid JSON: %s", what,
                         msg && *msg ? (char *)msg : "parse error");
        if (msg)
            yajl_free_error(b->h, msg);
    } else if (trailing_garbage(text, b->root)) {
        ret = rbox_error(err, 0, "%s: invalid JSON: parse error: trailing garbage", what);
    } else {
        *out = steal_pointer(&b->root);
    }
    builder_free(b);
    free(b);
    return ret;
}
