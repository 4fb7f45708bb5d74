/* image.c - references, the tag index, image records, look-up, listing, removal and GC. */
#define _GNU_SOURCE
#include "image.h"
#include "image_internal.h"
#include "json.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void image_clear(struct image *img)
{
    strv_free(img->tags);
    strv_free(img->repo_digests);
    free(img->source);
    free(img->manifest_type);
    for (size_t i = 0; i < img->n_layers; i++)
        free(img->layers[i].media_type);
    free(img->layers);
    if (img->config)
        yajl_tree_free(img->config);
    strv_free(img->cmd);
    strv_free(img->entrypoint);
    strv_free(img->env);
    strv_free(img->labels);
    free(img->workdir);
    free(img->user);
    free(img->stop_signal);
    free(img->os);
    free(img->arch);
    memset(img, 0, sizeof(*img));
}

/* ---- references ---- */

static bool ref_component_ok(const char *s, size_t n)
{
    /* [a-z0-9]+ separated by one '.', one or two '_', or any number of '-' */
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return false;
    char last = s[n - 1];
    if (!((last >= 'a' && last <= 'z') || (last >= '0' && last <= '9')))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '.' && c != '_' && c != '-')
            return false;
        if (c == '.' && s[i + 1] == '.')
            return false;
        if (c == '_' && s[i + 1] == '_' && i + 2 < n && s[i + 2] == '_')
            return false;
    }
    return true;
}

