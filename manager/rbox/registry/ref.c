/* ref.c - the image reference grammar of distribution/reference (docker's): a domain when the
 * first component has a '.' or a ':' or is "localhost", else docker.io (and "library/" for a
 * one-component name); path components of lower-case alphanumerics joined by '.', '_', '__' or
 * dashes; a tag of up to 128 word characters, dots and dashes; a digest "algo:hex". */
#define _GNU_SOURCE
#include "ref.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void image_ref_clear(struct image_ref *r)
{
    free(r->domain);
    free(r->path);
    free(r->tag);
    free(r->digest);
    *r = (struct image_ref){ 0 };
}

bool ref_digest_valid(const char *d)
{
    return d && str_has_prefix(d, "sha256:") && strlen(d) == 7 + 64 &&
           strspn(d + 7, "0123456789abcdef") == 64;
}

static bool is_alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* one path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool component_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_alnum_lower(s[0]))
        return false;
    while (i < n) {
        while (i < n && is_alnum_lower(s[i]))
            i++;
        if (i == n)
            return true;
        size_t sep = i;
        if (s[i] == '.')
            i++;
        else if (s[i] == '_')
            i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
        else if (s[i] == '-')
            while (i < n && s[i] == '-')
                i++;
        else
            return false;
        if (i == sep || i == n || !is_alnum_lower(s[i]))
            return false;
    }
    return true;
}

static bool path_ok(const char *p)
{
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (!component_ok(p, n))
            return false;
        if (!slash)
            return true;
        p = slash + 1;
    }
}

/* domain-component (\.domain-component)* (:port)?, or [IPv6](:port)? */
static bool domain_ok(const char *d)
{
    const char *port = NULL;
    if (d[0] == '[') {
        const char *close = strchr(d, ']');
        if (!close || close == d + 1 ||
            strspn(d + 1, "0123456789abcdefABCDEF:.") != (size_t)(close - d - 1))
            return false;
        if (close[1] == '\0')
            return true;
        if (close[1] != ':')
            return false;
        port = close + 2;
    } else {
        const char *colon = strchr(d, ':');
        size_t n = colon ? (size_t)(colon - d) : strlen(d);
        if (colon)
            port = colon + 1;
        size_t i = 0;
        while (i < n) {
            size_t start = i;
            while (i < n && (isalnum((unsigned char)d[i]) || d[i] == '-'))
                i++;
            if (i == start || d[start] == '-' || d[i - 1] == '-')
                return false;
            if (i < n && d[i] != '.')
                return false;
            if (i < n && ++i == n)
                return false;
        }
        if (n == 0)
            return false;
    }
    if (port)
        return port[0] && strlen(port) <= 5 && strspn(port, "0123456789") == strlen(port);
    return true;
}

static bool tag_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
            return false;
    return true;
}

/* algorithm: [a-z0-9]+([+._-][a-z0-9]+)*, then ':' and at least 32 hex digits; rbox verifies
 * only sha256, so that is the one accepted. */
static int digest_check(const char *ref, const char *d, rbox_err **err)
{
    if (!str_has_prefix(d, "sha256:"))
        return rbox_error(err, 0, "invalid reference \"%s\": unsupported digest algorithm", ref);
    if (!ref_digest_valid(d))
        return rbox_error(
            err, 0, "invalid reference \"%s\": a sha256 digest is 64 lower-case hex digits", ref);
    return 0;
}

int image_ref_parse(const char *s, struct image_ref *out, rbox_err **err)
{
    *out = (struct image_ref){ 0 };
    if (s == NULL || *s == '\0')
        return rbox_error(err, 0, "invalid reference: empty");
    if (strlen(s) > 4096)
        return rbox_error(err, 0, "invalid reference: longer than 4096 bytes");
    _cleanup_free_ char *name = xstrdup(s);
    char *at = strchr(name, '@');
    if (at) {
        *at = '\0';
        if (digest_check(s, at + 1, err) < 0)
            return -1;
        out->digest = xstrdup(at + 1);
    }
    char *last_slash = strrchr(name, '/');
    char *colon = strchr(last_slash ? last_slash : name, ':');
    if (colon) {
        *colon = '\0';
        if (!tag_ok(colon + 1)) {
            image_ref_clear(out);
            return rbox_error(err, 0, "invalid reference \"%s\": bad tag \"%s\"", s, colon + 1);
        }
        out->tag = xstrdup(colon + 1);
    }
    const char *remainder = name;
    char *slash = strchr(name, '/');
    if (slash) {
        *slash = '\0';
        bool lower = true;
        for (const char *p = name; *p; p++)
            lower &= !isupper((unsigned char)*p);
        if (strpbrk(name, ".:") || strcmp(name, "localhost") == 0 || !lower) {
            if (!domain_ok(name)) {
                image_ref_clear(out);
                return rbox_error(err, 0, "invalid reference \"%s\": bad registry \"%s\"", s, name);
            }
            out->domain = xstrdup(strcmp(name, "index.docker.io") == 0 ? REF_DEFAULT_DOMAIN : name);
            remainder = slash + 1;
        } else {
            *slash = '/';
        }
    }
    if (!out->domain)
        out->domain = xstrdup(REF_DEFAULT_DOMAIN);
    if (strcmp(out->domain, REF_DEFAULT_DOMAIN) == 0 && !strchr(remainder, '/'))
        out->path = xasprintf("library/%s", remainder);
    else
        out->path = xstrdup(remainder);
    if (strlen(remainder) == 64 && strspn(remainder, "0123456789abcdef") == 64 && !slash) {
        image_ref_clear(out);
        return rbox_error(err, 0,
                          "invalid reference \"%s\": a repository name cannot be 64 hex digits "
                          "(an image ID?)",
                          s);
    }
    for (const char *p = remainder; *p; p++)
        if (isupper((unsigned char)*p)) {
            image_ref_clear(out);
            return rbox_error(err, 0, "invalid reference \"%s\": repository name must be lowercase",
                              s);
        }
    if (!path_ok(remainder)) {
        image_ref_clear(out);
        return rbox_error(err, 0, "invalid reference \"%s\": bad repository name \"%s\"", s,
                          *remainder ? remainder : "(empty)");
    }
    if (strlen(out->domain) + 1 + strlen(out->path) > REF_NAME_MAX) {
        image_ref_clear(out);
        return rbox_error(err, 0, "invalid reference \"%s\": name longer than %d characters", s,
                          REF_NAME_MAX);
    }
    if (!out->tag && !out->digest)
        out->tag = xstrdup("latest");
    return 0;
}

char *image_ref_string(const struct image_ref *r)
{
    return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "", r->tag ? r->tag : "",
                     r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *registry_host_normalize(const char *s, rbox_err **err)
{
    if (s == NULL || *s == '\0')
        return xstrdup(REF_DEFAULT_DOMAIN);
    const char *p = s;
    if (str_has_prefix(p, "https://"))
        p += 8;
    else if (str_has_prefix(p, "http://"))
        p += 7;
    _cleanup_free_ char *h = xstrndup(p, strcspn(p, "/"));
    for (char *c = h; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (*h == '\0' || !domain_ok(h)) {
        rbox_error(err, 0, "invalid registry \"%s\"", s);
        return NULL;
    }
    if (strcmp(h, "index.docker.io") == 0 || strcmp(h, "registry-1.docker.io") == 0 ||
        strcmp(h, "registry.hub.docker.com") == 0)
        return xstrdup(REF_DEFAULT_DOMAIN);
    return steal_pointer(&h);
}
