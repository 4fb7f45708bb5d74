/* archive.c - /containers/ID/archive, what docker cp uses: HEAD (the path's stat in the
 * X-Docker-Container-Path-Stat header), GET (a tar of the path) and PUT (a tar unpacked into a
 * directory). The copying is rbox cp's own: the service runs `rbox cp` (its binary, its store)
 * between the container and a directory of its runroot, which it tars or untars; the stat is
 * rbox cp's path resolution (ctr_path_stat), inside the container's root. */
#define _GNU_SOURCE
#include "api.h"
#include "build.h"
#include "cmdcore.h"
#include "image.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *b64(const unsigned char *in, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = xzalloc(4 * (n / 3 + 1) + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[k++] = tab[(v >> 18) & 63];
        out[k++] = tab[(v >> 12) & 63];
        out[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[k++] = i + 2 < n ? tab[v & 63] : '=';
    }
    return out;
}

/* Go's os.FileMode, which docker's stat carries */
static unsigned long long go_mode(mode_t m)
{
    unsigned long long g = m & 0777;
    if (S_ISDIR(m))
        g |= 1ull << 31;
    if (S_ISLNK(m))
        g |= 1ull << 27;
    if (S_ISBLK(m))
        g |= 1ull << 26;
    if (S_ISCHR(m))
        g |= (1ull << 26) | (1ull << 21);
    if (S_ISFIFO(m))
        g |= 1ull << 25;
    if (S_ISSOCK(m))
        g |= 1ull << 24;
    if (m & S_ISUID)
        g |= 1ull << 23;
    if (m & S_ISGID)
        g |= 1ull << 22;
    if (m & S_ISVTX)
        g |= 1ull << 20;
    return g;
}

/* the header's value: base64 of {"name", "size", "mode", "mtime", "linkTarget"} */
static char *stat_header(const char *path, const struct stat *st, const char *link)
{
    _cleanup_free_ char *copy = xstrdup(path);
    size_t l = strlen(copy);
    while (l > 1 && copy[l - 1] == '/')
        copy[--l] = '\0';
    const char *slash = strrchr(copy, '/');
    const char *name = slash && slash[1] ? slash + 1 : copy;
    struct tm tm;
    gmtime_r(&st->st_mtim.tv_sec, &tm);
    char t[64], mt[96];
    strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(mt, sizeof(mt), "%s.%09ldZ", t, st->st_mtim.tv_nsec);
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "name", name);
    jw_kint(&w, "size", (long long)st->st_size);
    jw_kuint(&w, "mode", go_mode(st->st_mode));
    jw_kstr(&w, "mtime", mt);
    jw_kstr(&w, "linkTarget", link ? link : "");
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    char *h = b64((const unsigned char *)text, len);
    jw_free(&w);
    return h;
}

/* The container of the path and ?path=, stat'ed; on failure the answer is queued in *ret. */
static bool archive_target(struct api_req *r, char id[ID_LEN + 1], const char **path,
                           struct stat *st, char *link, size_t linklen, int *ret)
{
    if (!api_resolve(r, id, ret))
        return false;
    *path = api_query(r, "path");
    if (*path == NULL || **path == '\0') {
        *ret = api_error(r, MHD_HTTP_BAD_REQUEST, "path is required");
        return false;
    }
    rbox_err *err = NULL;
    _cleanup_free_ char *abs = (*path)[0] == '/' ? xstrdup(*path) : xasprintf("/%s", *path);
    api_lock();
    int rc = ctr_path_stat(r->s, id, abs, st, link, linklen, &err);
    api_unlock();
    if (rc < 0) {
        *ret = api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
        return false;
    }
    return true;
}

