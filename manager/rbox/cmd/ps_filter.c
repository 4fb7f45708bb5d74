/* ps_filter.c - rbox ps --filter (ps_filter.h). What a key matches is docker's (moby's
 * daemon/list.go): id and name as Go's filters.Match (equal, or the value as a regular
 * expression found anywhere: POSIX ERE here, RE2 there), label=KEY or KEY=VALUE,
 * status=created|running|paused|exited|dead, exited=CODE (containers that ran and stopped),
 * ancestor=IMAGE (name[:tag], ID or ID prefix), before=/since=CONTAINER (created before /
 * after it), volume=NAME|DESTINATION (a named volume or bind source, or where it is mounted),
 * network=NAME|ID (attached to it; none and host by name), publish=PORT[/PROTO] (a host port
 * it publishes), expose=PORT[/PROTO] (a container port it publishes). */
#define _GNU_SOURCE
#include "ps_filter.h"
#include "ctr.h"
#include "image.h"
#include "netsetup.h"
#include "network.h"
#include "restart.h"
#include "spec.h"
#include "util.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum psf_key {
    K_ID,
    K_NAME,
    K_LABEL,
    K_STATUS,
    K_EXITED,
    K_ANCESTOR,
    K_BEFORE,
    K_SINCE,
    K_VOLUME,
    K_NETWORK,
    K_PUBLISH,
    K_EXPOSE,
    K_HEALTH
};
static const char *const key_names[] = { "id",       "name",   "label",  "status", "exited",
                                         "ancestor", "before", "since",  "volume", "network",
                                         "publish",  "expose", "health", NULL };

struct psf_term {
    enum psf_key key;
    char *value;
    int code; /* exited */
    bool re_ok;
    regex_t re; /* id, name */
};

int psf_add(struct ps_filter *f, const char *arg, rbox_err **err)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return rbox_error(err, 0, "invalid filter \"%s\": expected KEY=VALUE", arg);
    size_t klen = (size_t)(eq - arg);
    int k = 0;
    while (key_names[k] && (strlen(key_names[k]) != klen || strncmp(key_names[k], arg, klen)))
        k++;
    if (!key_names[k])
        return rbox_error(err, 0,
                          "invalid filter \"%.*s\": the keys are id, name, label, status, "
                          "exited, ancestor, before, since, volume, network, publish, expose, "
                          "health",
                          (int)klen, arg);
    struct psf_term t = { .key = (enum psf_key)k, .value = NULL };
    const char *v = eq + 1;
    if (*v == '\0' && t.key != K_NAME && t.key != K_ID)
        return rbox_error(err, 0, "invalid filter \"%s\": empty value", arg);
    if (t.key == K_STATUS) {
        enum ctr_status s = 0;
        while (s < CS_COUNT && strcmp(ctr_status_name(s), v) != 0)
            s++;
        if (s == CS_COUNT && strcmp(v, "restarting") != 0 && strcmp(v, "removing") != 0)
            return rbox_error(err, 0,
                              "invalid filter \"%s\": status is one of created, restarting, "
                              "running, removing, paused, exited, dead",
                              arg);
    }
    if (t.key == K_HEALTH && !str_eq(v, "starting") && !str_eq(v, "healthy") &&
        !str_eq(v, "unhealthy") && !str_eq(v, "none"))
        return rbox_error(err, 0,
                          "invalid filter \"%s\": health is one of starting, healthy, unhealthy, "
                          "none",
                          arg);
    if (t.key == K_EXITED && (parse_int(v, &t.code) < 0 || t.code < 0))
        return rbox_error(err, 0, "invalid filter \"%s\": exited takes an exit code", arg);
    if (t.key == K_ID || t.key == K_NAME)
        t.re_ok = regcomp(&t.re, v, REG_EXTENDED | REG_NOSUB) == 0;
    t.value = xstrdup(v);
    f->t = xrealloc(f->t, (f->n + 1) * sizeof(*f->t));
    f->t[f->n++] = t;
    f->need_spec |= t.key == K_LABEL || t.key == K_VOLUME || t.key == K_NETWORK ||
                    t.key == K_PUBLISH || t.key == K_EXPOSE;
    return 0;
}

bool psf_implies_all(const struct ps_filter *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->t[i].key == K_STATUS)
            return true;
    return false;
}

