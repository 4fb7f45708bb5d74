/* volume_filter.c - rbox volume ls --filter (volume_filter.h). */
#define _GNU_SOURCE
#include "volume_filter.h"
#include "ps_filter.h"
#include "util.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

enum vf_key { V_NAME, V_LABEL, V_DANGLING, V_DRIVER };
static const char *const vkeys[] = { "name", "label", "dangling", "driver", NULL };

struct vf_term {
    enum vf_key key;
    char *value;
    bool dangling; /* dangling= */
    bool re_ok;
    regex_t re;
};

int vf_add(struct vol_filter *f, const char *arg, rbox_err **err)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return rbox_error(err, 0, "invalid filter \"%s\": expected KEY=VALUE", arg);
    size_t klen = (size_t)(eq - arg);
    int k = 0;
    while (vkeys[k] && (strlen(vkeys[k]) != klen || strncmp(vkeys[k], arg, klen)))
        k++;
    if (!vkeys[k])
        return rbox_error(err, 0,
                          "invalid filter \"%.*s\": the keys are name, label, dangling, driver",
                          (int)klen, arg);
    struct vf_term t = { .key = (enum vf_key)k, .value = NULL };
    const char *v = eq + 1;
    if (*v == '\0' && t.key != V_NAME)
        return rbox_error(err, 0, "invalid filter \"%s\": empty value", arg);
    if (t.key == V_DANGLING) {
        if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
            t.dangling = true;
        else if (strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
            return rbox_error(err, 0, "invalid filter \"%s\": dangling is true, false, 1 or 0",
                              arg);
    }
    if (t.key == V_NAME)
        t.re_ok = regcomp(&t.re, v, REG_EXTENDED | REG_NOSUB) == 0;
    t.value = xstrdup(v);
    f->t = xrealloc(f->t, (f->n + 1) * sizeof(*f->t));
    f->t[f->n++] = t;
    return 0;
}

static bool term_match(const struct vf_term *t, struct store *s, const struct volume *v)
{
    switch (t->key) {
    case V_NAME:
        return strcmp(t->value, v->name) == 0 ||
               (t->re_ok && regexec(&t->re, v->name, 0, NULL, 0) == 0);
    case V_LABEL: return filter_labels_match(v->labels, t->value);
    case V_DRIVER: return strcmp(t->value, "local") == 0;
    case V_DANGLING: {
        _cleanup_strv_ char **users = NULL;
        size_t n = 0, running;
        if (volume_users(s, v->name, &users, &n, &running, NULL) < 0)
            return false;
        return (n == 0) == t->dangling;
    }
    }
    return false;
}

bool vf_match(const struct vol_filter *f, struct store *s, const struct volume *v)
{
    for (int k = V_NAME; k <= V_DRIVER; k++) {
        bool seen = false, any = false, all = true;
        for (size_t i = 0; i < f->n; i++) {
            if ((int)f->t[i].key != k)
                continue;
            seen = true;
            bool m = term_match(&f->t[i], s, v);
            any |= m;
            all &= m;
        }
        if (seen && !(k == V_LABEL ? all : any))
            return false;
    }
    return true;
}

void vf_clear(struct vol_filter *f)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->t[i].re_ok)
            regfree(&f->t[i].re);
        free(f->t[i].value);
    }
    free(f->t);
    memset(f, 0, sizeof(*f));
}
