/* archive.c - rbox load and rbox save: docker-archive (docker save / podman save: manifest.json,
 * <config>.json, layer tars; also the newer variant with an OCI layout inside) and oci-archive
 * (a tar of an OCI image layout). Layers keep their bytes: save | load gives the same digests. */
#define _GNU_SOURCE
#include "image.h"
#include "image_internal.h"
#include "path.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- load ---- */

int image_extract_entry(struct archive *a, struct archive *disk, struct archive_entry *e,
                        const char **why)
{
    if (archive_write_header(disk, e) < ARCHIVE_WARN) {
        *why = archive_error_string(disk);
        return -1;
    }
    const void *buf;
    size_t size;
    la_int64_t off;
    int r;
    while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
        if (archive_write_data_block(disk, buf, size, off) < ARCHIVE_WARN)
            break;
    if (r != ARCHIVE_EOF || archive_write_finish_entry(disk) < ARCHIVE_WARN) {
        *why = archive_error_string(disk) ? archive_error_string(disk) : archive_error_string(a);
        return -1;
    }
    return 0;
}

static int extract_all(int fd, int dirfd, rbox_err **err)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    struct archive *disk = archive_write_disk_new();
    archive_write_disk_set_options(disk, ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                             ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                             ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
    int ret = 0, r;
    int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct archive_entry *e;
    if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
        ret = rbox_error(err, 0, "not an image archive: %s", archive_error_string(a));
        goto out;
    }
    if (fchdir(dirfd) < 0) {
        ret = rbox_error(err, errno, "entering the staging directory");
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        mode_t t = archive_entry_filetype(e);
        if (t != AE_IFREG && t != AE_IFDIR && t != AE_IFLNK)
            continue;
        archive_entry_set_perm(e, t == AE_IFDIR ? 0700 : 0600);
        const char *why;
        if (image_extract_entry(a, disk, e, &why) < 0) {
            ret = rbox_error(err, 0, "extracting %s: %s", archive_entry_pathname(e), why);
            goto out;
        }
    }
    if (r != ARCHIVE_EOF)
        ret = rbox_error(err, 0, "not an image archive: %s", archive_error_string(a));
out:
    if (cwd >= 0) {
        (void)fchdir(cwd);
        close(cwd);
    }
    archive_write_free(disk);
    archive_read_free(a);
    return ret;
}

static const char *layer_media_type(int fd)
{
    unsigned char m[4] = { 0 };
    if (pread(fd, m, 4, 0) == 4) {
        if (m[0] == 0x1f && m[1] == 0x8b)
            return MT_OCI_LAYER "+gzip";
        if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
            return MT_OCI_LAYER "+zstd";
    }
    return MT_OCI_LAYER;
}

/* x/<path> (resolved inside x) hard-linked as blobs/sha256/<hex> of the layout; its digest. */
static int link_blob(int xfd, int lfd, const char *path, char digest[DIGEST_LEN + 1],
                     uint64_t *size, const char **mt, rbox_err **err)
{
    _cleanup_close_ int fd = open_in_root(xfd, path, O_RDONLY | O_CLOEXEC, 0);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return rbox_error(err, errno, "archive member %s", path);
    if (!S_ISREG(st.st_mode))
        return rbox_error(err, 0, "archive member %s is not a file", path);
    char hex[ID_LEN + 1];
    if (sha256_fd(fd, hex, size) < 0)
        return rbox_error(err, errno, "reading archive member %s", path);
    snprintf(digest, DIGEST_LEN + 1, "sha256:%s", hex);
    if (mt)
        *mt = layer_media_type(fd);
    _cleanup_free_ char *rel = xasprintf("blobs/sha256/%s", hex);
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, lfd, rel, AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST)
        return rbox_error(err, errno, "linking archive member %s", path);
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

