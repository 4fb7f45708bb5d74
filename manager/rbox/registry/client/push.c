/* push.c - registry_push: every blob of the image is HEADed first and sent only when the
 * registry lacks it, mounted from another repository of the same registry when possible
 * (POST ?mount=&from=), else uploaded (POST, then one PUT, or PATCH chunks and a closing PUT for
 * big blobs); the manifest last (PUT), so the tag appears only once everything is there. */
#define _GNU_SOURCE
#include "client.h"
#include "manifest.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_SIZE (32ull << 20)
#define MONO_MAX   (64ull << 20)

struct push {
    const struct reg_opts *o;
    struct reg_client c;
    const struct image_ref *dest;
    const char *mount_from;
    char *what;
    int blobs; /* layout_dir/blobs/sha256 */
    const char *layout;
};

static char *with_query(const char *loc, const char *q)
{
    return xasprintf("%s%c%s", loc, strchr(loc, '?') ? '&' : '?', q);
}

/* the upload location of a 202, or an error */
static int location_of(struct push *p, struct reg_resp *r, const char *dg, char **loc,
                       rbox_err **err)
{
    if (r->status != 202 || !r->location)
        return reg_status_error(r, err, "uploading blob %s to %s", dg, p->what);
    *loc = steal_pointer(&r->location);
    return 0;
}

static int upload(struct push *p, const char *dg, int fd, uint64_t size, char *loc, rbox_err **err)
{
    struct reg_resp r = { 0 };
    _cleanup_free_ char *q = xasprintf("digest=%s", dg);
    if (size > MONO_MAX) {
        for (uint64_t off = 0; off < size; off += CHUNK_SIZE) {
            uint64_t n = size - off < CHUNK_SIZE ? size - off : CHUNK_SIZE;
            struct reg_body b = { .fd = fd, .off = (off_t)off, .len = n };
            if (reg_request(&p->c, "PATCH", loc, NULL, &b, 1 << 20, &r, err) < 0)
                goto fail;
            if (r.status != 202 || !r.location) {
                reg_status_error(&r, err, "uploading blob %s to %s (PATCH)", dg, p->what);
                goto fail;
            }
            free(loc);
            loc = steal_pointer(&r.location);
        }
        _cleanup_free_ char *url = with_query(loc, q);
        if (reg_request(&p->c, "PUT", url, NULL, NULL, 1 << 20, &r, err) < 0)
            goto fail;
    } else {
        struct reg_body b = { .fd = fd, .len = size };
        _cleanup_free_ char *url = with_query(loc, q);
        if (reg_request(&p->c, "PUT", url, NULL, &b, 1 << 20, &r, err) < 0)
            goto fail;
    }
    if (r.status != 201) {
        reg_status_error(&r, err, "uploading blob %s to %s (PUT)", dg, p->what);
        goto fail;
    }
    reg_resp_clear(&r);
    free(loc);
    return 0;
fail:
    reg_resp_clear(&r);
    free(loc);
    return -1;
}

