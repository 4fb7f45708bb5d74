/* volume_filter.c - rbox volume ls --filter (volume_filter.h). */
#define _GNU_SOURCE
#include "volume_filter.h"
#include "ps_filter.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum vf_key { V_NAME, V_LABEL, V_DANGLING, V_DRIVER, V_KEYS };
static const char *const vkeys[] = { "name", "label", "dangling", "driver", NULL };

int vf_add(struct vol_filter *f, const char *arg, rbox_err **err)
{
    const char *v;
    int k = kvf_key(vkeys, arg, &v, err);
    if (k < 0)
        return -1;
    struct kv_term t = { .key = k, .value = NULL };
    if (*v == '\0' && k != V_NAME)
        return rbox_error(err, 0, "invalid filter \"%s\": empty value", arg);
    if (k == V_DANGLING && kvf_dangling(arg, v, &t.flag, err) < 0)
        return -1;
    kvf_push(&f->kv, t, v, k == V_NAME);
    return 0;
}

struct vf_obj {
    struct store *s;
    const struct volume *v;
};

static bool term_match(const struct kv_term *t, void *ctx)
{
    struct store *s = ((struct vf_obj *)ctx)->s;
    const struct volume *v = ((struct vf_obj *)ctx)->v;
    switch ((enum vf_key)t->key) {
    case V_NAME: return kvf_term_re(t, v->name);
    case V_LABEL: return filter_labels_match(v->labels, t->value);
    case V_DRIVER: return strcmp(t->value, "local") == 0;
    case V_DANGLING: {
        _cleanup_strv_ char **users = NULL;
        size_t n = 0, running;
        if (volume_users(s, v->name, &users, &n, &running, NULL) < 0)
            return false;
        return (n == 0) == t->flag;
    }
    case V_KEYS: break;
    }
    return false;
}

bool vf_match(const struct vol_filter *f, struct store *s, const struct volume *v)
{
    struct vf_obj o = { s, v };
    return kvf_match(&f->kv, V_KEYS, V_LABEL, term_match, &o);
}

void vf_clear(struct vol_filter *f)
{
    kvf_clear(&f->kv);
}