/* One manifest.json entry -> the layout's index.json (one OCI manifest), then ingested. */
static int load_docker_entry(struct store *s, int xfd, int lfd, const char *ldir, yajl_val ent,
                             rbox_err **err)
{
    const char *cfg = json_get_str(ent, "Config");
    yajl_val layers = json_get(ent, "Layers");
    if (cfg == NULL || !YAJL_IS_ARRAY(layers))
        return rbox_error(err, 0, "manifest.json: an entry without Config or Layers");
    char cdigest[DIGEST_LEN + 1], mdigest[DIGEST_LEN + 1];
    uint64_t csize;
    if (link_blob(xfd, lfd, cfg, cdigest, &csize, NULL, err) < 0)
        return -1;
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kint(&w, "schemaVersion", 2);
    jw_kstr(&w, "mediaType", MT_OCI_MANIFEST);
    jw_key(&w, "config");
    jw_desc(&w, MT_OCI_CONFIG, cdigest, csize);
    jw_key(&w, "layers");
    jw_arr_open(&w);
    for (size_t i = 0; i < layers->u.array.len; i++) {
        yajl_val l = layers->u.array.values[i];
        char d[DIGEST_LEN + 1];
        uint64_t size;
        const char *mt;
        if (!YAJL_IS_STRING(l) || link_blob(xfd, lfd, l->u.string, d, &size, &mt, err) < 0) {
            jw_free(&w);
            return YAJL_IS_STRING(l) ? -1 : rbox_error(err, 0, "manifest.json: a bad layer");
        }
        jw_desc(&w, mt, d, size);
    }
    jw_arr_close(&w);
    jw_obj_close(&w);
    size_t mlen;
    const char *mtext = jw_text(&w, &mlen);
    struct sha256_ctx md;
    sha256_init(&md);
    sha256_update(&md, mlen, (const uint8_t *)mtext);
    char hex[ID_LEN + 1];
    sha_hex(&md, hex);
    snprintf(mdigest, sizeof(mdigest), "sha256:%s", hex);
    _cleanup_free_ char *rel = xasprintf("blobs/sha256/%s", hex);
    int r = write_file_atomic_at(lfd, rel, mtext, mlen, 0644, false);
    jw_free(&w);
    if (r < 0)
        return rbox_error(err, errno, "writing the manifest");
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kint(&w, "schemaVersion", 2);
    jw_key(&w, "manifests");
    jw_arr_open(&w);
    jw_desc(&w, MT_OCI_MANIFEST, mdigest, mlen);
    jw_arr_close(&w);
    jw_obj_close(&w);
    size_t ilen;
    const char *itext = jw_text(&w, &ilen);
    r = write_file_atomic_at(lfd, "index.json", itext, ilen, 0644, false);
    jw_free(&w);
    if (r < 0)
        return rbox_error(err, errno, "writing the index");
    _cleanup_strv_ char **tags = xcalloc(1, sizeof(char *));
    size_t n = 0;
    yajl_val rt = json_get(ent, "RepoTags");
    for (size_t i = 0; YAJL_IS_ARRAY(rt) && i < rt->u.array.len; i++) {
        yajl_val t = rt->u.array.values[i];
        char *norm = YAJL_IS_STRING(t) ? image_normalize_ref(t->u.string, err) : NULL;
        if (norm == NULL)
            return rbox_error_prefix(err, "manifest.json");
        strv_push(&tags, &n, norm);
    }
    char id[ID_LEN + 1];
    return ingest_layout_ex(s, ldir, (const char *const *)tags, true, true, "rbox load", id, err);
}

static int load_staged(struct store *s, struct image_staging *st, rbox_err **err)
{
    _cleanup_close_ int lfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int xfd = lfd >= 0 ? openat(lfd, "x", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (xfd < 0)
        return rbox_error(err, errno, "opening %s/x", st->dir);
    _cleanup_free_ char *text = NULL;
    if (read_file_at(xfd, "manifest.json", &text, NULL) == 0) {
        _cleanup_yajl_ yajl_val m = NULL;
        if (json_parse(text, "manifest.json", &m, err) < 0)
            return -1;
        if (!YAJL_IS_ARRAY(m) || m->u.array.len == 0)
            return rbox_error(err, 0, "manifest.json lists no image");
        for (size_t i = 0; i < m->u.array.len; i++)
            if (load_docker_entry(s, xfd, lfd, st->dir, m->u.array.values[i], err) < 0)
                return -1;
        return 0;
    }
    if (faccessat(xfd, "oci-layout", F_OK, 0) == 0 && faccessat(xfd, "index.json", F_OK, 0) == 0) {
        _cleanup_free_ char *x = xasprintf("%s/x", st->dir);
        char id[ID_LEN + 1];
        return ingest_layout_ex(s, x, NULL, true, true, "rbox load", id, err);
    }
    return rbox_error(err, 0,
                      "not an image archive: no manifest.json (docker-archive) or oci-layout "
                      "(oci-archive) in it");
}

int image_load_archive(struct store *s, const char *file, rbox_err **err)
{
    bool in = file == NULL || strcmp(file, "-") == 0;
    if (in && isatty(STDIN_FILENO))
        return rbox_error(err, 0, "requested load from stdin, but stdin is empty (use -i FILE)");
    _cleanup_close_ int fd =
        in ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3) : open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rbox_error(err, errno, "opening %s", file);
    struct image_staging st;
    if (image_staging_create(s, &st, err) < 0)
        return -1;
    _cleanup_free_ char *x = xasprintf("%s/x", st.dir);
    int r = mkdir(x, 0700) < 0 ? rbox_error(err, errno, "creating %s", x) : 0;
    _cleanup_close_ int xfd = r == 0 ? open(x, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (r == 0 && xfd < 0)
        r = rbox_error(err, errno, "opening %s", x);
    if (r == 0)
        r = extract_all(fd, xfd, err);
    if (r == 0)
        r = load_staged(s, &st, err);
    image_staging_discard(s, &st);
    return r < 0 ? rbox_error_prefix(err, "loading %s", in ? "stdin" : file) : 0;
}

/* ---- save ---- */

static int tar_add_fd(struct archive *a, const char *name, int fd, rbox_err **err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return rbox_error(err, errno, "%s", name);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, st.st_size);
    archive_entry_set_mtime(e, 0, 0);
    int r = archive_write_header(a, e) == ARCHIVE_OK ? 0 : -1;
    archive_entry_free(e);
    char *buf = xmalloc(1 << 17);
    off_t off = 0;
    ssize_t n;
    while (r == 0 && (n = pread(fd, buf, 1 << 17, off)) > 0) {
        if (archive_write_data(a, buf, (size_t)n) != n)
            r = -1;
        off += n;
    }
    free(buf);
    if (r < 0)
        return rbox_error(err, 0, "writing %s: %s", name,
                          archive_error_string(a) ? archive_error_string(a) : "short write");
    return 0;
}

