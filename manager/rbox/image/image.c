/* image.c - the image index, look-up, listing and removal (import is in image/import.c). */
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
#include <unistd.h>

void image_clear(struct image *img)
{
    strv_free(img->tags);
    strv_free(img->cmd);
    free(img->source);
    free(img->rootfs);
    memset(img, 0, sizeof(*img));
}

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

char *image_normalize_ref(const char *ref, rbox_err **err)
{
    const char *slash = strrchr(ref, '/');
    const char *colon = strrchr(slash ? slash : ref, ':');
    size_t nlen = colon ? (size_t)(colon - ref) : strlen(ref);
    const char *tag = colon ? colon + 1 : "latest";
    bool ok = nlen > 0 && nlen <= IMAGE_MAXLEN - 1 - strlen(tag);
    for (size_t i = 0, start = 0; ok && i <= nlen; i++)
        if (i == nlen || ref[i] == '/') {
            ok = ref_component_ok(ref + start, i - start);
            start = i + 1;
        }
    size_t tlen = strlen(tag);
    ok = ok && tlen >= 1 && tlen <= 128 && tag[0] != '.' && tag[0] != '-' &&
         strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == tlen;
    if (!ok) {
        rbox_error(err, 0,
                   "invalid image reference \"%s\": expected NAME[:TAG] (lower-case name, "
                   "tag of [A-Za-z0-9_.-])",
                   ref);
        return NULL;
    }
    return xasprintf("%.*s:%s", (int)nlen, ref, tag);
}

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
    return v;
}

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

static int image_load_with(struct store *s, yajl_val index, const char *id, struct image *out,
                           rbox_err **err)
{
    memset(out, 0, sizeof(*out));
    _cleanup_free_ char *rel = xasprintf("images/%s/image.json", id);
    _cleanup_free_ char *text = NULL;
    if (read_file_at(s->root_fd, rel, &text, NULL) < 0) {
        if (errno == ENOENT)
            return rbox_error(err, 0, "image %.12s no longer exists in the store", id);
        return rbox_error(err, errno, "reading %s/%s", s->root, rel);
    }
    yajl_val v;
    if (json_parse(text, rel, &v, err) < 0)
        return -1;
    int64_t created = 0;
    uint64_t size = 0;
    json_get_i64(v, "created", &created);
    json_get_u64(v, "size", &size);
    CTR_SET(out->id, id);
    out->created_ns = created;
    out->size = size;
    out->source = xstrdup(json_get_str(v, "source"));
    out->cmd = strv_from_json(json_get(v, "cmd"));
    out->tags = tags_of(index, id);
    out->rootfs = xasprintf("%s/images/%s/rootfs", s->root, id);
    yajl_tree_free(v);
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

/* Full ID for a (hex) ID or unique prefix among images/; 0 found, 1 not found, -1 error. */
static int find_by_id(struct store *s, const char *ref, char out[ID_LEN + 1], rbox_err **err)
{
    if (str_has_prefix(ref, "sha256:"))
        ref += 7;
    size_t len = strlen(ref);
    if (len == 0 || len > ID_LEN || strspn(ref, "0123456789abcdef") != len)
        return 1;
    int fd = openat(s->root_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 1 : rbox_error(err, errno, "opening %s/images", s->root);
    _cleanup_closedir_ DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return rbox_error(err, errno, "reading %s/images", s->root);
    }
    int found = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strlen(de->d_name) == ID_LEN && str_has_prefix(de->d_name, ref) && found++ == 0)
            ctr_copy(out, ID_LEN + 1, de->d_name);
    if (found > 1)
        return rbox_error(err, 0, "image ID prefix \"%s\" is ambiguous: it matches %d images", ref,
                          found);
    return found ? 0 : 1;
}