static int created_of(struct store *s, const char *ref, int64_t *out, rbox_err **err)
{
    char id[ID_LEN + 1];
    struct ctr_state st;
    if (ctr_resolve(s, ref, id, err) < 0 || ctr_read(s, id, &st, err) < 0)
        return -1;
    *out = st.created_ns;
    return 0;
}

/* ancestor=: the IDs of the images it names; an unknown image matches nothing (docker) */
static void add_ancestor(struct ps_filter *f, const struct image *imgs, size_t n, const char *v)
{
    size_t k = strv_len(f->ancestor_ids);
    const char *hex = str_has_prefix(v, "sha256:") ? v + 7 : v;
    _cleanup_free_ char *ref = image_normalize_ref(v, NULL);
    for (size_t i = 0; i < n; i++) {
        bool hit = strlen(hex) >= 4 && strncmp(imgs[i].id, hex, strlen(hex)) == 0;
        for (size_t t = 0; !hit && ref && imgs[i].tags && imgs[i].tags[t]; t++)
            hit = strcmp(imgs[i].tags[t], ref) == 0;
        if (hit)
            strv_push(&f->ancestor_ids, &k, xstrdup(imgs[i].id));
    }
}

int psf_prepare(struct ps_filter *f, struct store *s, rbox_err **err)
{
    struct image *imgs = NULL;
    size_t nimg = 0;
    bool listed = false;
    int r = 0;
    f->ancestor_ids = xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < f->n && r == 0; i++) {
        const struct psf_term *t = &f->t[i];
        if (t->key == K_BEFORE)
            r = created_of(s, t->value, &f->before_ns, err);
        else if (t->key == K_SINCE)
            r = created_of(s, t->value, &f->since_ns, err);
        if (r < 0)
            rbox_error_prefix(err, "invalid filter \"%s=%s\"", key_names[t->key], t->value);
        if (t->key != K_ANCESTOR)
            continue;
        if (!listed && image_list(s, &imgs, &nimg, err) < 0)
            return -1;
        listed = true;
        add_ancestor(f, imgs, nimg, t->value);
    }
    for (size_t i = 0; i < nimg; i++)
        image_clear(&imgs[i]);
    free(imgs);
    return r;
}

/* Go's filters.Match: equal, or the value's regular expression found in s */
static bool value_match(const struct psf_term *t, const char *s)
{
    return strcmp(t->value, s) == 0 || (t->re_ok && regexec(&t->re, s, 0, NULL, 0) == 0);
}

bool filter_labels_match(char *const *labels, const char *want)
{
    const char *eq = strchr(want, '=');
    size_t klen = eq ? (size_t)(eq - want) : strlen(want);
    for (size_t i = 0; labels && labels[i]; i++) {
        const char *leq = strchr(labels[i], '=');
        size_t lk = leq ? (size_t)(leq - labels[i]) : strlen(labels[i]);
        if (lk != klen || strncmp(labels[i], want, klen) != 0)
            continue;
        if (!eq || strcmp(leq ? leq + 1 : "", eq + 1) == 0)
            return true;
    }
    return false;
}

static bool volume_match(const struct sbx_opts *o, const char *want)
{
    for (size_t i = 0; i < o->n_mounts; i++)
        if (str_eq(o->mounts[i].dest, want) ||
            (o->mounts[i].type != SBX_TMPFS && str_eq(o->mounts[i].source, want)))
            return true;
    return false;
}

/* network=NAME|ID: attached to it (a network's ID matches by prefix, as docker). */
static bool network_match(struct store *s, const struct ctr_spec *sp, const char *want)
{
    for (size_t i = 0; i < sp->net.n_nets; i++) {
        if (str_eq(sp->net.nets[i].name, want))
            return true;
        struct network n;
        if (network_load(s, sp->net.nets[i].name, &n, NULL) == 0) {
            bool hit = strlen(want) >= 3 && str_has_prefix(n.id, want);
            network_clear(&n);
            if (hit)
                return true;
        }
    }
    return str_eq(sp->network, want); /* none, host */
}

/* publish=PORT[/PROTO] (a host port published) or expose=PORT[/PROTO] (a container port). */
static bool port_match(const struct ctr_spec *sp, const char *want, bool host)
{
    const char *slash = strchr(want, '/');
    int port = atoi(want);
    const char *proto = slash ? slash + 1 : "tcp";
    for (size_t i = 0; i < sp->net.n_ports; i++) {
        const struct port_map *p = &sp->net.ports[i];
        int first = host ? p->host_port : p->ctr_port;
        if (str_eq(p->proto, proto) && port >= first && port < first + p->range)
            return true;
    }
    return false;
}

