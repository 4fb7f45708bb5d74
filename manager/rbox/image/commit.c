/* commit.c - a container's upper dir as a new layer (rbox commit), its changes (rbox diff), and
 * a tree as a tar (rbox export). Overlay whiteouts become OCI ones (.wh.NAME, .wh..wh..opq). */
#define _GNU_SOURCE
#include "image.h"
#include "image_internal.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

struct walk {
    struct archive *a; /* NULL: diff mode */
    bool whiteouts;    /* overlay whiteouts -> OCI ones */
    int lowerfd;       /* diff: the image's merged tree */
    FILE *out;         /* diff */
    rbox_err **err;
};

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_whiteout(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(int dirfd)
{
    char v[2];
    return fgetxattr(dirfd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

static int put_entry(struct walk *w, const char *path, const struct stat *st, int fd,
                     const char *link)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_copy_stat(e, st);
    archive_entry_set_pathname(e, path);
    if (link)
        archive_entry_set_symlink(e, link);
    if (!S_ISREG(st->st_mode))
        archive_entry_set_size(e, 0);
    int r = archive_write_header(w->a, e);
    archive_entry_free(e);
    if (r != ARCHIVE_OK)
        return rbox_error(w->err, 0, "writing %s: %s", path, archive_error_string(w->a));
    if (S_ISREG(st->st_mode) && fd >= 0) {
        char *buf = xmalloc(1 << 16);
        ssize_t n;
        off_t off = 0;
        while ((n = pread(fd, buf, 1 << 16, off)) > 0) {
            if (archive_write_data(w->a, buf, (size_t)n) != n) {
                free(buf);
                return rbox_error(w->err, 0, "writing %s: %s", path, archive_error_string(w->a));
            }
            off += n;
        }
        free(buf);
    }
    return 0;
}

static int put_marker(struct walk *w, const char *dir, const char *name, const struct stat *like)
{
    struct stat st = *like;
    st.st_mode = S_IFREG | 0644;
    st.st_size = 0;
    st.st_rdev = 0;
    _cleanup_free_ char *p = *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
    return put_entry(w, p, &st, -1, NULL);
}

static int walk_dir(struct walk *w, int dfd, const char *rel);

static int walk_one(struct walk *w, int dfd, const char *rel, const char *name)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return rbox_error(w->err, errno, "reading /%s/%s", rel, name);
    _cleanup_free_ char *path = *rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
    /* the mount points of the /etc files rbox bind-mounts are not the container's changes */
    if (w->whiteouts && S_ISREG(st.st_mode) && st.st_size == 0 &&
        (strcmp(path, "etc/hostname") == 0 || strcmp(path, "etc/hosts") == 0 ||
         strcmp(path, "etc/resolv.conf") == 0))
        return 0;
    if (w->whiteouts && is_whiteout(&st)) {
        if (w->a == NULL) {
            fprintf(w->out, "D /%s\n", path);
            return 0;
        }
        _cleanup_free_ char *wh = xasprintf(".wh.%s", name);
        return put_marker(w, rel, wh, &st);
    }
    if (w->a == NULL) {
        struct stat lst;
        bool had = fstatat(w->lowerfd, path, &lst, AT_SYMLINK_NOFOLLOW) == 0;
        fprintf(w->out, "%c /%s\n", had ? 'C' : 'A', path);
    }
    if (S_ISDIR(st.st_mode)) {
        _cleanup_close_ int sub =
            openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
            return rbox_error(w->err, errno, "opening /%s", path);
        if (w->a && put_entry(w, path, &st, -1, NULL) < 0)
            return -1;
        if (w->a && w->whiteouts && is_opaque(sub) && put_marker(w, path, ".wh..wh..opq", &st) < 0)
            return -1;
        return walk_dir(w, sub, path);
    }
    if (w->a == NULL)
        return 0;
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
        if (n < 0)
            return rbox_error(w->err, errno, "reading the link /%s", path);
        target[n] = '\0';
        return put_entry(w, path, &st, -1, target);
    }
    if (S_ISREG(st.st_mode)) {
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return rbox_error(w->err, errno, "opening /%s", path);
        return put_entry(w, path, &st, fd, NULL);
    }
    if (S_ISSOCK(st.st_mode))
        return 0; /* as tar does */
    return put_entry(w, path, &st, -1, NULL);
}