static int answer(struct api_req *r, int fd, uint64_t size, const char *hdr)
{
    struct MHD_Response *resp =
        fd >= 0 ? MHD_create_response_from_fd(size, fd)
                : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Api-Version", API_VERSION);
    MHD_add_response_header(resp, "Content-Type", "application/x-tar");
    MHD_add_response_header(resp, "X-Docker-Container-Path-Stat", hdr);
    int ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

static char *scratch_dir(struct api_req *r)
{
    char *d = xasprintf("%s/api-cp-XXXXXX", r->s->runroot);
    if (mkdtemp(d) == NULL) {
        free(d);
        return NULL;
    }
    return d;
}

int api_ctr_archive_head(struct api_req *r)
{
    char id[ID_LEN + 1], link[PATH_MAX] = "";
    const char *path;
    struct stat st;
    int ret;
    if (!archive_target(r, id, &path, &st, link, sizeof(link), &ret))
        return ret;
    _cleanup_free_ char *hdr = stat_header(path, &st, link);
    return answer(r, -1, 0, hdr);
}

/* GET: rbox cp ID:PATH SCRATCH, then SCRATCH's tree as the tar (PATH's name at its top) */
int api_ctr_archive_get(struct api_req *r)
{
    char id[ID_LEN + 1], link[PATH_MAX] = "";
    const char *path;
    struct stat st;
    int ret;
    if (!archive_target(r, id, &path, &st, link, sizeof(link), &ret))
        return ret;
    _cleanup_free_ char *hdr = stat_header(path, &st, link);
    _cleanup_free_ char *dir = scratch_dir(r);
    if (dir == NULL)
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "a directory in %s: %s", r->s->runroot,
                         strerror(errno));
    _cleanup_free_ char *src = xasprintf("%s:%s", id, path);
    char *args[] = { "cp", src, dir, NULL };
    _cleanup_free_ char *why = NULL, *out = NULL;
    int code = api_rbox(r, args, -1, -1, &out, &why);
    int fd = -1;
    rbox_err *err = NULL;
    if (code == 0) {
        fd = open(r->s->root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0 || image_export_tree(dir, fd, &err) < 0) {
            if (fd < 0)
                rbox_error(&err, errno, "a temporary file in %s", r->s->root);
            rm_rf_at(AT_FDCWD, dir);
            if (fd >= 0)
                close(fd);
            return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
        }
    }
    rm_rf_at(AT_FDCWD, dir);
    if (code != 0)
        return api_rbox_fail(r, code, why, MHD_HTTP_INTERNAL_SERVER_ERROR);
    struct stat ts;
    if (fstat(fd, &ts) < 0) {
        close(fd);
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "the archive: %s", strerror(errno));
    }
    return answer(r, fd, (uint64_t)ts.st_size, hdr);
}

/* PUT: the body unpacked into SCRATCH, then rbox cp [-a] SCRATCH/. ID:PATH (a directory) */
int api_ctr_archive_put(struct api_req *r)
{
    char id[ID_LEN + 1];
    const char *path;
    struct stat st;
    int ret;
    if (!archive_target(r, id, &path, &st, NULL, 0, &ret))
        return ret;
    if (!S_ISDIR(st.st_mode))
        return api_error(r, MHD_HTTP_BAD_REQUEST, "extraction point is not a directory: %s", path);
    if (r->body_fd < 0)
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "the upload was not stored");
    bool owners = api_qbool(r, "copyUIDGID");
    _cleanup_free_ char *dir = scratch_dir(r);
    if (dir == NULL)
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "a directory in %s: %s", r->s->runroot,
                         strerror(errno));
    rbox_err *err = NULL;
    if (build_context_unpack(r->body_fd, dir, owners, &err) < 0) {
        rm_rf_at(AT_FDCWD, dir);
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    }
    _cleanup_free_ char *src = xasprintf("%s/.", dir);
    _cleanup_free_ char *dst = xasprintf("%s:%s", id, path);
    char *args[] = { "cp", owners ? "--archive" : src, owners ? src : dst, owners ? dst : NULL,
                     NULL };
    _cleanup_free_ char *why = NULL, *out = NULL;
    int code = api_rbox(r, args, -1, -1, &out, &why);
    rm_rf_at(AT_FDCWD, dir);
    if (code != 0)
        return api_rbox_fail(r, code, why, MHD_HTTP_INTERNAL_SERVER_ERROR);
    return api_reply(r, MHD_HTTP_OK, NULL, NULL, 0);
}