/* publish=PORT[/PROTO]: the host port as the running container got it (net.json: -P and free
 * ports are chosen at start), else as asked. */
static bool published_match(struct store *s, const char *id, const struct ctr_spec *sp,
                            const char *want)
{
    _cleanup_yajl_ yajl_val ns = net_state_load(s, id);
    yajl_val ports = json_get(ns, "ports");
    if (!YAJL_IS_ARRAY(ports))
        return port_match(sp, want, true);
    const char *slash = strchr(want, '/');
    int port = atoi(want);
    const char *proto = slash ? slash + 1 : "tcp";
    for (size_t i = 0; i < ports->u.array.len; i++) {
        int64_t hp = 0;
        json_get_i64(ports->u.array.values[i], "host_port", &hp);
        if (hp == port && str_eq(json_get_str(ports->u.array.values[i], "protocol"), proto))
            return true;
    }
    return false;
}

/* One term against the container (sp: its spec when need_spec, else NULL). */
static bool term_match(struct store *s, const struct ps_filter *f, const struct psf_term *t,
                       const struct ctr_state *st, const struct ctr_spec *sp)
{
    switch (t->key) {
    case K_ID: return value_match(t, st->id);
    case K_NAME: {
        char slash[NAME_MAXLEN + 2];
        snprintf(slash, sizeof(slash), "/%s", st->name);
        return value_match(t, st->name) || value_match(t, slash);
    }
    case K_LABEL: return sp && filter_labels_match(sp->rf.labels, t->value);
    case K_STATUS: return strcmp(ctr_state_name(st), t->value) == 0;
    case K_EXITED:
        return (st->status == CS_EXITED || st->status == CS_DEAD) && st->started_ns != 0 &&
               st->exit_code == t->code;
    case K_ANCESTOR:
        for (size_t i = 0; f->ancestor_ids[i]; i++)
            if (strcmp(f->ancestor_ids[i], st->image_id) == 0)
                return true;
        return strcmp(st->image, t->value) == 0;
    case K_BEFORE: return st->created_ns < f->before_ns;
    case K_SINCE: return st->created_ns > f->since_ns;
    case K_VOLUME: return sp && volume_match(&sp->sbx, t->value);
    case K_NETWORK: return sp && network_match(s, sp, t->value);
    case K_PUBLISH: return sp && published_match(s, st->id, sp, t->value);
    case K_EXPOSE: return sp && port_match(sp, t->value, false);
    case K_HEALTH: {
        /* docker: a container without a check (or not running) is "none" */
        char h[16] = "";
        _cleanup_close_ int fd = ctr_open_dir(s, st->id, NULL);
        if (fd >= 0 && st->status == CS_RUNNING)
            health_status(fd, h, sizeof(h));
        return strcmp(h[0] ? h : "none", t->value) == 0;
    }
    }
    return false;
}

bool psf_match(const struct ps_filter *f, struct store *s, const struct ctr_state *st)
{
    if (f->n == 0)
        return true;
    struct ctr_spec sp;
    bool have = false;
    if (f->need_spec) {
        _cleanup_close_ int fd = ctr_open_dir(s, st->id, NULL);
        have = fd >= 0 && spec_load(fd, &sp, NULL) == 0;
    }
    bool ok = true;
    /* per key: any value (label: every value) */
    for (int k = K_ID; k <= K_HEALTH && ok; k++) {
        bool any = false, seen = false, all = true;
        for (size_t i = 0; i < f->n; i++) {
            if ((int)f->t[i].key != k)
                continue;
            seen = true;
            bool m = term_match(s, f, &f->t[i], st, have ? &sp : NULL);
            any |= m;
            all &= m;
        }
        if (seen)
            ok = k == K_LABEL ? all : any;
    }
    if (have)
        spec_clear(&sp);
    return ok;
}

void psf_clear(struct ps_filter *f)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->t[i].re_ok)
            regfree(&f->t[i].re);
        free(f->t[i].value);
    }
    free(f->t);
    strv_free(f->ancestor_ids);
    memset(f, 0, sizeof(*f));
}