static int walk_dir(struct walk *w, int dfd, const char *rel)
{
    int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
    DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
    if (d == NULL) {
        if (dup >= 0)
            close(dup);
        return rbox_error(w->err, errno, "reading /%s", rel);
    }
    _cleanup_strv_ char **names = xcalloc(1, sizeof(char *));
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            strv_push(&names, &n, xstrdup(de->d_name));
    closedir(d);
    qsort(names, n, sizeof(char *), cmp_name);
    for (size_t i = 0; i < n; i++)
        if (walk_one(w, dfd, rel, names[i]) < 0)
            return -1;
    return 0;
}

/* The tar of root on fd; the sha256 of what was written when md is given. */
struct sink {
    int fd;
    struct sha256_ctx md;
    uint64_t size;
};

static la_ssize_t sink_write(struct archive *a, void *ud, const void *buf, size_t len)
{
    (void)a;
    struct sink *k = ud;
    if (write_all(k->fd, buf, len) < 0)
        return -1;
    sha256_update(&k->md, len, buf);
    k->size += len;
    return (la_ssize_t)len;
}

static int write_tree(const char *root, bool whiteouts, int fd, char hex[ID_LEN + 1],
                      uint64_t *size, rbox_err **err)
{
    _cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rfd < 0)
        return rbox_error(err, errno, "opening %s", root);
    struct sink k = { .fd = fd };
    sha256_init(&k.md);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_in_last_block(a, 1);
    struct walk w = { .a = a, .whiteouts = whiteouts, .lowerfd = -1, .err = err };
    int r = archive_write_open(a, &k, NULL, sink_write, NULL) == ARCHIVE_OK
                ? 0
                : rbox_error(err, 0, "%s", archive_error_string(a));
    if (r == 0)
        r = walk_dir(&w, rfd, "");
    if (archive_write_close(a) != ARCHIVE_OK && r == 0)
        r = rbox_error(err, errno, "writing the archive: %s", archive_error_string(a));
    archive_write_free(a);
    if (r == 0 && hex)
        sha_hex(&k.md, hex);
    if (size)
        *size = k.size;
    return r;
}

int image_export_tree(const char *root, int fd, rbox_err **err)
{
    return write_tree(root, false, fd, NULL, NULL, err);
}

int image_diff(struct store *s, const struct image *base, const char *upper, FILE *out,
               rbox_err **err)
{
    _cleanup_close_ int lower = image_root_open(s, base, err);
    if (lower < 0)
        return -1;
    _cleanup_close_ int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ufd < 0)
        return rbox_error(err, errno, "opening %s", upper);
    struct walk w = { .whiteouts = true, .lowerfd = lower, .out = out, .err = err };
    return walk_dir(&w, ufd, "");
}

/* ---- commit ---- */

struct changes {
    char **cmd, **entrypoint, **env, **labels, **expose;
    char **volumes, **onbuild; /* rbox build: VOLUME; ONBUILD (a JSON list replaces) */
    char *workdir, *user, *stop_signal;
    char *healthcheck; /* rbox build: HEALTHCHECK, docker's Healthcheck object as JSON */
    bool has_cmd, has_entrypoint, onbuild_set;
};

static void changes_clear(struct changes *c)
{
    strv_free(c->cmd);
    strv_free(c->entrypoint);
    strv_free(c->env);
    strv_free(c->labels);
    strv_free(c->expose);
    strv_free(c->volumes);
    strv_free(c->onbuild);
    free(c->workdir);
    free(c->user);
    free(c->stop_signal);
    free(c->healthcheck);
}

/* JSON form ["a","b"] or shell form (/bin/sh -c "..."). */
static int parse_argv(const char *v, char ***out, rbox_err **err)
{
    char **r = xcalloc(1, sizeof(char *));
    size_t n = 0;
    if (*v == '[') {
        yajl_val a = NULL;
        if (json_parse(v, "the --change value", &a, err) < 0) {
            free(r);
            return -1;
        }
        for (size_t i = 0; YAJL_IS_ARRAY(a) && i < a->u.array.len; i++)
            if (YAJL_IS_STRING(a->u.array.values[i]))
                strv_push(&r, &n, xstrdup(a->u.array.values[i]->u.string));
        yajl_tree_free(a);
    } else {
        strv_push(&r, &n, xstrdup("/bin/sh"));
        strv_push(&r, &n, xstrdup("-c"));
        strv_push(&r, &n, xstrdup(v));
    }
    *out = r;
    return 0;
}