/* Resolve without building: 0 found, 1 not found, -1 error. */
static int resolve_existing(struct store *s, const char *ref, struct image *out, rbox_err **err)
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
    int r = resolve_existing(s, ref, out, err);
    if (r <= 0)
        return r;
    _cleanup_free_ char *norm = image_normalize_ref(ref, err);
    if (norm == NULL)
        return -1;
    if (strcmp(norm, BUILTIN_BUSYBOX_REF) != 0)
        return rbox_error(err, 0, "no such image: %s (import one with 'rbox image import FILE %s')",
                          ref, norm);
    /* the built-in image, made once under the store lock */
    bool had_lock = s->lock_fd >= 0;
    if (store_lock(s, err) < 0)
        return -1;
    r = resolve_existing(s, ref, out, err);
    if (r == 1)
        r = builtin_busybox_create(s, err) < 0 ? -1 : resolve_existing(s, ref, out, err);
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
    int fd = openat(s->root_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        yajl_tree_free(index);
        return errno == ENOENT ? 0 : rbox_error(err, errno, "opening %s/images", s->root);
    }
    DIR *d = fdopendir(fd);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strlen(de->d_name) != ID_LEN || strspn(de->d_name, "0123456789abcdef") != ID_LEN)
            continue;
        struct image img;
        if (image_load_with(s, index, de->d_name, &img, NULL) < 0)
            continue; /* an import in progress */
        *out = xrealloc(*out, (*n + 1) * sizeof(struct image));
        (*out)[(*n)++] = img;
    }
    if (d)
        closedir(d);
    yajl_tree_free(index);
    return 0;
}

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

static int image_delete(struct store *s, yajl_val index, const struct image *img, rbox_err **err)
{
    for (size_t i = 0; img->tags && img->tags[i]; i++) {
        if (index_set(s, index, img->tags[i], NULL, err) < 0)
            return -1;
        yajl_tree_free(index);
        index = NULL;
        if (index_load(s, &index, err) < 0)
            return -1;
        printf("Untagged: %s\n", img->tags[i]);
    }
    yajl_tree_free(index);
    _cleanup_free_ char *rel = xasprintf("images/%s", img->id);
    _cleanup_free_ char *trash = xasprintf("images/.rm-%s", img->id);
    /* rename first: a half-removed tree never looks like an image */
    if (renameat(s->root_fd, rel, s->root_fd, trash) < 0 || rm_rf_at(s->root_fd, trash) < 0)
        return rbox_error(err, errno, "removing %s/%s", s->root, rel);
    printf("Deleted: sha256:%s\n", img->id);
    return 0;
}

int image_remove(struct store *s, const char *ref, bool force, rbox_err **err)
{
    if (store_lock(s, err) < 0)
        return -1;
    struct image img;
    int r = resolve_existing(s, ref, &img, err);
    if (r != 0)
        return r < 0 ? -1 : rbox_error(err, 0, "no such image: %s", ref);
    yajl_val index = NULL;
    if (index_load(s, &index, err) < 0) {
        image_clear(&img);
        return -1;
    }
    _cleanup_free_ char *norm = image_normalize_ref(ref, NULL);
    bool by_tag = norm && index_lookup(index, norm);
    if (by_tag && strv_len(img.tags) > 1) {
        r = index_set(s, index, norm, NULL, err);
        if (r == 0)
            printf("Untagged: %s\n", norm);
        yajl_tree_free(index);
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
        yajl_tree_free(index);
        image_clear(&img);
        return r;
    }
    r = image_delete(s, index, &img, err);
    image_clear(&img);
    return r;
}

char *image_json(const struct image *img, bool pretty)
{
    json_w w;
    jw_init(&w, pretty);
    jw_obj_open(&w);
    _cleanup_free_ char *id = xasprintf("sha256:%s", img->id);
    jw_kstr(&w, "Id", id);
    jw_key(&w, "RepoTags");
    jw_arr_open(&w);
    for (size_t i = 0; img->tags && img->tags[i]; i++)
        jw_str(&w, img->tags[i]);
    jw_arr_close(&w);
    char ts[48];
    struct timespec t = { .tv_sec = img->created_ns / 1000000000,
                          .tv_nsec = img->created_ns % 1000000000 };
    format_time_rfc3339(&t, ts, sizeof(ts));
    jw_kstr(&w, "Created", ts);
    jw_kuint(&w, "Size", img->size);
    jw_kstr(&w, "Source", img->source);
    jw_key(&w, "Config");
    jw_obj_open(&w);
    jw_key(&w, "Cmd");
    if (img->cmd) {
        jw_arr_open(&w);
        for (size_t i = 0; img->cmd[i]; i++)
            jw_str(&w, img->cmd[i]);
        jw_arr_close(&w);
    } else {
        jw_null(&w);
    }
    jw_obj_close(&w);
    jw_key(&w, "RootFS");
    jw_obj_open(&w);
    jw_kstr(&w, "Type", "directory");
    jw_kstr(&w, "Path", img->rootfs);
    jw_obj_close(&w);
    jw_obj_close(&w);
    char *out = xstrdup(jw_text(&w, NULL));
    jw_free(&w);
    return out;
}
