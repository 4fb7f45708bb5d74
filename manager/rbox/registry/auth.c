/* auth.c - WWW-Authenticate challenges and the auth.json credential files. */
#define _GNU_SOURCE
#include "auth.h"
#include "json.h"
#include "ref.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void www_auth_clear(struct www_auth *a)
{
    free(a->scheme);
    free(a->realm);
    free(a->service);
    free(a->scope);
    free(a->error);
    *a = (struct www_auth){ 0 };
}

static bool tchar(char c)
{
    return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int www_auth_parse(const char *value, struct www_auth *out, rbox_err **err)
{
    *out = (struct www_auth){ 0 };
    const char *p = skip_ws(value ? value : "");
    size_t n = 0;
    while (tchar(p[n]))
        n++;
    if (n == 0)
        return rbox_error(err, 0, "WWW-Authenticate: no scheme in \"%.80s\"", value ? value : "");
    out->scheme = xstrndup(p, n);
    for (char *c = out->scheme; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    p = skip_ws(p + n);
    while (*p) {
        const char *key = p;
        size_t klen = 0;
        while (tchar(key[klen]))
            klen++;
        p = skip_ws(key + klen);
        if (klen > 0 && *p != '=' && p != key + klen && tchar(*p))
            break; /* "Basic realm=...": a second challenge starts; keep the first */
        if (klen == 0 || *p != '=') {
            www_auth_clear(out);
            return rbox_error(err, 0, "WWW-Authenticate: bad parameter at \"%.40s\"", key);
        }
        p = skip_ws(p + 1);
        _cleanup_free_ char *val = xmalloc(strlen(p) + 1);
        size_t vlen = 0;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                val[vlen++] = *p++;
            }
            if (*p != '"') {
                www_auth_clear(out);
                return rbox_error(err, 0, "WWW-Authenticate: unterminated quoted string");
            }
            p++;
        } else {
            while (tchar(*p) || *p == '/' || *p == ':')
                val[vlen++] = *p++;
        }
        val[vlen] = '\0';
        char **slot = NULL;
        if (klen == 5 && strncasecmp(key, "realm", 5) == 0)
            slot = &out->realm;
        else if (klen == 7 && strncasecmp(key, "service", 7) == 0)
            slot = &out->service;
        else if (klen == 5 && strncasecmp(key, "scope", 5) == 0)
            slot = &out->scope;
        else if (klen == 5 && strncasecmp(key, "error", 5) == 0)
            slot = &out->error;
        if (slot) {
            free(*slot);
            *slot = steal_pointer(&val);
        }
        p = skip_ws(p);
        if (*p == ',') {
            p = skip_ws(p + 1);
            continue;
        }
        if (*p) {
            /* a second challenge ("Bearer ..., Basic realm=...") starts: keep the first */
            break;
        }
    }
    return 0;
}

char *authfile_path(const char *authfile)
{
    if (authfile && *authfile)
        return xstrdup(authfile);
    const char *env = getenv("REGISTRY_AUTH_FILE");
    if (env && *env)
        return xstrdup(env);
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && *xdg)
        return xasprintf("%s/containers/auth.json", xdg);
    return xasprintf("/run/containers/%u/auth.json", (unsigned)geteuid());
}

