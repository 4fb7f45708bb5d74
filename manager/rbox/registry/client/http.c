/* http.c - one registry connection over libcurl: scheme choice, TLS material (podman's certs.d
 * convention), the auth flows (anonymous, basic, the bearer-token flow of Docker Hub) and plain
 * requests. Blob streaming is pull.c's and push.c's, on handles made here. */
#define _GNU_SOURCE
#include "client.h"
#include "json.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef RBOX_VERSION
#define RBOX_VERSION "0.0.0"
#endif
#define SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"

void reg_sha256_hex(const void *data, size_t len, char out[65])
{
    struct sha256_ctx md;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&md);
    sha256_update(&md, len, data);
    sha256_digest(&md, sizeof(d), d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void reg_resp_clear(struct reg_resp *r)
{
    free(r->body);
    free(r->content_type);
    free(r->location);
    free(r->digest);
    free(r->www_auth);
    *r = (struct reg_resp){ 0 };
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
    *buf = xrealloc(*buf, *len + n + 1);
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* the cert dir's .crt files after the system's bundle; a .cert + .key pair: the client certificate
 */
static int load_certs(struct reg_client *c, rbox_err **err)
{
    _cleanup_free_ char *dflt = xasprintf("/etc/containers/certs.d/%s", c->domain);
    const char *dir = c->o->cert_dir ? c->o->cert_dir : dflt;
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d) {
        if (c->o->cert_dir)
            return rbox_error(err, errno, "--cert-dir %s", dir);
        return 0;
    }
    _cleanup_free_ char *sys = NULL;
    size_t syslen = 0;
    if (read_file_at(AT_FDCWD, SYSTEM_CA, &sys, &syslen) == 0)
        append(&c->ca_data, &c->ca_len, sys, syslen);
    size_t extra = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, de->d_name);
        if (str_has_suffix(de->d_name, ".crt")) {
            _cleanup_free_ char *pem = NULL;
            size_t n;
            if (read_file_at(AT_FDCWD, path, &pem, &n) < 0)
                return rbox_error(err, errno, "reading %s", path);
            append(&c->ca_data, &c->ca_len, "\n", 1);
            append(&c->ca_data, &c->ca_len, pem, n);
            extra++;
        } else if (str_has_suffix(de->d_name, ".cert")) {
            free(c->client_cert);
            c->client_cert = steal_pointer(&path);
            c->client_key =
                xasprintf("%.*s.key", (int)(strlen(c->client_cert) - 5), c->client_cert);
        }
    }
    if (extra == 0) {
        free(c->ca_data);
        c->ca_data = NULL;
        c->ca_len = 0;
    }
    return 0;
}

static void apply_common(struct reg_client *c, CURL *e, const char *url)
{
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "rbox/" RBOX_VERSION);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 120L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c->o->tls_verify ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c->o->tls_verify ? 2L : 0L);
    if (c->ca_data) {
        struct curl_blob blob = { .data = c->ca_data, .len = c->ca_len, .flags = CURL_BLOB_NOCOPY };
        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (c->client_cert) {
        curl_easy_setopt(e, CURLOPT_SSLCERT, c->client_cert);
        curl_easy_setopt(e, CURLOPT_SSLKEY, c->client_key);
    }
}

char *reg_url(const struct reg_client *c, const char *path)
{
    if (str_has_prefix(path, "http://") || str_has_prefix(path, "https://"))
        return xstrdup(path);
    return xasprintf("%s%s%s", c->base, path[0] == '/' ? "" : "/", path);
}

CURL *reg_easy_new(struct reg_client *c, const char *url, struct curl_slist **headers)
{
    CURL *e = curl_easy_init();
    if (!e)
        abort();
    apply_common(c, e, url);
    if (c->authz)
        *headers = curl_slist_append(*headers, c->authz);
    return e;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
    struct reg_resp *r = ud;
    size_t len = size * n;
    if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
        /* a new response (after a redirect or a 100): forget the previous one's headers */
        free(r->content_type);
        free(r->location);
        free(r->digest);
        free(r->www_auth);
        r->content_type = r->location = r->digest = r->www_auth = NULL;
        return len;
    }
    const char *colon = memchr(buf, ':', len);
    if (!colon)
        return len;
    size_t klen = (size_t)(colon - buf);
    const char *v = colon + 1;
    size_t vlen = len - klen - 1;
    while (vlen && (*v == ' ' || *v == '\t'))
        v++, vlen--;
    while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
        vlen--;
    char **slot = NULL;
    if (klen == 12 && strncasecmp(buf, "Content-Type", 12) == 0)
        slot = &r->content_type;
    else if (klen == 8 && strncasecmp(buf, "Location", 8) == 0)
        slot = &r->location;
    else if (klen == 21 && strncasecmp(buf, "Docker-Content-Digest", 21) == 0)
        slot = &r->digest;
    else if (klen == 16 && strncasecmp(buf, "WWW-Authenticate", 16) == 0)
        slot = &r->www_auth;
    if (slot) {
        /* a Bearer challenge wins over a Basic one sent beside it */
        if (*slot && slot == &r->www_auth && strncasecmp(v, "bearer", 6) != 0)
            return len;
        free(*slot);
        *slot = xstrndup(v, vlen);
    }
    return len;
}