static bool domain_ok(const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    size_t hl = colon ? (size_t)(colon - s) : n;
    if (hl == 0 || s[0] == '-' || s[0] == '.')
        return false;
    for (size_t i = 0; i < hl; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", s[i]))
            return false;
    if (colon) {
        size_t pl = n - hl - 1;
        if (pl == 0 || pl > 5)
            return false;
        for (size_t i = 0; i < pl; i++)
            if (colon[1 + i] < '0' || colon[1 + i] > '9')
                return false;
    }
    return true;
}

char *image_normalize_ref(const char *ref, rbox_err **err)
{
    _cleanup_free_ char *name = xstrdup(ref);
    char *digest = strchr(name, '@');
    if (digest)
        *digest++ = '\0';
    const char *slash = strrchr(name, '/');
    char *colon = strrchr(slash ? slash : name, ':');
    const char *tag = "latest";
    if (colon) {
        *colon = '\0';
        tag = colon + 1;
    }
    /* the domain: a first component with '.' or ':', or localhost */
    const char *first_slash = strchr(name, '/');
    _cleanup_free_ char *domain = NULL;
    const char *path = name;
    if (first_slash) {
        size_t dl = (size_t)(first_slash - name);
        if (memchr(name, '.', dl) || memchr(name, ':', dl) ||
            (dl == 9 && strncmp(name, "localhost", 9) == 0)) {
            domain = xstrndup(name, dl);
            path = first_slash + 1;
        }
    }
    bool ok = strlen(path) > 0 && (!domain || domain_ok(domain, strlen(domain)));
    size_t plen = strlen(path);
    for (size_t i = 0, start = 0; ok && i <= plen; i++)
        if (i == plen || path[i] == '/') {
            ok = ref_component_ok(path + start, i - start);
            start = i + 1;
        }
    size_t tlen = strlen(tag);
    ok = ok && tlen >= 1 && tlen <= 128 && tag[0] != '.' && tag[0] != '-' &&
         strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == tlen;
    ok = ok && (!digest || digest_hex(digest));
    if (domain && (strcmp(domain, "index.docker.io") == 0 || strcmp(domain, "docker.io") == 0)) {
        free(domain);
        domain = NULL;
    }
    _cleanup_free_ char *full = domain              ? xasprintf("%s/%s", domain, path)
                                : strchr(path, '/') ? xasprintf("docker.io/%s", path)
                                                    : xasprintf("docker.io/library/%s", path);
    if (ok && strlen(full) > IMAGE_MAXLEN - 1 - (digest ? strlen(digest) : tlen))
        ok = false;
    if (!ok) {
        rbox_error(err, 0,
                   "invalid image reference \"%s\": expected [HOST[:PORT]/]NAME[:TAG][@DIGEST] "
                   "(lower-case name, tag of [A-Za-z0-9_.-])",
                   ref);
        return NULL;
    }
    return digest ? xasprintf("%s@%s", full, digest) : xasprintf("%s:%s", full, tag);
}

int image_ref_split(const char *ref, char **domain, char **repo, char **tag, char **digest,
                    rbox_err **err)
{
    _cleanup_free_ char *norm = image_normalize_ref(ref, err);
    if (norm == NULL)
        return -1;
    char *slash = strchr(norm, '/');
    char *at = strchr(norm, '@');
    char *colon = at ? NULL : strrchr(norm, ':');
    char *end = at ? at : colon;
    *domain = xstrndup(norm, (size_t)(slash - norm));
    *repo = xstrndup(slash + 1, (size_t)(end - slash - 1));
    *tag = at ? NULL : xstrdup(colon + 1);
    *digest = at ? xstrdup(at + 1) : NULL;
    return 0;
}

char *image_familiar(const char *name)
{
    if (str_has_prefix(name, "docker.io/library/") && !strchr(name + 18, '/'))
        return xstrdup(name + 18);
    if (str_has_prefix(name, "docker.io/"))
        return xstrdup(name + 10);
    return xstrdup(name);
}

/* ---- the tag index ---- */

int index_load(struct store *s, yajl_val *out, rbox_err **err)
{
    _cleanup_free_ char *text = NULL;
    *out = NULL;
    if (read_file_at(s->root_fd, "images/index.json", &text, NULL) < 0) {
        if (errno == ENOENT)
            return 0;
        return rbox_error(err, errno, "reading %s/images/index.json", s->root);
    }
    return json_parse(text, "images/index.json", out, err);
}

const char *index_lookup(yajl_val index, const char *tag)
{
    return json_get_str(json_get(index, "tags"), tag);
}

/* Write the index with tag set to id (id NULL: tag removed). Needs the store lock. */
int index_set(struct store *s, yajl_val index, const char *tag, const char *id, rbox_err **err)
{
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    jw_key(&w, "tags");
    jw_obj_open(&w);
    yajl_val tags = json_get(index, "tags");
    for (size_t i = 0; YAJL_IS_OBJECT(tags) && i < tags->u.object.len; i++) {
        const char *k = tags->u.object.keys[i];
        yajl_val v = tags->u.object.values[i];
        if (strcmp(k, tag) != 0 && YAJL_IS_STRING(v))
            jw_kstr(&w, k, v->u.string);
    }
    if (id)
        jw_kstr(&w, tag, id);
    jw_obj_close(&w);
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    int r = write_file_atomic_at(s->root_fd, "images/index.json", text, len, 0644, true);
    int saved = errno;
    jw_free(&w);
    if (r < 0)
        return rbox_error(err, saved, "writing %s/images/index.json", s->root);
    return 0;
}

int index_tag(struct store *s, const char *tag, const char *id, rbox_err **err)
{
    yajl_val index = NULL;
    if (index_load(s, &index, err) < 0)
        return -1;
    int r = index_set(s, index, tag, id, err);
    yajl_tree_free(index);
    return r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **tags_of(yajl_val index, const char *id)
{
    char **v = xcalloc(1, sizeof(char *));
    size_t n = 0;
    yajl_val tags = json_get(index, "tags");
    for (size_t i = 0; YAJL_IS_OBJECT(tags) && i < tags->u.object.len; i++) {
        yajl_val val = tags->u.object.values[i];
        if (YAJL_IS_STRING(val) && strcmp(val->u.string, id) == 0)
            strv_push(&v, &n, xstrdup(tags->u.object.keys[i]));
    }
    qsort(v, n, sizeof(char *), cmp_str);
    return v;
}

/* ---- records ---- */

static char **strv_from_json(yajl_val arr)
{
    if (!YAJL_IS_ARRAY(arr))
        return NULL;
    char **v = xcalloc(1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < arr->u.array.len; i++)
        if (YAJL_IS_STRING(arr->u.array.values[i]))
            strv_push(&v, &n, xstrdup(arr->u.array.values[i]->u.string));
    return v;
}

static char *dup_str(yajl_val obj, const char *key)
{
    const char *v = json_get_str(obj, key);
    return v && *v ? xstrdup(v) : NULL;
}

/* RFC 3339 ("2024-01-02T03:04:05.123456789Z", offsets too) -> ns since the epoch. */
static bool parse_rfc3339(const char *s, int64_t *out)
{
    struct tm tm = { 0 };
    const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (p == NULL)
        return false;
    int64_t ns = 0;
    if (*p == '.') {
        int64_t scale = 100000000;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            ns += scale * (*p - '0');
    }
    int64_t off = 0;
    if ((*p == '+' || *p == '-') && strlen(p) >= 6)
        off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
    if (*p == '-')
        off = -off;
    *out = ((int64_t)timegm(&tm) - off) * 1000000000 + ns;
    return true;
}

static void config_fields(struct image *img)
{
    yajl_val c = json_get(img->config, "config");
    img->cmd = strv_from_json(json_get(c, "Cmd"));
    img->entrypoint = strv_from_json(json_get(c, "Entrypoint"));
    img->env = strv_from_json(json_get(c, "Env"));
    img->workdir = dup_str(c, "WorkingDir");
    img->user = dup_str(c, "User");
    img->stop_signal = dup_str(c, "StopSignal");
    img->os = dup_str(img->config, "os");
    img->arch = dup_str(img->config, "architecture");
    yajl_val l = json_get(c, "Labels");
    if (YAJL_IS_OBJECT(l)) {
        img->labels = xcalloc(1, sizeof(char *));
        size_t n = 0;
        for (size_t i = 0; i < l->u.object.len; i++)
            if (YAJL_IS_STRING(l->u.object.values[i]))
                strv_push(&img->labels, &n,
                          xasprintf("%s=%s", l->u.object.keys[i], l->u.object.values[i]->u.string));
    }
    int64_t t;
    if (parse_rfc3339(json_get_str(img->config, "created"), &t))
        img->created_ns = t;
}

static int image_load_with(struct store *s, yajl_val index, const char *id, struct image *out,
                           rbox_err **err)
{
    memset(out, 0, sizeof(*out));
    _cleanup_free_ char *rel = xasprintf("images/meta/%s.json", id);
    _cleanup_free_ char *text = NULL;
    if (read_file_at(s->root_fd, rel, &text, NULL) < 0) {
        if (errno == ENOENT)
            return rbox_error(err, 0, "image %.12s no longer exists in the store", id);
        return rbox_error(err, errno, "reading %s/%s", s->root, rel);
    }
    _cleanup_yajl_ yajl_val v = NULL;
    if (json_parse(text, rel, &v, err) < 0)
        return -1;
    CTR_SET(out->id, id);
    json_get_i64(v, "stored", &out->created_ns);
    out->source = xstrdup(json_get_str(v, "source") ? json_get_str(v, "source") : "");
    ctr_copy(out->manifest_digest, sizeof(out->manifest_digest), json_get_str(v, "manifest"));
    out->manifest_type = dup_str(v, "manifest_type");
    out->repo_digests = strv_from_json(json_get(v, "repo_digests"));
    yajl_val ls = json_get(v, "layers");
    size_t n = YAJL_IS_ARRAY(ls) ? ls->u.array.len : 0;
    out->layers = xcalloc(n + 1, sizeof(struct image_layer));
    for (size_t i = 0; i < n; i++) {
        yajl_val l = ls->u.array.values[i];
        struct image_layer *d = &out->layers[i];
        ctr_copy(d->diff_id, sizeof(d->diff_id), json_get_str(l, "diff_id"));
        ctr_copy(d->digest, sizeof(d->digest), json_get_str(l, "digest"));
        d->media_type = dup_str(l, "media_type");
        json_get_u64(l, "size", &d->size);
        json_get_u64(l, "usize", &d->usize);
        out->size += d->usize;
    }
    out->n_layers = n;
    _cleanup_free_ char *ctext = NULL;
    size_t clen;
    _cleanup_free_ char *cdigest = xasprintf("sha256:%s", id);
    if (blob_read(s, cdigest, &ctext, &clen, err) < 0 ||
        json_parse(ctext, "the image config", &out->config, err) < 0) {
        image_clear(out);
        return rbox_error_prefix(err, "image %.12s", id);
    }
    config_fields(out);
    out->tags = tags_of(index, id);
    return 0;
}

int image_load(struct store *s, const char *id, struct image *out, rbox_err **err)
{
    yajl_val index = NULL;
    if (index_load(s, &index, err) < 0)
        return -1;
    int r = image_load_with(s, index, id, out, err);
    yajl_tree_free(index);
    return r;
}

/* Every image ID of meta/. */
static char **record_ids(struct store *s)
{
    char **v = xcalloc(1, sizeof(char *));
    size_t n = 0;
    int fd = openat(s->root_fd, "images/meta", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return v;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return v;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strlen(de->d_name) == ID_LEN + 5 && str_has_suffix(de->d_name, ".json") &&
            strspn(de->d_name, "0123456789abcdef") == ID_LEN)
            strv_push(&v, &n, xstrndup(de->d_name, ID_LEN));
    closedir(d);
    return v;
}

/* Full ID for a (hex) ID or unique prefix; 0 found, 1 not found, -1 error. */
static int find_by_id(struct store *s, const char *ref, char out[ID_LEN + 1], rbox_err **err)
{
    if (str_has_prefix(ref, "sha256:"))
        ref += 7;
    size_t len = strlen(ref);
    if (len == 0 || len > ID_LEN || strspn(ref, "0123456789abcdef") != len)
        return 1;
    _cleanup_strv_ char **ids = record_ids(s);
    int found = 0;
    for (size_t i = 0; ids[i]; i++)
        if (str_has_prefix(ids[i], ref) && found++ == 0)
            ctr_copy(out, ID_LEN + 1, ids[i]);
    if (found > 1)
        return rbox_error(err, 0, "image ID prefix \"%s\" is ambiguous: it matches %d images", ref,
                          found);
    return found ? 0 : 1;
}

static int find_by_digest(struct store *s, yajl_val index, const char *norm, char out[ID_LEN + 1])
{
    _cleanup_strv_ char **ids = record_ids(s);
    for (size_t i = 0; ids[i]; i++) {
        struct image img;
        if (image_load_with(s, index, ids[i], &img, NULL) < 0)
            continue;
        bool hit = strv_contains(img.repo_digests, norm);
        image_clear(&img);
        if (hit) {
            ctr_copy(out, ID_LEN + 1, ids[i]);
            return 0;
        }
    }
    return 1;
}

int image_find(struct store *s, const char *ref, struct image *out, rbox_err **err)
{
    yajl_val index = NULL;
    if (index_load(s, &index, err) < 0)
        return -1;
    char id[ID_LEN + 1];
    int r = 1;
    _cleanup_free_ char *norm = image_normalize_ref(ref, NULL);
    const char *tagged = norm ? index_lookup(index, norm) : NULL;
    if (tagged) {
        ctr_copy(id, sizeof(id), tagged);
        r = 0;
    } else if (norm && strchr(norm, '@')) {
        r = find_by_digest(s, index, norm, id);
    } else {
        r = find_by_id(s, ref, id, err);
    }
    if (r == 0 && image_load_with(s, index, id, out, err) < 0)
        r = -1;
    yajl_tree_free(index);
    return r;
}

int image_resolve(struct store *s, const char *ref, struct image *out, rbox_err **err)
{
    int r = image_find(s, ref, out, err);
    if (r <= 0)
        return r;
    _cleanup_free_ char *norm = image_normalize_ref(ref, err);
    if (norm == NULL)
        return -1;
    if (strcmp(norm, BUILTIN_BUSYBOX_REF) != 0) {
        _cleanup_free_ char *f = image_familiar(norm);
        return rbox_error(err, 0, "no such image: %s (import one with 'rbox image import FILE %s')",
                          ref, f);
    }
    /* the built-in image, made once under the store lock */
    bool had_lock = s->lock_fd >= 0;
    if (store_lock(s, err) < 0)
        return -1;
    r = image_find(s, ref, out, err);
    if (r == 1)
        r = builtin_busybox_create(s, err) < 0 ? -1 : image_find(s, ref, out, err);
    if (!had_lock)
        store_unlock(s);
    if (r == 1)
        return rbox_error(err, 0, "no such image: %s", ref);
    return r;
}

int image_list(struct store *s, struct image **out, size_t *n, rbox_err **err)
{
    *out = NULL;
    *n = 0;
    yajl_val index = NULL;
    if (index_load(s, &index, err) < 0)
        return -1;
    _cleanup_strv_ char **ids = record_ids(s);
    for (size_t i = 0; ids[i]; i++) {
        struct image img;
        if (image_load_with(s, index, ids[i], &img, NULL) < 0)
            continue; /* removed meanwhile */
        *out = xrealloc(*out, (*n + 1) * sizeof(struct image));
        (*out)[(*n)++] = img;
    }
    yajl_tree_free(index);
    return 0;
}

/* ---- removal ---- */

/* Containers using image id: count, and whether any of them runs. */
static void image_users(struct store *s, const char *id, size_t *users, bool *running,
                        char first[ID_LEN + 1])
{
    *users = 0;
    *running = false;
    _cleanup_strv_ char **ids = NULL;
    size_t n = 0;
    if (ctr_list_ids(s, &ids, &n, NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        _cleanup_close_ int dfd = ctr_open_dir(s, ids[i], NULL);
        struct ctr_state st;
        if (dfd < 0 || ctr_state_read(dfd, &st) < 0 || strcmp(st.image_id, id) != 0)
            continue;
        if ((*users)++ == 0)
            ctr_copy(first, ID_LEN + 1, st.id);
        if (st.status == CS_RUNNING || st.status == CS_PAUSED)
            *running = true;
    }
}

static void mark(char ***v, size_t *n, const char *digest)
{
    const char *h = digest_hex(digest);
    if (h)
        strv_push(v, n, xstrdup(h));
}

static bool in_sorted(char **v, size_t n, const char *s)
{
    return n && bsearch(&s, v, n, sizeof(char *), cmp_str) != NULL;
}

/* Remove what no record names in dir (blobs or layers). */
static void sweep(struct store *s, const char *dir, char **keep, size_t nkeep, bool layers)
{
    int fd = openat(s->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return;
    }
    _cleanup_strv_ char **gone = xcalloc(1, sizeof(char *));
    size_t ng = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.' && !in_sorted(keep, nkeep, de->d_name))
            strv_push(&gone, &ng, xstrdup(de->d_name));
    closedir(d);
    for (size_t i = 0; i < ng; i++) {
        if (layers) {
            layer_remove(s, gone[i]);
        } else {
            _cleanup_free_ char *rel = xasprintf("%s/%s", dir, gone[i]);
            unlinkat(s->root_fd, rel, 0);
        }
    }
}

int store_gc(struct store *s, rbox_err **err)
{
    (void)err;
    tmp_cleanup(s);
    _cleanup_strv_ char **ids = record_ids(s);
    _cleanup_strv_ char **blobs = xcalloc(1, sizeof(char *));
    _cleanup_strv_ char **layers = xcalloc(1, sizeof(char *));
    size_t nb = 0, nl = 0;
    for (size_t i = 0; ids[i]; i++) {
        _cleanup_free_ char *rel = xasprintf("images/meta/%s.json", ids[i]);
        _cleanup_free_ char *text = NULL;
        _cleanup_yajl_ yajl_val v = NULL;
        if (read_file_at(s->root_fd, rel, &text, NULL) < 0 || json_parse(text, rel, &v, NULL) < 0)
            return rbox_error(err, errno, "reading %s/%s: not collecting garbage", s->root, rel);
        _cleanup_free_ char *cfg = xasprintf("sha256:%s", ids[i]);
        mark(&blobs, &nb, cfg);
        mark(&blobs, &nb, json_get_str(v, "manifest"));
        yajl_val ls = json_get(v, "layers");
        for (size_t k = 0; YAJL_IS_ARRAY(ls) && k < ls->u.array.len; k++) {
            mark(&blobs, &nb, json_get_str(ls->u.array.values[k], "digest"));
            mark(&layers, &nl, json_get_str(ls->u.array.values[k], "diff_id"));
        }
    }
    qsort(blobs, nb, sizeof(char *), cmp_str);
    qsort(layers, nl, sizeof(char *), cmp_str);
    sweep(s, "images/blobs/sha256", blobs, nb, false);
    sweep(s, "images/layers", layers, nl, true);
    /* links whose layer is gone */
    int fd = openat(s->root_fd, "images/l", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.' && faccessat(fd, de->d_name, F_OK, 0) < 0 && errno == ENOENT)
            unlinkat(fd, de->d_name, 0);
    if (d)
        closedir(d);
    else if (fd >= 0)
        close(fd);
    return 0;
}

/* Untag every tag of img; delete its record unless keep. */
static int image_delete(struct store *s, const struct image *img, bool keep, rbox_err **err)
{
    for (size_t i = 0; img->tags && img->tags[i]; i++) {
        if (index_tag(s, img->tags[i], NULL, err) < 0)
            return -1;
        _cleanup_free_ char *f = image_familiar(img->tags[i]);
        printf("Untagged: %s\n", f);
    }
    for (size_t i = 0; !keep && img->repo_digests && img->repo_digests[i]; i++) {
        _cleanup_free_ char *f = image_familiar(img->repo_digests[i]);
        printf("Untagged: %s\n", f);
    }
    if (keep)
        return 0;
    _cleanup_free_ char *rel = xasprintf("images/meta/%s.json", img->id);
    if (unlinkat(s->root_fd, rel, 0) < 0)
        return rbox_error(err, errno, "removing %s/%s", s->root, rel);
    printf("Deleted: sha256:%s\n", img->id);
    return store_gc(s, err);
}

int image_remove(struct store *s, const char *ref, bool force, rbox_err **err)
{
    if (store_lock(s, err) < 0)
        return -1;
    struct image img;
    int r = image_find(s, ref, &img, err);
    if (r != 0)
        return r < 0 ? -1 : rbox_error(err, 0, "no such image: %s", ref);
    _cleanup_free_ char *norm = image_normalize_ref(ref, NULL);
    bool by_tag = norm && strv_contains(img.tags, norm);
    if (by_tag && strv_len(img.tags) > 1) {
        r = index_tag(s, norm, NULL, err);
        if (r == 0) {
            _cleanup_free_ char *f = image_familiar(norm);
            printf("Untagged: %s\n", f);
        }
        image_clear(&img);
        return r;
    }
    if (!by_tag && strv_len(img.tags) > 1 && !force) {
        r = rbox_error(err, 0,
                       "unable to delete %.12s (must be forced): the image is referenced in "
                       "several repositories",
                       img.id);
        image_clear(&img);
        return r;
    }
    size_t users;
    bool running;
    char first[ID_LEN + 1] = "";
    image_users(s, img.id, &users, &running, first);
    if (users && (running || !force)) {
        r = rbox_error(err, 0, "image %s is in use by %s container %.12s%s: %s", ref,
                       running ? "running" : "", first, users > 1 ? " and others" : "",
                       running ? "stop and remove it first" : "remove it first, or use -f");
        image_clear(&img);
        return r;
    }
    /* -f with stopped users: untagged, kept (dangling) while they exist */
    r = image_delete(s, &img, users > 0, err);
    image_clear(&img);
    return r;
}

int image_tag(struct store *s, const char *ref, const char *dst, rbox_err **err)
{
    _cleanup_free_ char *norm = image_normalize_ref(dst, err);
    if (norm == NULL)
        return -1;
    if (strchr(norm, '@'))
        return rbox_error(err, 0, "invalid tag \"%s\": a tag cannot hold a digest", dst);
    struct image img;
    if (image_resolve(s, ref, &img, err) < 0)
        return -1;
    int r = store_lock(s, err);
    if (r == 0)
        r = index_tag(s, norm, img.id, err);
    image_clear(&img);
    return r;
}

int image_prune(struct store *s, bool all, uint64_t *reclaimed, rbox_err **err)
{
    if (store_lock(s, err) < 0)
        return -1;
    struct image *v;
    size_t n;
    if (image_list(s, &v, &n, err) < 0)
        return -1;
    int r = 0;
    for (size_t i = 0; i < n; i++) {
        size_t users;
        bool running;
        char first[ID_LEN + 1];
        image_users(s, v[i].id, &users, &running, first);
        if (r == 0 && users == 0 && (all || strv_len(v[i].tags) == 0)) {
            for (size_t k = 0; v[i].tags && v[i].tags[k]; k++) {
                _cleanup_free_ char *f = image_familiar(v[i].tags[k]);
                printf("untagged: %s\n", f);
                r = index_tag(s, v[i].tags[k], NULL, err);
            }
            _cleanup_free_ char *rel = xasprintf("images/meta/%s.json", v[i].id);
            if (r == 0 && unlinkat(s->root_fd, rel, 0) < 0)
                r = rbox_error(err, errno, "removing %s/%s", s->root, rel);
            if (r == 0) {
                printf("deleted: sha256:%s\n", v[i].id);
                *reclaimed += v[i].size;
            }
        }
        image_clear(&v[i]);
    }
    free(v);
    if (r == 0)
        r = store_gc(s, err);
    return r;
}

/* ---- inspect ---- */

static void jw_familiar(json_w *w, const char *k, char **v)
{
    jw_key(w, k);
    jw_arr_open(w);
    for (size_t i = 0; v && v[i]; i++) {
        _cleanup_free_ char *f = image_familiar(v[i]);
        jw_str(w, f);
    }
    jw_arr_close(w);
}

char *image_json(struct store *s, const struct image *img, bool pretty)
{
    json_w w;
    jw_init(&w, pretty);
    jw_obj_open(&w);
    _cleanup_free_ char *id = xasprintf("sha256:%s", img->id);
    jw_kstr(&w, "Id", id);
    jw_familiar(&w, "RepoTags", img->tags);
    jw_familiar(&w, "RepoDigests", img->repo_digests);
    jw_kstr(&w, "Digest", img->manifest_digest);
    jw_kstr(&w, "ManifestMediaType", img->manifest_type);
    char ts[48];
    struct timespec t = { .tv_sec = img->created_ns / 1000000000,
                          .tv_nsec = img->created_ns % 1000000000 };
    format_time_rfc3339(&t, ts, sizeof(ts));
    jw_kstr(&w, "Created", ts);
    jw_kstr(&w, "Author", json_get_str(img->config, "author"));
    jw_kstr(&w, "Architecture", img->arch);
    const char *variant = json_get_str(img->config, "variant");
    if (variant)
        jw_kstr(&w, "Variant", variant);
    jw_kstr(&w, "Os", img->os);
    jw_kuint(&w, "Size", img->size);
    jw_kstr(&w, "Source", img->source);
    jw_key(&w, "Config");
    yajl_val c = json_get(img->config, "config");
    jw_obj_open(&w);
    static const char *const keys[] = {
        "User",    "ExposedPorts", "Env",    "Entrypoint", "Cmd",
        "Volumes", "WorkingDir",   "Labels", "StopSignal", "OnBuild"
    };
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        jw_key(&w, keys[i]);
        jw_value(&w, json_get(c, keys[i]));
    }
    if (json_get(c, "Healthcheck")) { /* docker omits it when there is none */
        jw_key(&w, "Healthcheck");
        jw_value(&w, json_get(c, "Healthcheck"));
    }
    jw_obj_close(&w);
    jw_key(&w, "RootFS");
    jw_obj_open(&w);
    jw_kstr(&w, "Type", "layers");
    jw_key(&w, "Layers");
    jw_arr_open(&w);
    for (size_t i = 0; i < img->n_layers; i++)
        jw_str(&w, img->layers[i].diff_id);
    jw_arr_close(&w);
    jw_obj_close(&w);
    jw_key(&w, "GraphDriver");
    jw_obj_open(&w);
    jw_kstr(&w, "Name", "overlay");
    jw_key(&w, "Data");
    jw_obj_open(&w);
    _cleanup_free_ char *lower = image_lower_dirs(s, img);
    jw_kstr(&w, "LowerDir", lower);
    jw_obj_close(&w);
    jw_obj_close(&w);
    jw_key(&w, "History");
    yajl_val h = json_get(img->config, "history");
    if (h)
        jw_value(&w, h);
    else
        jw_null(&w);
    jw_obj_close(&w);
    char *out = xstrdup(jw_text(&w, NULL));
    jw_free(&w);
    return out;
}