static char *b64_encode(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(BASE64_ENCODE_RAW_LENGTH(n) + 1);
    base64_encode_raw(out, n, (const uint8_t *)s);
    out[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
    return out;
}

static char *b64_decode(const char *s)
{
    struct base64_decode_ctx ctx;
    base64_decode_init(&ctx);
    size_t n = strlen(s), outlen = BASE64_DECODE_LENGTH(n);
    uint8_t *out = xmalloc(outlen + 1);
    if (!base64_decode_update(&ctx, &outlen, out, n, s) || !base64_decode_final(&ctx)) {
        free(out);
        return NULL;
    }
    out[outlen] = '\0';
    return (char *)out;
}

/* an auths key as a host: "https://index.docker.io/v1/" is docker.io, "host/ns" is host */
static char *registry_key(const char *k)
{
    return registry_host_normalize(k, NULL);
}

/* the entry of host in an "auths" object: keys "host", "https://host/v1/", "http://host" */
static yajl_val auths_entry(yajl_val auths, const char *host)
{
    if (!YAJL_IS_OBJECT(auths))
        return NULL;
    for (size_t i = 0; i < auths->u.object.len; i++) {
        _cleanup_free_ char *k = registry_key(auths->u.object.keys[i]);
        if (k && strcmp(k, host) == 0)
            return auths->u.object.values[i];
    }
    return NULL;
}

static int lookup_in(const char *path, const char *host, char **user, char **pass, rbox_err **err)
{
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (read_file_at(AT_FDCWD, path, &text, &len) < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 1;
        return rbox_error(err, errno, "reading %s", path);
    }
    _cleanup_yajl_ yajl_val root = NULL;
    if (json_parse(text, path, &root, err) < 0)
        return -1;
    yajl_val e = auths_entry(json_get(root, "auths"), host);
    const char *auth = json_get_str(e, "auth");
    if (!auth || !*auth)
        return 1;
    _cleanup_free_ char *plain = b64_decode(auth);
    char *colon = plain ? strchr(plain, ':') : NULL;
    if (!colon)
        return rbox_error(err, 0, "%s: auths.%s.auth: not base64 of user:password", path, host);
    *user = xstrndup(plain, (size_t)(colon - plain));
    *pass = xstrdup(colon + 1);
    return 0;
}

int authfile_lookup(const char *authfile, const char *host, char **user, char **pass,
                    rbox_err **err)
{
    _cleanup_free_ char *first = authfile_path(authfile);
    int r = lookup_in(first, host, user, pass, err);
    if (r != 1 || (authfile && *authfile))
        return r;
    const char *home = getenv("HOME");
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *dcfg = getenv("DOCKER_CONFIG");
    _cleanup_free_ char *cfg = xdg && *xdg ? xasprintf("%s/containers/auth.json", xdg)
                               : home      ? xasprintf("%s/.config/containers/auth.json", home)
                                           : NULL;
    if (cfg && (r = lookup_in(cfg, host, user, pass, err)) != 1)
        return r;
    _cleanup_free_ char *docker = dcfg && *dcfg ? xasprintf("%s/config.json", dcfg)
                                  : home        ? xasprintf("%s/.docker/config.json", home)
                                                : NULL;
    return docker ? lookup_in(docker, host, user, pass, err) : 1;
}

int authfile_store(const char *authfile, const char *host, const char *user, const char *pass,
                   rbox_err **err)
{
    _cleanup_free_ char *path = authfile_path(authfile);
    _cleanup_free_ char *text = NULL;
    size_t len;
    _cleanup_yajl_ yajl_val root = NULL;
    if (read_file_at(AT_FDCWD, path, &text, &len) == 0) {
        if (json_parse(text, path, &root, err) < 0)
            return -1;
        if (!YAJL_IS_OBJECT(root))
            return rbox_error(err, 0, "%s: not a JSON object", path);
    } else if (errno != ENOENT) {
        return rbox_error(err, errno, "reading %s", path);
    }
    yajl_val auths = json_get(root, "auths");
    bool found = auths_entry(auths, host) != NULL;
    if (!pass && !found)
        return 1;
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    for (size_t i = 0; root && i < root->u.object.len; i++) {
        if (strcmp(root->u.object.keys[i], "auths") == 0)
            continue;
        jw_key(&w, root->u.object.keys[i]);
        jw_value(&w, root->u.object.values[i]);
    }
    jw_key(&w, "auths");
    jw_obj_open(&w);
    for (size_t i = 0; YAJL_IS_OBJECT(auths) && i < auths->u.object.len; i++) {
        _cleanup_free_ char *k = registry_key(auths->u.object.keys[i]);
        if (k && strcmp(k, host) == 0)
            continue;
        jw_key(&w, auths->u.object.keys[i]);
        jw_value(&w, auths->u.object.values[i]);
    }
    if (pass) {
        _cleanup_free_ char *up = xasprintf("%s:%s", user, pass);
        _cleanup_free_ char *b64 = b64_encode(up);
        jw_key(&w, host);
        jw_obj_open(&w);
        jw_kstr(&w, "auth", b64);
        jw_obj_close(&w);
    }
    jw_obj_close(&w);
    jw_obj_close(&w);
    size_t olen;
    const char *out = jw_text(&w, &olen);
    _cleanup_free_ char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir_p(dir, 0700) < 0) {
            jw_free(&w);
            return rbox_error(err, errno, "creating %s", dir);
        }
    }
    int r = write_file_atomic_at(AT_FDCWD, path, out, olen, 0600, true);
    jw_free(&w);
    if (r < 0)
        return rbox_error(err, errno, "writing %s", path);
    return 0;
}
