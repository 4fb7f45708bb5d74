/* kv_filter.c - the --filter terms of network ls and volume ls (kv_filter.h). */
#define _GNU_SOURCE
#include "kv_filter.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int kvf_key(const char *const *keys, const char *arg, const char **value, rbox_err **err)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return rbox_error(err, 0, "invalid filter \"%s\": expected KEY=VALUE", arg);
    size_t klen = (size_t)(eq - arg);
    int k = 0;
    while (keys[k] && (strlen(keys[k]) != klen || strncmp(keys[k], arg, klen)))
        k++;
    if (!keys[k]) {
        _cleanup_free_ char *list = xstrdup(keys[0]);
        for (int i = 1; keys[i]; i++) {
            char *more = xasprintf("%s, %s", list, keys[i]);
            free(list);
            list = more;
        }
        return rbox_error(err, 0, "invalid filter \"%.*s\": the keys are %s", (int)klen, arg, list);
    }
    *value = eq + 1;
    return k;
}

int kvf_dangling(const char *arg, const char *value, bool *flag, rbox_err **err)
{
    if (str_eq(value, "true") || str_eq(value, "1"))
        *flag = true;
    else if (!str_eq(value, "false") && !str_eq(value, "0"))
        return rbox_error(err, 0, "invalid filter \"%s\": dangling is true, false, 1 or 0", arg);
    return 0;
}

void kvf_push(struct kv_filter *f, struct kv_term t, const char *value, bool regex)
{
    if (regex)
        t.re_ok = regcomp(&t.re, value, REG_EXTENDED | REG_NOSUB) == 0;
    t.value = xstrdup(value);
    f->t = xrealloc(f->t, (f->n + 1) * sizeof(*f->t));
    f->t[f->n++] = t;
}

bool kvf_term_re(const struct kv_term *t, const char *s)
{
    return strcmp(t->value, s) == 0 || (t->re_ok && regexec(&t->re, s, 0, NULL, 0) == 0);
}

bool kvf_match(const struct kv_filter *f, int nkeys, int label_key,
               bool (*match)(const struct kv_term *t, void *ctx), void *ctx)
{
    for (int k = 0; k < nkeys; k++) {
        bool seen = false, any = false, all = true;
        for (size_t i = 0; i < f->n; i++) {
            if (f->t[i].key != k)
                continue;
            seen = true;
            bool m = match(&f->t[i], ctx);
            any |= m;
            all &= m;
        }
        if (seen && !(k == label_key ? all : any))
            return false;
    }
    return true;
}

void kvf_clear(struct kv_filter *f)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->t[i].re_ok)
            regfree(&f->t[i].re);
        free(f->t[i].value);
    }
    free(f->t);
    memset(f, 0, sizeof(*f));
}
