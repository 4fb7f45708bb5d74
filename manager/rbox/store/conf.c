/* conf.c - /etc/rbox/rbox.conf: a flat subset of TOML (conf.h). */
#define _GNU_SOURCE
#include "conf.h"
#include "rootless.h"
#include "usernet.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_STR, K_STRV };

static const struct key {
    const char *name;
    enum kind kind;
    size_t off;
} keys[] = {
    { "default_network", K_STR, offsetof(struct rbox_conf, default_network) },
    { "default_subnet", K_STR, offsetof(struct rbox_conf, default_subnet) },
    { "subnet_pool", K_STR, offsetof(struct rbox_conf, subnet_pool) },
    { "dns_servers", K_STRV, offsetof(struct rbox_conf, dns_servers) },
    { "cgroup_parent", K_STR, offsetof(struct rbox_conf, cgroup_parent) },
    { "log_max_size", K_STR, offsetof(struct rbox_conf, log_max_size) },
    { "log_max_file", K_STR, offsetof(struct rbox_conf, log_max_file) },
    { "insecure_registries", K_STRV, offsetof(struct rbox_conf, insecure_registries) },
    { "registry_mirrors", K_STRV, offsetof(struct rbox_conf, registry_mirrors) },
    { "netavark", K_STR, offsetof(struct rbox_conf, netavark) },
    { "aardvark_dns", K_STR, offsetof(struct rbox_conf, aardvark_dns) },
};

