/* kv_filter.h - what `network ls` and `volume ls` --filter KEY=VALUE share: a key out of a
 * table, a value, a regular expression for the keys matched by name; values of one key ORed
 * (the label key: ANDed, every one must hold), different keys ANDed, as docker's. */
#ifndef RBOX_KV_FILTER_H
#define RBOX_KV_FILTER_H

#include "error.h"

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

struct kv_term {
    int key; /* index into the key table */
    char *value;
    bool flag; /* a parsed boolean value (dangling=true, type=builtin) */
    bool re_ok;
    regex_t re;
};

struct kv_filter {
    struct kv_term *t;
    size_t n;
};

/* arg's KEY=VALUE against keys (NULL-terminated): the key's index, *value what follows '=';
 * an error naming every key when it is none of them. */
int kvf_key(const char *const *keys, const char *arg, const char **value, rbox_err **err);
/* dangling=true|1|false|0 into *flag. */
int kvf_dangling(const char *arg, const char *value, bool *flag, rbox_err **err);
/* Adds t with a copy of value; with regex, value compiled as an extended regular expression
 * too (one that does not compile only matches by equality). */
void kvf_push(struct kv_filter *f, struct kv_term t, const char *value, bool regex);
/* value equal to s, or its regular expression found in s. */
bool kvf_term_re(const struct kv_term *t, const char *s);
/* Do the terms hold for one object? Keys 0..nkeys-1; match tells one term, ctx its object. */
bool kvf_match(const struct kv_filter *f, int nkeys, int label_key,
               bool (*match)(const struct kv_term *t, void *ctx), void *ctx);
void kvf_clear(struct kv_filter *f);

#endif