static int push_blob(struct push *p, const struct descriptor *d, rbox_err **err)
{
    const char *dg = d->digest;
    _cleanup_close_ int fd = openat(p->blobs, dg + 7, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return rbox_error(err, errno, "blob %s in %s/blobs", dg, p->layout);
    if ((uint64_t)st.st_size != d->size)
        return rbox_error(err, 0, "blob %s in %s/blobs: %lld bytes, the manifest says %llu", dg,
                          p->layout, (long long)st.st_size, (unsigned long long)d->size);
    struct reg_resp r = { 0 };
    _cleanup_free_ char *head = xasprintf("/v2/%s/blobs/%s", p->dest->path, dg);
    if (reg_request(&p->c, "HEAD", head, NULL, NULL, 1 << 20, &r, err) < 0)
        return -1;
    bool have = r.status == 200;
    long hs = r.status;
    reg_resp_clear(&r);
    if (have) {
        if (!p->o->quiet)
            fprintf(p->o->out, "%.12s: Layer already exists\n", dg + 7);
        return 0;
    }
    if (hs != 404 && hs != 401 && hs != 403)
        return rbox_error(err, 0, "HEAD blob %s at %s: HTTP %ld", dg, p->what, hs);
    _cleanup_free_ char *post = NULL;
    if (p->mount_from) {
        char *from = curl_easy_escape(p->c.easy, p->mount_from, 0);
        post = xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", p->dest->path, dg, from);
        curl_free(from);
    } else {
        post = xasprintf("/v2/%s/blobs/uploads/", p->dest->path);
    }
    if (reg_request(&p->c, "POST", post, NULL, NULL, 1 << 20, &r, err) < 0)
        return -1;
    if (r.status == 201) {
        reg_resp_clear(&r);
        if (!p->o->quiet)
            fprintf(p->o->out, "%.12s: Mounted from %s\n", dg + 7, p->mount_from);
        return 0;
    }
    char *loc = NULL;
    int rc = location_of(p, &r, dg, &loc, err);
    reg_resp_clear(&r);
    if (rc < 0)
        return -1;
    if (upload(p, dg, fd, d->size, loc, err) < 0)
        return -1;
    if (!p->o->quiet)
        fprintf(p->o->out, "%.12s: Pushed\n", dg + 7);
    return 0;
}

/* the manifest to push: the given digest, the ref.name tag of index.json, or its only entry */
static int pick_manifest(struct push *p, const char *digest, const char *tag, char **out,
                         rbox_err **err)
{
    if (digest) {
        if (!ref_digest_valid(digest))
            return rbox_error(err, 0, "manifest digest \"%s\": not sha256:<64 hex>", digest);
        *out = xstrdup(digest);
        return 0;
    }
    _cleanup_free_ char *path = xasprintf("%s/index.json", p->layout), *text = NULL;
    size_t len;
    if (read_file_at(AT_FDCWD, path, &text, &len) < 0)
        return rbox_error(err, errno, "reading %s", path);
    _cleanup_yajl_ yajl_val idx = NULL;
    if (json_parse(text, path, &idx, err) < 0)
        return -1;
    yajl_val ms = json_get(idx, "manifests");
    size_t n = YAJL_IS_ARRAY(ms) ? ms->u.array.len : 0;
    for (size_t i = 0; i < n; i++) {
        yajl_val m = ms->u.array.values[i];
        const char *name =
            json_get_str(json_get(m, "annotations"), "org.opencontainers.image.ref.name");
        if ((tag && str_eq(name, tag)) || (!tag && n == 1)) {
            const char *d = json_get_str(m, "digest");
            if (!ref_digest_valid(d))
                return rbox_error(err, 0, "%s: manifests[%zu].digest: not sha256", path, i);
            *out = xstrdup(d);
            return 0;
        }
    }
    return rbox_error(err, 0, "%s: no manifest%s%s (%zu in the index)", path, tag ? " tagged " : "",
                      tag ? tag : " to choose", n);
}

static int push_manifest(struct push *p, const char *digest, const char *ref, int depth,
                         rbox_err **err)
{
    _cleanup_free_ char *body = NULL;
    size_t len;
    if (read_file_at(p->blobs, digest + 7, &body, &len) < 0)
        return rbox_error(err, errno, "manifest %s in %s/blobs", digest, p->layout);
    char hex[65];
    reg_sha256_hex(body, len, hex);
    if (strcmp(hex, digest + 7) != 0)
        return rbox_error(err, 0, "manifest %s in %s/blobs: digest mismatch (corrupted)", digest,
                          p->layout);
    _cleanup_yajl_ yajl_val doc = NULL;
    if (json_parse(body, "manifest", &doc, err) < 0)
        return rbox_error_prefix(err, "%s", digest);
    enum manifest_kind k;
    _cleanup_free_ char *mt = NULL;
    if (manifest_kind(doc, NULL, digest, &k, &mt, err) < 0)
        return -1;
    if (k == MK_INDEX) {
        if (depth > 1)
            return rbox_error(err, 0, "%s: indexes nested too deep", digest);
        yajl_val ms = json_get(doc, "manifests");
        for (size_t i = 0; YAJL_IS_ARRAY(ms) && i < ms->u.array.len; i++) {
            struct descriptor d;
            _cleanup_free_ char *w = xasprintf("%s: manifests[%zu]", digest, i);
            if (descriptor_parse(ms->u.array.values[i], w, &d, err) < 0)
                return -1;
            int r = push_manifest(p, d.digest, d.digest, depth + 1, err);
            descriptor_clear(&d);
            if (r < 0)
                return -1;
        }
    } else {
        struct descriptor config, *layers;
        size_t nl;
        if (manifest_image(doc, digest, &config, &layers, &nl, err) < 0)
            return -1;
        int r = 0;
        for (size_t i = 0; r == 0 && i < nl; i++)
            r = push_blob(p, &layers[i], err);
        if (r == 0)
            r = push_blob(p, &config, err);
        for (size_t i = 0; i < nl; i++)
            descriptor_clear(&layers[i]);
        free(layers);
        descriptor_clear(&config);
        if (r < 0)
            return -1;
    }
    _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", p->dest->path, ref);
    struct reg_body b = { .data = body, .len = len, .fd = -1, .content_type = mt };
    struct reg_resp r = { 0 };
    if (reg_request(&p->c, "PUT", path, NULL, &b, 1 << 20, &r, err) < 0)
        return -1;
    int rc = 0;
    if (r.status != 201)
        rc = reg_status_error(&r, err, "manifest %s to %s", digest, p->what);
    else if (depth == 0 && !p->o->quiet)
        fprintf(p->o->out, "%s: digest: %s size: %zu\n", ref, digest, len);
    reg_resp_clear(&r);
    return rc;
}

int registry_push(const struct reg_opts *o, const char *layout_dir, const char *manifest_digest,
                  const char *tag, const struct image_ref *dest, const char *mount_from,
                  rbox_err **err)
{
    struct push p = { .o = o, .dest = dest, .layout = layout_dir, .blobs = -1 };
    if (mount_from && strcmp(mount_from, dest->path) == 0)
        mount_from = NULL;
    p.mount_from = mount_from;
    p.what = image_ref_string(dest);
    _cleanup_free_ char *bdir = xasprintf("%s/blobs/sha256", layout_dir);
    _cleanup_free_ char *digest = NULL, *scope = NULL, *scope2 = NULL;
    int r = -1;
    if ((p.blobs = open(bdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        rbox_error(err, errno, "opening %s", bdir);
        goto out;
    }
    if (pick_manifest(&p, manifest_digest, tag, &digest, err) < 0)
        goto out;
    if (reg_client_open(&p.c, o, dest->domain, err) < 0)
        goto out;
    scope = xasprintf("repository:%s:pull,push", dest->path);
    if (reg_client_auth(&p.c, scope, err) < 0)
        goto out;
    if (mount_from) {
        scope2 = xasprintf("repository:%s:pull", mount_from);
        if (reg_client_auth(&p.c, scope2, err) < 0)
            goto out;
    }
    r = push_manifest(&p, digest, dest->tag ? dest->tag : digest, 0, err);
out:
    if (p.blobs >= 0)
        close(p.blobs);
    reg_client_close(&p.c);
    free(p.what);
    return r;
}