struct sink {
    struct reg_resp *r;
    size_t max;
};

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t len = size * n;
    if (s->r->len + len > s->max)
        return 0; /* CURLE_WRITE_ERROR: reported as too large */
    append(&s->r->body, &s->r->len, buf, len);
    return len;
}

struct source {
    const struct reg_body *b;
    size_t done;
};

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
    struct source *s = ud;
    size_t want = size * n, left = s->b->len - s->done;
    if (want > left)
        want = left;
    if (want == 0)
        return 0;
    if (s->b->fd >= 0) {
        ssize_t got = pread(s->b->fd, buf, want, s->b->off + (off_t)s->done);
        if (got <= 0)
            return CURL_READFUNC_ABORT;
        want = (size_t)got;
    } else {
        memcpy(buf, (const char *)s->b->data + s->done, want);
    }
    s->done += want;
    return want;
}

static int perform(struct reg_client *c, const char *method, const char *url, const char *accept,
                   const struct reg_body *body, size_t max_body, struct reg_resp *r, rbox_err **err)
{
    reg_resp_clear(r);
    CURL *e = c->easy;
    curl_easy_reset(e);
    struct curl_slist *h = NULL;
    apply_common(c, e, url);
    if (c->authz)
        h = curl_slist_append(h, c->authz);
    if (accept) {
        _cleanup_free_ char *a = xasprintf("Accept: %s", accept);
        h = curl_slist_append(h, a);
    }
    struct source src = { .b = body };
    struct sink snk = { .r = r, .max = max_body };
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(body ? body->len : 0));
        if (body) {
            curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(e, CURLOPT_READDATA, &src);
        } else {
            static const struct reg_body empty = { .fd = -1 };
            src.b = &empty;
            curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(e, CURLOPT_READDATA, &src);
        }
        _cleanup_free_ char *ct =
            xasprintf("Content-Type: %s",
                      body && body->content_type ? body->content_type : "application/octet-stream");
        h = curl_slist_append(h, ct);
        h = curl_slist_append(h, "Expect:");
    } else {
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &snk);
    CURLcode rc = curl_easy_perform(e);
    curl_slist_free_all(h);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    curl_off_t cl = -1;
    curl_easy_getinfo(e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    r->content_length = cl > 0 ? (uint64_t)cl : 0;
    if (rc == CURLE_WRITE_ERROR && r->len + CURL_MAX_WRITE_SIZE > max_body)
        return rbox_error(err, 0, "%s %s: response larger than %zu bytes", method, url, max_body);
    if (rc != CURLE_OK)
        return rbox_error_code(err, rc, "%s %s: %s", method, url, curl_easy_strerror(rc));
    return 0;
}