static char *kv(const char *v)
{
    /* K=V, K="V", or K V */
    const char *eq = strchr(v, '='), *sp = strchr(v, ' ');
    const char *sep = eq && (!sp || eq < sp) ? eq : sp;
    if (sep == NULL)
        return NULL;
    const char *val = sep + 1;
    while (*val == ' ')
        val++;
    size_t vl = strlen(val);
    if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"')
        return xasprintf("%.*s=%.*s", (int)(sep - v), v, (int)(vl - 2), val + 1);
    return xasprintf("%.*s=%s", (int)(sep - v), v, val);
}

static int parse_change(struct changes *c, const char *ch, rbox_err **err)
{
    size_t kl = strcspn(ch, " ");
    const char *v = ch + kl;
    while (*v == ' ')
        v++;
    _cleanup_free_ char *key = xstrndup(ch, kl);
    for (char *p = key; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    size_t n;
    if (*v == '\0')
        return rbox_error(err, 0, "invalid --change \"%s\": no value", ch);
    if (strcmp(key, "CMD") == 0) {
        strv_free(c->cmd);
        c->has_cmd = true;
        return parse_argv(v, &c->cmd, err);
    }
    if (strcmp(key, "ENTRYPOINT") == 0) {
        strv_free(c->entrypoint);
        c->has_entrypoint = true;
        return parse_argv(v, &c->entrypoint, err);
    }
    if (strcmp(key, "ENV") == 0 || strcmp(key, "LABEL") == 0) {
        char *p = kv(v);
        if (p == NULL)
            return rbox_error(err, 0, "invalid --change \"%s\": expected %s KEY=VALUE", ch, key);
        char ***list = key[0] == 'E' ? &c->env : &c->labels;
        n = strv_len(*list);
        if (*list == NULL)
            *list = xcalloc(1, sizeof(char *));
        strv_push(list, &n, p);
        return 0;
    }
    if (strcmp(key, "VOLUME") == 0 || strcmp(key, "ONBUILD") == 0) {
        char ***list = key[0] == 'V' ? &c->volumes : &c->onbuild;
        if (key[0] == 'O' && *v == '[') {
            strv_free(c->onbuild);
            c->onbuild_set = true;
            return parse_argv(v, &c->onbuild, err);
        }
        n = strv_len(*list);
        if (*list == NULL)
            *list = xcalloc(1, sizeof(char *));
        strv_push(list, &n, xstrdup(v));
        return 0;
    }
    if (strcmp(key, "HEALTHCHECK") == 0) {
        yajl_val h = NULL;
        if (*v != '{' || json_parse(v, "the HEALTHCHECK change", &h, err) < 0)
            return h ? 0
                     : rbox_error(err, 0, "invalid --change \"%s\": expected a JSON object", ch);
        yajl_tree_free(h);
        free(c->healthcheck);
        c->healthcheck = xstrdup(v);
        return 0;
    }
    if (strcmp(key, "EXPOSE") == 0) {
        n = strv_len(c->expose);
        if (c->expose == NULL)
            c->expose = xcalloc(1, sizeof(char *));
        strv_push(&c->expose, &n, strchr(v, '/') ? xstrdup(v) : xasprintf("%s/tcp", v));
        return 0;
    }
    char **s = strcmp(key, "WORKDIR") == 0      ? &c->workdir
               : strcmp(key, "USER") == 0       ? &c->user
               : strcmp(key, "STOPSIGNAL") == 0 ? &c->stop_signal
                                                : NULL;
    if (s == NULL)
        return rbox_error(err, 0,
                          "invalid --change \"%s\": expected CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, "
                          "STOPSIGNAL, USER or WORKDIR",
                          ch);
    free(*s);
    *s = xstrdup(v);
    return 0;
}

/* An object of K=V strings (labels) or of keys (ports), merged over the base's. */
static void jw_merged_obj(json_w *w, yajl_val base, char *const *add, bool keys_only)
{
    jw_obj_open(w);
    for (size_t i = 0; YAJL_IS_OBJECT(base) && i < base->u.object.len; i++) {
        const char *k = base->u.object.keys[i];
        bool replaced = false;
        for (size_t j = 0; add && add[j]; j++)
            replaced = replaced || (strncmp(add[j], k, strlen(k)) == 0 &&
                                    (add[j][strlen(k)] == '=' || add[j][strlen(k)] == '\0'));
        if (!replaced) {
            jw_key(w, k);
            jw_value(w, base->u.object.values[i]);
        }
    }
    for (size_t j = 0; add && add[j]; j++) {
        if (keys_only) {
            jw_key(w, add[j]);
            jw_obj_open(w);
            jw_obj_close(w);
        } else {
            _cleanup_free_ char *k = xstrndup(add[j], strcspn(add[j], "="));
            jw_kstr(w, k, strchr(add[j], '=') + 1);
        }
    }
    jw_obj_close(w);
}

static void jw_run_config(json_w *w, yajl_val base, const struct changes *c)
{
    jw_obj_open(w);
    static const char *const mine[] = { "Cmd",          "Entrypoint", "Env",        "Labels",
                                        "User",         "WorkingDir", "Volumes",    "OnBuild",
                                        "ExposedPorts", "StopSignal", "Healthcheck" };
    for (size_t i = 0; YAJL_IS_OBJECT(base) && i < base->u.object.len; i++) {
        bool skip = false;
        for (size_t k = 0; k < ARRAY_SIZE(mine); k++)
            skip = skip || strcmp(base->u.object.keys[i], mine[k]) == 0;
        if (!skip) {
            jw_key(w, base->u.object.keys[i]);
            jw_value(w, base->u.object.values[i]);
        }
    }
    if (c->has_cmd) {
        jw_kstrv(w, "Cmd", c->cmd);
    } else if (json_get(base, "Cmd")) {
        jw_key(w, "Cmd");
        jw_value(w, json_get(base, "Cmd"));
    }
    if (c->has_entrypoint) {
        jw_kstrv(w, "Entrypoint", c->entrypoint);
    } else if (json_get(base, "Entrypoint")) {
        jw_key(w, "Entrypoint");
        jw_value(w, json_get(base, "Entrypoint"));
    }
    /* Env: a later K=V replaces the base's K */
    yajl_val env = json_get(base, "Env");
    if (env || c->env) {
        jw_key(w, "Env");
        jw_arr_open(w);
        for (size_t i = 0; YAJL_IS_ARRAY(env) && i < env->u.array.len; i++) {
            yajl_val e = env->u.array.values[i];
            if (!YAJL_IS_STRING(e))
                continue;
            size_t kl = strcspn(e->u.string, "=");
            bool replaced = false;
            for (size_t j = 0; c->env && c->env[j]; j++)
                replaced =
                    replaced || (strncmp(c->env[j], e->u.string, kl) == 0 && c->env[j][kl] == '=');
            if (!replaced)
                jw_str(w, e->u.string);
        }
        for (size_t j = 0; c->env && c->env[j]; j++)
            jw_str(w, c->env[j]);
        jw_arr_close(w);
    }
    if (json_get(base, "Labels") || c->labels) {
        jw_key(w, "Labels");
        jw_merged_obj(w, json_get(base, "Labels"), c->labels, false);
    }
    if (json_get(base, "ExposedPorts") || c->expose) {
        jw_key(w, "ExposedPorts");
        jw_merged_obj(w, json_get(base, "ExposedPorts"), c->expose, true);
    }
    if (json_get(base, "Volumes") || c->volumes) {
        jw_key(w, "Volumes");
        jw_merged_obj(w, json_get(base, "Volumes"), c->volumes, true);
    }
    yajl_val ob = c->onbuild_set ? NULL : json_get(base, "OnBuild");
    if (YAJL_IS_ARRAY(ob) || c->onbuild) {
        jw_key(w, "OnBuild");
        jw_arr_open(w);
        for (size_t i = 0; YAJL_IS_ARRAY(ob) && i < ob->u.array.len; i++)
            jw_value(w, ob->u.array.values[i]);
        for (size_t j = 0; c->onbuild && c->onbuild[j]; j++)
            jw_str(w, c->onbuild[j]);
        jw_arr_close(w);
    }
    const char *workdir = c->workdir ? c->workdir : json_get_str(base, "WorkingDir");
    const char *user = c->user ? c->user : json_get_str(base, "User");
    const char *sig = c->stop_signal ? c->stop_signal : json_get_str(base, "StopSignal");
    if (workdir)
        jw_kstr(w, "WorkingDir", workdir);
    if (user)
        jw_kstr(w, "User", user);
    if (sig)
        jw_kstr(w, "StopSignal", sig);
    yajl_val hc = NULL;
    if (c->healthcheck)
        json_parse(c->healthcheck, "HEALTHCHECK", &hc, NULL);
    if (hc || json_get(base, "Healthcheck")) {
        jw_key(w, "Healthcheck");
        jw_value(w, hc ? hc : json_get(base, "Healthcheck"));
    }
    if (hc)
        yajl_tree_free(hc);
    jw_obj_close(w);
}

static char *new_config(const struct image *base, const struct changes *c, const char *diff,
                        const char *author, const char *message, const char *by)
{
    char now[48];
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    format_time_rfc3339(&t, now, sizeof(now));
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    yajl_val b = base->config;
    static const char *const mine[] = { "created", "author", "config", "rootfs", "history" };
    for (size_t i = 0; YAJL_IS_OBJECT(b) && i < b->u.object.len; i++) {
        bool skip = false;
        for (size_t k = 0; k < ARRAY_SIZE(mine); k++)
            skip = skip || strcmp(b->u.object.keys[i], mine[k]) == 0;
        if (!skip) {
            jw_key(&w, b->u.object.keys[i]);
            jw_value(&w, b->u.object.values[i]);
        }
    }
    jw_kstr(&w, "created", now);
    if (author)
        jw_kstr(&w, "author", author);
    jw_key(&w, "config");
    jw_run_config(&w, json_get(b, "config"), c);
    jw_key(&w, "rootfs");
    jw_obj_open(&w);
    jw_kstr(&w, "type", "layers");
    jw_key(&w, "diff_ids");
    jw_arr_open(&w);
    for (size_t i = 0; i < base->n_layers; i++)
        jw_str(&w, base->layers[i].diff_id);
    if (diff)
        jw_str(&w, diff);
    jw_arr_close(&w);
    jw_obj_close(&w);
    jw_key(&w, "history");
    jw_arr_open(&w);
    yajl_val h = json_get(b, "history");
    for (size_t i = 0; YAJL_IS_ARRAY(h) && i < h->u.array.len; i++)
        jw_value(&w, h->u.array.values[i]);
    jw_obj_open(&w);
    jw_kstr(&w, "created", now);
    jw_kstr(&w, "created_by", by);
    if (author)
        jw_kstr(&w, "author", author);
    if (message)
        jw_kstr(&w, "comment", message);
    if (diff == NULL)
        jw_kbool(&w, "empty_layer", true);
    jw_obj_close(&w);
    jw_arr_close(&w);
    jw_obj_close(&w);
    char *out = xstrdup(jw_text(&w, NULL));
    jw_free(&w);
    return out;
}

static const char *oci_layer_type(const char *mt)
{
    if (mt == NULL || strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar") == 0)
        return MT_OCI_LAYER;
    if (strcmp(mt, MT_DOCKER_LAYER) == 0)
        return MT_OCI_LAYER "+gzip";
    return mt;
}

static int put_json_blob(int lfd, const char *text, char digest[DIGEST_LEN + 1], rbox_err **err)
{
    struct sha256_ctx md;
    sha256_init(&md);
    sha256_update(&md, strlen(text), (const uint8_t *)text);
    char hex[ID_LEN + 1];
    sha_hex(&md, hex);
    snprintf(digest, DIGEST_LEN + 1, "sha256:%s", hex);
    _cleanup_free_ char *rel = xasprintf("blobs/sha256/%s", hex);
    if (write_file_atomic_at(lfd, rel, text, strlen(text), 0644, false) < 0)
        return rbox_error(err, errno, "writing blob %s", digest);
    return 0;
}

static void jw_desc(json_w *w, const char *mt, const char *digest, uint64_t size)
{
    jw_obj_open(w);
    jw_kstr(w, "mediaType", mt);
    jw_kstr(w, "digest", digest);
    jw_kuint(w, "size", size);
    jw_obj_close(w);
}

static int commit_layout(struct store *s, int lfd, const struct image *base, const char *diff,
                         uint64_t size, const char *config, rbox_err **err)
{
    (void)s;
    char cdigest[DIGEST_LEN + 1], mdigest[DIGEST_LEN + 1];
    if (put_json_blob(lfd, config, cdigest, err) < 0)
        return -1;
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kint(&w, "schemaVersion", 2);
    jw_kstr(&w, "mediaType", MT_OCI_MANIFEST);
    jw_key(&w, "config");
    jw_desc(&w, MT_OCI_CONFIG, cdigest, strlen(config));
    jw_key(&w, "layers");
    jw_arr_open(&w);
    for (size_t i = 0; i < base->n_layers; i++)
        jw_desc(&w, oci_layer_type(base->layers[i].media_type), base->layers[i].digest,
                base->layers[i].size);
    if (diff)
        jw_desc(&w, MT_OCI_LAYER, diff, size);
    jw_arr_close(&w);
    jw_obj_close(&w);
    _cleanup_free_ char *manifest = xstrdup(jw_text(&w, NULL));
    jw_free(&w);
    if (put_json_blob(lfd, manifest, mdigest, err) < 0)
        return -1;
    _cleanup_free_ char *index =
        xasprintf("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\","
                  "\"size\":%zu}]}",
                  MT_OCI_MANIFEST, mdigest, strlen(manifest));
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    if (write_file_atomic_at(lfd, "index.json", index, strlen(index), 0644, false) < 0 ||
        write_file_atomic_at(lfd, "oci-layout", layout, strlen(layout), 0644, false) < 0)
        return rbox_error(err, errno, "writing the image layout");
    return 0;
}

int image_commit(struct store *s, const struct image *base, const char *upper, const char *ref,
                 char *const *change, const char *author, const char *message, const char *by,
                 char id[ID_LEN + 1], rbox_err **err)
{
    _cleanup_free_ char *tag = ref ? image_normalize_ref(ref, err) : NULL;
    if (ref && tag == NULL)
        return -1;
    if (tag && strchr(tag, '@'))
        return rbox_error(err, 0, "invalid reference \"%s\": a tag cannot hold a digest", ref);
    struct changes c = { 0 };
    for (size_t i = 0; change && change[i]; i++)
        if (parse_change(&c, change[i], err) < 0) {
            changes_clear(&c);
            return -1;
        }
    struct image_staging st;
    if (image_staging_create(s, &st, err) < 0) {
        changes_clear(&c);
        return -1;
    }
    int r = -1;
    _cleanup_close_ int lfd = open(st.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int fd =
        lfd < 0 ? -1 : openat(lfd, "blobs/sha256/layer", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    char hex[ID_LEN + 1];
    uint64_t size = 0;
    _cleanup_free_ char *diff = NULL, *blob = NULL, *config = NULL;
    if (fd < 0) {
        rbox_error(err, errno, "creating a layer in %s", st.dir);
        goto out;
    }
    if (upper) { /* else only the config changes (rbox build's metadata steps) */
        if (write_tree(upper, true, fd, hex, &size, err) < 0)
            goto out;
        diff = xasprintf("sha256:%s", hex);
        blob = xasprintf("blobs/sha256/%s", hex);
        if (renameat(lfd, "blobs/sha256/layer", lfd, blob) < 0) {
            rbox_error(err, errno, "naming the layer in %s", st.dir);
            goto out;
        }
    } else
        unlinkat(lfd, "blobs/sha256/layer", 0);
    config = new_config(base, &c, diff, author, message, by);
    if (commit_layout(s, lfd, base, diff, size, config, err) < 0)
        goto out;
    const char *tags[2] = { tag, NULL };
    r = ingest_layout_ex(s, st.dir, tags, false, false, by, id, err);
out:
    image_staging_discard(s, &st);
    changes_clear(&c);
    return r;
}
