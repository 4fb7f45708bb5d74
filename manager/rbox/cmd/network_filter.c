/* network_filter.c - rbox network ls --filter (network_filter.h). */
#define _GNU_SOURCE
#include "network_filter.h"
#include "ps_filter.h"
#include "util.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

enum nf_key { N_NAME, N_ID, N_DRIVER, N_LABEL, N_DANGLING, N_TYPE };
static const char *const nkeys[] = { "name", "id", "driver", "label", "dangling", "type", NULL };

struct nf_term {
    enum nf_key key;
    char *value;
    bool flag; /* dangling=true, type=builtin */
    bool re_ok;
    regex_t re;
};

int nf_add(struct net_filter *f, const char *arg, rbox_err **err)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return rbox_error(err, 0, "invalid filter \"%s\": expected KEY=VALUE", arg);
    size_t klen = (size_t)(eq - arg);
    int k = 0;
    while (nkeys[k] && (strlen(nkeys[k]) != klen || strncmp(nkeys[k], arg, klen)))
        k++;
    if (!nkeys[k])
        return rbox_error(err, 0,
                          "invalid filter \"%.*s\": the keys are name, id, driver, label, "
                          "dangling, type",
                          (int)klen, arg);
    struct nf_term t = { .key = (enum nf_key)k, .value = NULL };
    const char *v = eq + 1;
    if (*v == '\0' && t.key != N_NAME && t.key != N_ID)
        return rbox_error(err, 0, "invalid filter \"%s\": empty value", arg);
    if (t.key == N_DANGLING) {
        if (str_eq(v, "true") || str_eq(v, "1"))
            t.flag = true;
        else if (!str_eq(v, "false") && !str_eq(v, "0"))
            return rbox_error(err, 0, "invalid filter \"%s\": dangling is true, false, 1 or 0",
                              arg);
    }
    if (t.key == N_TYPE) {
        if (str_eq(v, "builtin"))
            t.flag = true;
        else if (!str_eq(v, "custom"))
            return rbox_error(err, 0, "invalid filter \"%s\": type is custom or builtin", arg);
    }
    if (t.key == N_NAME || t.key == N_ID)
        t.re_ok = regcomp(&t.re, v, REG_EXTENDED | REG_NOSUB) == 0;
    t.value = xstrdup(v);
    f->t = xrealloc(f->t, (f->n + 1) * sizeof(*f->t));
    f->t[f->n++] = t;
    return 0;
}

static bool term_re(const struct nf_term *t, const char *s)
{
    return strcmp(t->value, s) == 0 || (t->re_ok && regexec(&t->re, s, 0, NULL, 0) == 0);
}

static bool term_match(const struct nf_term *t, struct store *s, const struct network *n)
{
    switch (t->key) {
    case N_NAME: return term_re(t, n->name);
    case N_ID: return term_re(t, n->id);
    case N_DRIVER: return strcmp(t->value, "bridge") == 0;
    case N_LABEL: return filter_labels_match(n->labels, t->value);
    case N_TYPE: return n->builtin == t->flag;
    case N_DANGLING: {
        /* docker: the built-in networks are never dangling */
        _cleanup_strv_ char **users = NULL;
        if (n->builtin)
            return !t->flag;
        if (network_users(s, n->name, &users, NULL) < 0)
            return false;
        return (users[0] == NULL) == t->flag;
    }
    }
    return false;
}

bool nf_match(const struct net_filter *f, struct store *s, const struct network *n)
{
    for (int k = N_NAME; k <= N_TYPE; k++) {
        bool seen = false, any = false, all = true;
        for (size_t i = 0; i < f->n; i++) {
            if ((int)f->t[i].key != k)
                continue;
            seen = true;
            bool m = term_match(&f->t[i], s, n);
            any |= m;
            all &= m;
        }
        if (seen && !(k == N_LABEL ? all : any))
            return false;
    }
    return true;
}

void nf_clear(struct net_filter *f)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->t[i].re_ok)
            regfree(&f->t[i].re);
        free(f->t[i].value);
    }
    free(f->t);
    memset(f, 0, sizeof(*f));
}