/* the registry's own words from an error body {"errors": [{"code", "message"}]} */
static char *error_text(const struct reg_resp *r)
{
    if (!r->body || !r->len)
        return NULL;
    _cleanup_yajl_ yajl_val v = NULL;
    if (json_parse(r->body, "error", &v, NULL) < 0)
        return NULL;
    yajl_val errs = json_get(v, "errors");
    if (!YAJL_IS_ARRAY(errs) || errs->u.array.len == 0)
        return NULL;
    yajl_val e0 = errs->u.array.values[0];
    const char *code = json_get_str(e0, "code"), *msg = json_get_str(e0, "message");
    if (!msg && !code)
        return NULL;
    char *t = xasprintf("%s%s%s", code ? code : "", code && msg ? ": " : "", msg ? msg : "");
    for (char *p = t; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return t;
}

int reg_status_error(const struct reg_resp *r, rbox_err **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *what = NULL;
    if (vasprintf(&what, fmt, ap) < 0)
        abort();
    va_end(ap);
    _cleanup_free_ char *text = error_text(r);
    const char *plain = r->status == 401   ? "unauthorized (credentials missing or rejected)"
                        : r->status == 403 ? "access denied"
                        : r->status == 404 ? "not found"
                                           : "unexpected response";
    return rbox_error(err, 0, "%s: HTTP %ld %s", what, r->status, text ? text : plain);
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(BASE64_ENCODE_RAW_LENGTH(n) + 1);
    base64_encode_raw(out, n, (const uint8_t *)s);
    out[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
    return out;
}

static void set_basic(struct reg_client *c)
{
    free(c->authz);
    c->authz = NULL;
    if (c->user) {
        _cleanup_free_ char *up = xasprintf("%s:%s", c->user, c->pass ? c->pass : "");
        _cleanup_free_ char *enc = b64(up);
        c->authz = xasprintf("Authorization: Basic %s", enc);
    }
}

/* GET realm?service=&scope=... (with the basic credentials when there are some) */
static int fetch_token(struct reg_client *c, rbox_err **err)
{
    if (!c->chal.realm || !*c->chal.realm)
        return rbox_error(err, 0, "%s: bearer challenge without a realm", c->host);
    CURL *e = c->easy;
    _cleanup_free_ char *url = xstrdup(c->chal.realm);
    char sep = strchr(url, '?') ? '&' : '?';
    if (c->chal.service) {
        char *s = curl_easy_escape(e, c->chal.service, 0);
        char *u = xasprintf("%s%cservice=%s", url, sep, s);
        curl_free(s);
        free(url);
        url = u;
        sep = '&';
    }
    _cleanup_free_ char *scopes = xstrdup(c->scopes ? c->scopes : "");
    for (char *sp = NULL, *tok = strtok_r(scopes, " ", &sp); tok; tok = strtok_r(NULL, " ", &sp)) {
        char *s = curl_easy_escape(e, tok, 0);
        char *u = xasprintf("%s%cscope=%s", url, sep, s);
        curl_free(s);
        free(url);
        url = u;
        sep = '&';
    }
    if (c->user) {
        char *s = curl_easy_escape(e, c->user, 0);
        char *u = xasprintf("%s%caccount=%s", url, sep, s);
        curl_free(s);
        free(url);
        url = u;
    }
    set_basic(c);
    struct reg_resp r = { 0 };
    int rc = perform(c, "GET", url, "application/json", NULL, 1 << 20, &r, err);
    free(c->authz);
    c->authz = NULL;
    if (rc < 0) {
        reg_resp_clear(&r);
        return rbox_error_prefix(err, "%s: token", c->host);
    }
    if (r.status != 200) {
        rc = reg_status_error(&r, err, "%s: token from %s", c->host, c->chal.realm);
        reg_resp_clear(&r);
        return rc;
    }
    yajl_val v = NULL;
    if (json_parse(r.body ? r.body : "", "token response", &v, err) < 0) {
        reg_resp_clear(&r);
        return rbox_error_prefix(err, "%s", c->host);
    }
    const char *tok = json_get_str(v, "token");
    if (!tok || !*tok)
        tok = json_get_str(v, "access_token");
    if (tok && *tok && strspn(tok, "\r\n") == 0 && !strpbrk(tok, "\r\n"))
        c->authz = xasprintf("Authorization: Bearer %s", tok);
    yajl_tree_free(v);
    reg_resp_clear(&r);
    if (!c->authz)
        return rbox_error(err, 0, "%s: token response from %s without a token", c->host,
                          c->chal.realm);
    return 0;
}

int reg_client_auth(struct reg_client *c, const char *scope, rbox_err **err)
{
    if (scope && (!c->scopes || !strstr(c->scopes, scope))) {
        char *s = c->scopes ? xasprintf("%s %s", c->scopes, scope) : xstrdup(scope);
        free(c->scopes);
        c->scopes = s;
    }
    if (!c->have_chal)
        return 0; /* the registry wants no auth */
    if (strcmp(c->chal.scheme, "bearer") == 0)
        return fetch_token(c, err);
    if (strcmp(c->chal.scheme, "basic") == 0) {
        set_basic(c);
        return 0;
    }
    return rbox_error(err, 0, "%s: unsupported authentication scheme \"%s\"", c->host,
                      c->chal.scheme);
}

int reg_request(struct reg_client *c, const char *method, const char *path, const char *accept,
                const struct reg_body *body, size_t max_body, struct reg_resp *r, rbox_err **err)
{
    _cleanup_free_ char *url = reg_url(c, path);
    if (perform(c, method, url, accept, body, max_body, r, err) < 0)
        return -1;
    if (r->status != 401 || !r->www_auth)
        return 0;
    /* a challenge for a scope not asked yet (a mount's source repository), or the first one */
    struct www_auth a;
    if (www_auth_parse(r->www_auth, &a, NULL) < 0)
        return 0;
    bool retry = false;
    const char *want = NULL;
    if (strcmp(a.scheme, "bearer") == 0 &&
        (!c->have_chal || strcmp(c->chal.scheme, "bearer") == 0)) {
        if (!c->have_chal) {
            /* /v2/ was open, this repository is not */
            c->chal = a;
            c->have_chal = true;
            a = (struct www_auth){ 0 };
            retry = true;
            want = c->chal.scope;
        } else {
            retry = a.scope && (!c->scopes || !strstr(c->scopes, a.scope));
            want = a.scope;
        }
    } else if (strcmp(a.scheme, "basic") == 0 && c->user && !c->authz) {
        if (!c->have_chal) {
            c->chal = a;
            c->have_chal = true;
            a = (struct www_auth){ 0 };
        }
        retry = strcmp(c->chal.scheme, "basic") == 0;
    }
    if (retry && reg_client_auth(c, want, err) < 0) {
        www_auth_clear(&a);
        return -1;
    }
    www_auth_clear(&a);
    if (!retry)
        return 0;
    return perform(c, method, url, accept, body, max_body, r, err);
}

static int ping(struct reg_client *c, rbox_err **err)
{
    struct reg_resp r = { 0 };
    _cleanup_free_ char *url = reg_url(c, "/v2/");
    int rc = perform(c, "GET", url, "application/json", NULL, 1 << 20, &r, err);
    if (rc < 0) {
        reg_resp_clear(&r);
        return -1;
    }
    if (r.status == 401 && r.www_auth) {
        rc = www_auth_parse(r.www_auth, &c->chal, err);
        if (rc == 0)
            c->have_chal = true;
        else
            rbox_error_prefix(err, "%s", c->host);
    } else if (r.status != 200) {
        rc = reg_status_error(&r, err, "%s: GET /v2/ (is it a registry?)", c->host);
    }
    reg_resp_clear(&r);
    return rc;
}

int reg_client_open(struct reg_client *c, const struct reg_opts *o, const char *domain,
                    rbox_err **err)
{
    *c = (struct reg_client){ .o = o };
    c->domain = xstrdup(domain);
    c->host = registry_host_normalize(domain, err);
    if (!c->host)
        return -1;
    c->easy = curl_easy_init();
    if (!c->easy)
        abort();
    if (load_certs(c, err) < 0)
        return -1;
    const char *server = strcmp(c->host, REF_DEFAULT_DOMAIN) == 0 ? "registry-1.docker.io" : domain;
    c->base = xasprintf("https://%s", server);
    if (ping(c, err) < 0) {
        long code = (*err)->errnum;
        /* an insecure registry: https refused or not TLS at all, so plain http */
        if (o->tls_verify &&
            (code == CURLE_SSL_CONNECT_ERROR || code == CURLE_PEER_FAILED_VERIFICATION)) {
            _cleanup_free_ char *msg = xstrdup((*err)->msg);
            return rbox_error(err, 0, "%s (%s)", msg,
                              code == CURLE_SSL_CONNECT_ERROR
                                  ? "no TLS there? --tls-verify=false for an insecure registry"
                                  : "its CA goes in --cert-dir or /etc/containers/certs.d/HOST");
        }
        if (o->tls_verify || (code != CURLE_SSL_CONNECT_ERROR && code != CURLE_RECV_ERROR &&
                              code != CURLE_COULDNT_CONNECT && code != CURLE_GOT_NOTHING))
            return -1;
        rbox_err_free(steal_pointer(err));
        free(c->base);
        c->base = xasprintf("http://%s", server);
        if (ping(c, err) < 0)
            return -1;
    }
    if (o->user) {
        c->user = xstrdup(o->user);
        c->pass = xstrdup(o->pass ? o->pass : "");
    } else if (authfile_lookup(o->authfile, c->host, &c->user, &c->pass, err) < 0) {
        return -1;
    }
    return 0;
}

void reg_client_close(struct reg_client *c)
{
    if (c->easy)
        curl_easy_cleanup(c->easy);
    www_auth_clear(&c->chal);
    free(c->domain);
    free(c->host);
    free(c->base);
    free(c->user);
    free(c->pass);
    free(c->scopes);
    free(c->authz);
    free(c->ca_data);
    free(c->client_cert);
    free(c->client_key);
    *c = (struct reg_client){ 0 };
}