void rbox_conf_clear(struct rbox_conf *c)
{
    free(c->path);
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        void *field = (char *)c + keys[i].off;
        if (keys[i].kind == K_STR)
            free(*(char **)field);
        else
            strv_free(*(char ***)field);
    }
    memset(c, 0, sizeof(*c));
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* A basic string at *pp ("..." with \" \\ \t \n escapes): allocated, *pp past it. */
static char *parse_string(const char **pp)
{
    const char *p = *pp;
    if (*p != '"')
        return NULL;
    p++;
    size_t cap = strlen(p) + 1, n = 0;
    char *out = xmalloc(cap);
    for (; *p && *p != '"'; p++) {
        char ch = *p;
        if (ch == '\\') {
            p++;
            switch (*p) {
            case '"': ch = '"'; break;
            case '\\': ch = '\\'; break;
            case 't': ch = '\t'; break;
            case 'n': ch = '\n'; break;
            default: free(out); return NULL;
            }
        } else if ((unsigned char)ch < 0x20) {
            free(out);
            return NULL;
        }
        out[n++] = ch;
    }
    if (*p != '"') {
        free(out);
        return NULL;
    }
    out[n] = '\0';
    *pp = p + 1;
    return out;
}

static int parse_value(const struct key *k, struct rbox_conf *c, const char *p, rbox_err **err,
                       const char *where)
{
    void *field = (char *)c + k->off;
    if (k->kind == K_STR) {
        char *v = parse_string(&p);
        if (v == NULL)
            return rbox_error(err, 0, "%s: %s: expected a quoted string", where, k->name);
        free(*(char **)field);
        *(char **)field = v;
    } else {
        if (*p != '[')
            return rbox_error(err, 0, "%s: %s: expected a list of quoted strings", where, k->name);
        p = skip_ws(p + 1);
        char **v = NULL;
        size_t n = 0;
        while (*p != ']') {
            char *s = parse_string(&p);
            if (s == NULL) {
                strv_free(v);
                return rbox_error(err, 0, "%s: %s: expected a list of quoted strings", where,
                                  k->name);
            }
            strv_push(&v, &n, s);
            p = skip_ws(p);
            if (*p == ',')
                p = skip_ws(p + 1);
            else if (*p != ']') {
                strv_free(v);
                return rbox_error(err, 0, "%s: %s: expected ',' or ']'", where, k->name);
            }
        }
        p++;
        strv_free(*(char ***)field);
        *(char ***)field = v;
    }
    p = skip_ws(p);
    if (*p != '\0' && *p != '#')
        return rbox_error(err, 0, "%s: %s: unexpected text after the value", where, k->name);
    return 0;
}

static void set_defaults(struct rbox_conf *c)
{
    /* rootless: no bridge; user-mode networking (usernet.c picks slirp4netns or pasta) */
    c->default_network = xstrdup(rootless() ? usernet_rootless_default() : "bridge");
    c->default_subnet = xstrdup("10.77.0.0/24");
    c->subnet_pool = xstrdup("10.78.0.0/16");
    c->cgroup_parent = xstrdup("/rbox");
    c->netavark = xstrdup("/usr/lib/podman/netavark");
    c->aardvark_dns = xstrdup("/usr/lib/podman/aardvark-dns");
}

static int check(const struct rbox_conf *c, const char *path, rbox_err **err)
{
    const char *dn = c->default_network;
    if (!str_eq(dn, "bridge") && !str_eq(dn, "none") && !str_eq(dn, "host") &&
        !str_eq(dn, "slirp4netns") && !str_eq(dn, "pasta"))
        return rbox_error(err, 0,
                          "%s: default_network: \"%s\" is not bridge, none, host, slirp4netns or "
                          "pasta",
                          path, dn);
    for (size_t i = 0; c->registry_mirrors && c->registry_mirrors[i]; i++) {
        const char *m = c->registry_mirrors[i], *eq = strchr(m, '=');
        if (eq == NULL || eq == m || eq[1] == '\0' || strchr(eq + 1, '/'))
            return rbox_error(err, 0,
                              "%s: registry_mirrors: \"%s\" is not REGISTRY=MIRROR (host[:port] "
                              "each)",
                              path, m);
    }
    if (c->cgroup_parent[0] != '/' || strstr(c->cgroup_parent, ".."))
        return rbox_error(err, 0, "%s: cgroup_parent: \"%s\" is not an absolute cgroup path", path,
                          c->cgroup_parent);
    return 0;
}

int rbox_conf_parse(struct rbox_conf *c, const char *text, const char *path, rbox_err **err)
{
    memset(c, 0, sizeof(*c));
    set_defaults(c);
    c->path = path ? xstrdup(path) : NULL;
    const char *name = path ? path : "rbox.conf";
    unsigned lineno = 0;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        _cleanup_free_ char *l = xstrndup(line, len);
        line = nl ? nl + 1 : NULL;
        lineno++;
        size_t n = strlen(l);
        while (n > 0 && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
            l[--n] = '\0';
        const char *p = skip_ws(l);
        if (*p == '\0' || *p == '#')
            continue;
        const char *eq = strchr(p, '=');
        char where[64];
        snprintf(where, sizeof(where), "%.40s:%u", name, lineno);
        if (eq == NULL)
            return rbox_error(err, 0, "%s: expected key = value", where);
        size_t klen = (size_t)(eq - p);
        while (klen > 0 && (p[klen - 1] == ' ' || p[klen - 1] == '\t'))
            klen--;
        const struct key *k = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
            if (strlen(keys[i].name) == klen && strncmp(keys[i].name, p, klen) == 0)
                k = &keys[i];
        if (k == NULL)
            return rbox_error(err, 0, "%s: unknown key \"%.*s\"", where, (int)klen, p);
        if (parse_value(k, c, skip_ws(eq + 1), err, where) < 0)
            return -1;
    }
    return check(c, name, err);
}

int rbox_conf_get(const struct rbox_conf **out, rbox_err **err)
{
    static struct rbox_conf conf;
    static bool loaded;
    if (!loaded) {
        const char *path = getenv("RBOX_CONFIG");
        bool explicit = path && *path;
        _cleanup_free_ char *user_path = rootless() ? rootless_conf_path() : NULL;
        if (!explicit)
            path = user_path ? user_path : RBOX_CONF_DEFAULT;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (read_file_at(AT_FDCWD, path, &text, &len) < 0) {
            if (errno != ENOENT || explicit)
                return rbox_error(err, errno, "reading the configuration %s", path);
            path = NULL;
        } else if (strlen(text) != len) {
            return rbox_error(err, 0, "%s: a NUL byte in the file", path);
        }
        if (rbox_conf_parse(&conf, text ? text : "", path, err) < 0) {
            rbox_conf_clear(&conf);
            return -1;
        }
        loaded = true;
    }
    *out = &conf;
    return 0;
}