static int tar_add_mem(struct archive *a, const char *name, const char *data, size_t len,
                       rbox_err **err)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_mtime(e, 0, 0);
    int r = archive_write_header(a, e) == ARCHIVE_OK &&
                    archive_write_data(a, data, len) == (la_ssize_t)len
                ? 0
                : rbox_error(err, 0, "writing %s: %s", name, archive_error_string(a));
    archive_entry_free(e);
    return r;
}

static int tar_add_blob(struct store *s, struct archive *a, const char *name, const char *digest,
                        rbox_err **err)
{
    _cleanup_close_ int fd = blob_open(s, digest, err);
    return fd < 0 ? -1 : tar_add_fd(a, name, fd, err);
}

/* A layer uncompressed (docker-archive layers are plain tars). */
static int tar_add_layer(struct store *s, struct archive *a, const struct image_layer *l,
                         rbox_err **err)
{
    _cleanup_free_ char *name = xasprintf("%s.tar", l->diff_id + 7);
    if (str_eq(l->digest, l->diff_id))
        return tar_add_blob(s, a, name, l->digest, err);
    _cleanup_close_ int in = blob_open(s, l->digest, err);
    if (in < 0)
        return -1;
    _cleanup_close_ int tmp =
        openat(s->root_fd, "images/tmp", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
    if (tmp < 0)
        return rbox_error(err, errno, "creating a temporary file in %s/images/tmp", s->root);
    struct archive *raw = raw_reader(in, err);
    if (raw == NULL)
        return -1;
    char *buf = xmalloc(1 << 17);
    la_ssize_t n;
    int r = 0;
    while (r == 0 && (n = archive_read_data(raw, buf, 1 << 17)) > 0)
        if (write_all(tmp, buf, (size_t)n) < 0)
            r = rbox_error(err, errno, "decompressing layer %s", l->digest);
    if (r == 0 && n < 0)
        r = rbox_error(err, 0, "decompressing layer %s: %s", l->digest, archive_error_string(raw));
    free(buf);
    archive_read_free(raw);
    return r < 0 ? -1 : tar_add_fd(a, name, tmp, err);
}

struct saved {
    struct image *imgs;
    char ***names; /* per image: the normalized names to record */
    size_t n;
};

static int save_docker(struct store *s, struct archive *a, struct saved *sv, rbox_err **err)
{
    _cleanup_strv_ char **done = xcalloc(1, sizeof(char *));
    size_t nd = 0;
    json_w w;
    jw_init(&w, false);
    jw_arr_open(&w);
    int r = 0;
    for (size_t i = 0; r == 0 && i < sv->n; i++) {
        struct image *img = &sv->imgs[i];
        _cleanup_free_ char *cname = xasprintf("%s.json", img->id);
        _cleanup_free_ char *cdigest = xasprintf("sha256:%s", img->id);
        if (!strv_contains(done, cdigest)) {
            r = tar_add_blob(s, a, cname, cdigest, err);
            strv_push(&done, &nd, xstrdup(cdigest));
        }
        jw_obj_open(&w);
        jw_kstr(&w, "Config", cname);
        jw_key(&w, "RepoTags");
        jw_arr_open(&w);
        for (size_t k = 0; sv->names[i][k]; k++) {
            _cleanup_free_ char *f = image_familiar(sv->names[i][k]);
            jw_str(&w, f);
        }
        jw_arr_close(&w);
        jw_key(&w, "Layers");
        jw_arr_open(&w);
        for (size_t k = 0; k < img->n_layers; k++) {
            const struct image_layer *l = &img->layers[k];
            _cleanup_free_ char *name = xasprintf("%s.tar", l->diff_id + 7);
            jw_str(&w, name);
            if (r == 0 && !strv_contains(done, l->diff_id)) {
                r = tar_add_layer(s, a, l, err);
                strv_push(&done, &nd, xstrdup(l->diff_id));
            }
        }
        jw_arr_close(&w);
        jw_obj_close(&w);
    }
    jw_arr_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    if (r == 0)
        r = tar_add_mem(a, "manifest.json", text, len, err);
    jw_free(&w);
    return r;
}

static int save_oci(struct store *s, struct archive *a, struct saved *sv, rbox_err **err)
{
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    int r = tar_add_mem(a, "oci-layout", layout, strlen(layout), err);
    _cleanup_strv_ char **done = xcalloc(1, sizeof(char *));
    size_t nd = 0;
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kint(&w, "schemaVersion", 2);
    jw_key(&w, "manifests");
    jw_arr_open(&w);
    for (size_t i = 0; r == 0 && i < sv->n; i++) {
        struct image *img = &sv->imgs[i];
        _cleanup_free_ char *cdigest = xasprintf("sha256:%s", img->id);
        const char *blobs[3] = { img->manifest_digest, cdigest, NULL };
        for (size_t k = 0; r == 0 && k < img->n_layers + 2; k++) {
            const char *d = k < 2 ? blobs[k] : img->layers[k - 2].digest;
            if (strv_contains(done, d))
                continue;
            _cleanup_free_ char *name = xasprintf("blobs/sha256/%s", d + 7);
            r = tar_add_blob(s, a, name, d, err);
            strv_push(&done, &nd, xstrdup(d));
        }
        _cleanup_free_ char *mpath = image_blob_path(s, img->manifest_digest);
        struct stat st;
        if (mpath == NULL || stat(mpath, &st) < 0) {
            r = rbox_error(err, 0, "image %.12s: its manifest is missing", img->id);
            break;
        }
        size_t nn = strv_len(sv->names[i]);
        for (size_t k = 0; k < (nn ? nn : 1); k++) {
            jw_obj_open(&w);
            jw_kstr(&w, "mediaType", img->manifest_type);
            jw_kstr(&w, "digest", img->manifest_digest);
            jw_kuint(&w, "size", (uint64_t)st.st_size);
            if (nn) {
                jw_key(&w, "annotations");
                jw_obj_open(&w);
                jw_kstr(&w, "io.containerd.image.name", sv->names[i][k]);
                jw_kstr(&w, "org.opencontainers.image.ref.name", sv->names[i][k]);
                jw_obj_close(&w);
            }
            jw_obj_close(&w);
        }
    }
    jw_arr_close(&w);
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    if (r == 0)
        r = tar_add_mem(a, "index.json", text, len, err);
    jw_free(&w);
    return r;
}

int image_save_archive(struct store *s, const char *const *refs, bool oci, int fd, rbox_err **err)
{
    struct saved sv = { 0 };
    size_t n = strv_len((char *const *)refs);
    sv.imgs = xcalloc(n + 1, sizeof(struct image));
    sv.names = xcalloc(n + 1, sizeof(char **));
    int r = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        r = image_resolve(s, refs[i], &sv.imgs[i], err);
        if (r < 0)
            break;
        sv.n++;
        _cleanup_free_ char *norm = image_normalize_ref(refs[i], NULL);
        size_t k = 0;
        sv.names[i] = xcalloc(1, sizeof(char *));
        if (norm && strv_contains(sv.imgs[i].tags, norm))
            strv_push(&sv.names[i], &k, xstrdup(norm));
        else if (!oci)
            for (size_t t = 0; sv.imgs[i].tags && sv.imgs[i].tags[t]; t++)
                strv_push(&sv.names[i], &k, xstrdup(sv.imgs[i].tags[t]));
    }
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (r == 0 && archive_write_open_fd(a, fd) != ARCHIVE_OK)
        r = rbox_error(err, 0, "%s", archive_error_string(a));
    if (r == 0)
        r = oci ? save_oci(s, a, &sv, err) : save_docker(s, a, &sv, err);
    if (archive_write_close(a) != ARCHIVE_OK && r == 0)
        r = rbox_error(err, errno, "writing the archive: %s", archive_error_string(a));
    archive_write_free(a);
    for (size_t i = 0; i < sv.n; i++) {
        image_clear(&sv.imgs[i]);
        strv_free(sv.names[i]);
    }
    free(sv.imgs);
    free(sv.names);
    return r;
}
