/* network_filter.c - rbox network ls --filter (network_filter.h). */
#define _GNU_SOURCE
#include "network_filter.h"
#include "ps_filter.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum nf_key { N_NAME, N_ID, N_DRIVER, N_LABEL, N_DANGLING, N_TYPE, N_KEYS };
static const char *const nkeys[] = { "name", "id", "driver", "label", "dangling", "type", NULL };

int nf_add(struct net_filter *f, const char *arg, rbox_err **err)
{
    const char *v;
    int k = kvf_key(nkeys, arg, &v, err);
    if (k < 0)
        return -1;
    struct kv_term t = { .key = k, .value = NULL };
    if (*v == '\0' && k != N_NAME && k != N_ID)
        return rbox_error(err, 0, "invalid filter \"%s\": empty value", arg);
    if (k == N_DANGLING && kvf_dangling(arg, v, &t.flag, err) < 0)
        return -1;
    if (k == N_TYPE) {
        if (str_eq(v, "builtin"))
            t.flag = true;
        else if (!str_eq(v, "custom"))
            return rbox_error(err, 0, "invalid filter \"%s\": type is custom or builtin", arg);
    }
    kvf_push(&f->kv, t, v, k == N_NAME || k == N_ID);
    return 0;
}

struct nf_obj {
    struct store *s;
    const struct network *n;
};

static bool term_match(const struct kv_term *t, void *ctx)
{
    struct store *s = ((struct nf_obj *)ctx)->s;
    const struct network *n = ((struct nf_obj *)ctx)->n;
    switch ((enum nf_key)t->key) {
    case N_NAME: return kvf_term_re(t, n->name);
    case N_ID: return kvf_term_re(t, n->id);
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
    case N_KEYS: break;
    }
    return false;
}

bool nf_match(const struct net_filter *f, struct store *s, const struct network *n)
{
    struct nf_obj o = { s, n };
    return kvf_match(&f->kv, N_KEYS, N_LABEL, term_match, &o);
}

void nf_clear(struct net_filter *f)
{
    kvf_clear(&f->kv);
}
