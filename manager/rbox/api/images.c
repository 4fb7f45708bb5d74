/* images.c - the image endpoints: tag, remove, history and prune call the store's image core
 * (what rbox tag, rmi, history and image prune call) in-process, under the service lock (they
 * are short); get (save), load and push run the rbox command itself (this binary, the
 * service's store), holding no lock while they take their time. Names may hold slashes
 * (images/localhost:5000/x/y/tag): api_image_route picks the endpoint. */
#define _GNU_SOURCE
#include "api.h"
#include "cmdcore.h"
#include "image.h"
#include "ref.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* images/NAME.../LAST: the name between "images" and the last drop segments */
static char *image_name(struct api_req *r, size_t drop)
{
    char *ref = xstrdup(r->seg[1]);
    for (size_t i = 2; i + drop < r->nseg; i++) {
        char *t = xasprintf("%s/%s", ref, r->seg[i]);
        free(ref);
        ref = t;
    }
    return ref;
}

/* ---- the core's report lines ----
 * image_remove and image_prune print what they did ("Untagged: x",
 * "Deleted: sha256:...") on stdout, as the CLI shows them. The service
 * takes them from a memfd put in place of its stdout for the one call, under api_lock (no
 * other thread writes to the service's stdout). */
struct capture {
    int saved, mfd;
};

static void capture_begin(struct capture *c)
{
    fflush(stdout);
    c->mfd = memfd_create("rbox-api-report", MFD_CLOEXEC);
    c->saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (c->mfd >= 0 && c->saved >= 0)
        dup2(c->mfd, STDOUT_FILENO);
}

static char *capture_end(struct capture *c)
{
    fflush(stdout);
    if (c->saved >= 0) {
        dup2(c->saved, STDOUT_FILENO);
        close(c->saved);
    }
    if (c->mfd < 0)
        return xstrdup("");
    struct stat st;
    char *text = NULL;
    if (fstat(c->mfd, &st) == 0) {
        text = xzalloc((size_t)st.st_size + 1);
        if (pread(c->mfd, text, (size_t)st.st_size, 0) < 0)
            text[0] = '\0';
    }
    close(c->mfd);
    return text ? text : xstrdup("");
}

/* "Untagged: x" / "deleted: sha256:..." lines as docker's [{"Untagged": x}, {"Deleted": y}] */
static void report_items(json_w *w, char *text)
{
    jw_arr_open(w);
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        const char *key = NULL;
        if (strncasecmp(l, "Untagged: ", 10) == 0)
            key = "Untagged";
        else if (strncasecmp(l, "Deleted: ", 9) == 0)
            key = "Deleted";
        if (key == NULL)
            continue;
        jw_obj_open(w);
        jw_kstr(w, key, l + strlen(key) + 2);
        jw_obj_close(w);
    }
    jw_arr_close(w);
}

/* ---- tag, remove, history ---- */

/* POST /images/NAME/tag?repo=R&tag=T: rbox tag NAME R:T (201) */
static int image_tag_ep(struct api_req *r)
{
    _cleanup_free_ char *name = image_name(r, 1);
    const char *repo = api_query(r, "repo"), *tag = api_query(r, "tag");
    if (repo == NULL || *repo == '\0')
        return api_error(r, MHD_HTTP_BAD_REQUEST, "repo is required");
    _cleanup_free_ char *dst = tag && *tag ? xasprintf("%s:%s", repo, tag) : xstrdup(repo);
    rbox_err *err = NULL;
    api_lock();
    int rc = image_tag(r->s, name, dst, &err);
    store_unlock(r->s);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    return api_reply(r, MHD_HTTP_CREATED, NULL, NULL, 0);
}

/* DELETE /images/NAME?force=&noprune=: rbox rmi [-f] NAME; noprune has nothing to keep (an
 * rbox image has no parent images) */
static int image_delete_ep(struct api_req *r)
{
    _cleanup_free_ char *name = image_name(r, 0);
    rbox_err *err = NULL;
    struct capture c;
    api_lock();
    capture_begin(&c);
    int rc = image_remove(r->s, name, api_qbool(r, "force"), &err);
    _cleanup_free_ char *text = capture_end(&c);
    store_unlock(r->s);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    json_w w;
    jw_init(&w, false);
    report_items(&w, text);
    return api_json(r, MHD_HTTP_OK, &w);
}

/* GET /images/NAME/history: rbox history's rows, newest first */
static int image_history_ep(struct api_req *r)
{
    _cleanup_free_ char *name = image_name(r, 1);
    struct image img = { 0 };
    rbox_err *err = NULL;
    api_lock();
    int rc = image_resolve(r->s, name, &img, &err);
    store_unlock(r->s);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_NOT_FOUND);
    struct history_row *v;
    size_t n = history_rows(&img, &v);
    json_w w;
    jw_init(&w, false);
    jw_arr_open(&w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_open(&w);
        _cleanup_free_ char *id = v[i].top ? xasprintf("sha256:%s", img.id) : xstrdup("<missing>");
        jw_kstr(&w, "Id", id);
        jw_kint(&w, "Created", v[i].created_ns / 1000000000);
        jw_kstr(&w, "CreatedBy", v[i].created_by ? v[i].created_by : "");
        jw_key(&w, "Tags");
        if (v[i].top && img.tags && img.tags[0]) {
            jw_arr_open(&w);
            for (size_t k = 0; img.tags[k]; k++) {
                _cleanup_free_ char *f = image_familiar(img.tags[k]);
                jw_str(&w, f);
            }
            jw_arr_close(&w);
        } else {
            jw_null(&w);
        }
        jw_kint(&w, "Size", (long long)v[i].size);
        jw_kstr(&w, "Comment", v[i].comment ? v[i].comment : "");
        jw_obj_close(&w);
    }
    jw_arr_close(&w);
    free(v);
    image_clear(&img);
    return api_json(r, MHD_HTTP_OK, &w);
}

/* ---- save and load ---- */

static enum MHD_Result collect_names(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    char ***v = cls;
    if (key && strcmp(key, "names") == 0 && value && *value) {
        size_t n = strv_len(*v);
        strv_push(v, &n, xstrdup(value));
    }
    return MHD_YES;
}

/* refs as `rbox save` writes them (a docker-archive), from an unnamed file of the store */
static int save_answer(struct api_req *r, char **refs)
{
    int fd = open(r->s->root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "a temporary file in %s: %s",
                         r->s->root, strerror(errno));
    _cleanup_strv_ char **args = xcalloc(1, sizeof(char *));
    size_t n = 0;
    strv_push(&args, &n, xstrdup("save"));
    for (size_t i = 0; refs[i]; i++)
        strv_push(&args, &n, xstrdup(refs[i]));
    _cleanup_free_ char *why = NULL;
    int code = api_rbox(r, args, -1, fd, NULL, &why);
    struct stat st;
    if (code != 0 || fstat(fd, &st) < 0) {
        close(fd);
        return api_rbox_fail(r, code, why, MHD_HTTP_INTERNAL_SERVER_ERROR);
    }
    return api_file_answer(r, fd, (uint64_t)st.st_size, "application/x-tar");
}

/* GET /images/NAME/get */
static int image_get_ep(struct api_req *r)
{
    _cleanup_strv_ char **refs = xcalloc(2, sizeof(char *));
    refs[0] = image_name(r, 1);
    return save_answer(r, refs);
}

/* GET /images/get?names=A&names=B */
int api_images_get(struct api_req *r)
{
    _cleanup_strv_ char **refs = xcalloc(1, sizeof(char *));
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_names, &refs);
    if (refs[0] == NULL)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "names is required: the images to save");
    return save_answer(r, refs);
}

/* POST /images/load: the body (a docker-archive or oci-archive, as rbox load reads) is in a
 * file; the answer is docker's stream of {"stream": "Loaded image: x\n"} */
int api_images_load(struct api_req *r)
{
    if (r->body_fd < 0)
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "the upload was not stored");
    struct stat st;
    if (fstat(r->body_fd, &st) == 0 && st.st_size == 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "the request body is empty: send an archive");
    /* rbox load itself, the body as its stdin */
    char *args[] = { "load", NULL };
    _cleanup_free_ char *text = NULL, *why = NULL;
    int code = api_rbox(r, args, r->body_fd, -1, &text, &why);
    if (code != 0)
        return api_rbox_fail(r, code, why, MHD_HTTP_BAD_REQUEST);
    _cleanup_free_ char *body = xstrdup("");
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        _cleanup_free_ char *line = xasprintf("%s\n", l);
        _cleanup_free_ char *obj = api_stream_line("stream", line);
        char *t = xasprintf("%s%s", body, obj);
        free(body);
        body = t;
    }
    return api_stream_reply(r, body);
}

/* ---- prune ---- */

/* POST /images/prune?filters={"dangling":["false"]}: rbox image prune [-a] */
int api_images_prune(struct api_req *r)
{
    bool all = false;
    const char *text = api_query(r, "filters");
    rbox_err *err = NULL;
    if (text && *text) {
        _cleanup_yajl_ yajl_val f = NULL;
        if (json_parse(text, "filters", &f, &err) < 0)
            return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
        for (size_t i = 0; YAJL_IS_OBJECT(f) && i < f->u.object.len; i++) {
            const char *k = f->u.object.keys[i];
            yajl_val v = f->u.object.values[i];
            if (strcmp(k, "dangling") != 0)
                return api_error(r, MHD_HTTP_BAD_REQUEST,
                                 "invalid filter '%s': images prune takes dangling only", k);
            const char *val = YAJL_IS_ARRAY(v) && v->u.array.len
                                  ? YAJL_GET_STRING(v->u.array.values[0])
                              : YAJL_IS_OBJECT(v) && v->u.object.len ? v->u.object.keys[0]
                                                                     : NULL;
            all = str_eq(val, "false") || str_eq(val, "0");
        }
    }
    uint64_t freed = 0;
    struct capture c;
    api_lock();
    capture_begin(&c);
    int rc = image_prune(r->s, all, &freed, &err);
    _cleanup_free_ char *out = capture_end(&c);
    store_unlock(r->s);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_key(&w, "ImagesDeleted");
    report_items(&w, out);
    jw_kint(&w, "SpaceReclaimed", (long long)freed);
    jw_obj_close(&w);
    return api_json(r, MHD_HTTP_OK, &w);
}

/* ---- push ---- */

static int b64_val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* base64 or base64url, padded or not; NULL when malformed */
static char *b64_decode(const char *in)
{
    size_t n = strlen(in), k = 0;
    char *out = xzalloc(n + 1);
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = in; *p && *p != '='; p++) {
        int v = b64_val((unsigned char)*p);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (char)((acc >> bits) & 0xff);
        }
    }
    return out;
}

static char *b64_encode(const char *in)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in);
    char *out = xzalloc(4 * (n / 3 + 1) + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[k++] = tab[(v >> 18) & 63];
        out[k++] = tab[(v >> 12) & 63];
        out[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[k++] = i + 2 < n ? tab[v & 63] : '=';
    }
    return out;
}

/* X-Registry-Auth ({"username", "password", "serveraddress"}, base64url) as an auth file of
 * the format rbox login writes, in a memfd rbox-registry reads by /proc/PID/fd (-1: none) */
static int auth_file(struct api_req *r, const char *ref, rbox_err **err)
{
    const char *hdr = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Registry-Auth");
    if (hdr == NULL || *hdr == '\0')
        return -1;
    _cleanup_free_ char *text = b64_decode(hdr);
    if (text == NULL)
        return rbox_error(err, 0, "X-Registry-Auth: not base64"), -2;
    _cleanup_yajl_ yajl_val a = NULL;
    if (json_parse(text, "X-Registry-Auth", &a, err) < 0)
        return -2;
    const char *user = json_get_str(a, "username"), *pass = json_get_str(a, "password");
    if (user == NULL || *user == '\0')
        return -1; /* "{}": anonymous */
    const char *host = json_get_str(a, "serveraddress");
    struct image_ref ir;
    _cleanup_free_ char *dom = NULL;
    if ((host == NULL || *host == '\0') && image_ref_parse(ref, &ir, NULL) == 0) {
        dom = xstrdup(ir.domain);
        image_ref_clear(&ir);
        host = dom;
    }
    _cleanup_free_ char *up = xasprintf("%s:%s", user, pass ? pass : "");
    _cleanup_free_ char *enc = b64_encode(up);
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_key(&w, "auths");
    jw_obj_open(&w);
    jw_key(&w, host ? host : "docker.io");
    jw_obj_open(&w);
    jw_kstr(&w, "auth", enc);
    jw_obj_close(&w);
    jw_obj_close(&w);
    jw_obj_close(&w);
    size_t len;
    const char *body = jw_text(&w, &len);
    int fd = memfd_create("rbox-api-auth", MFD_CLOEXEC);
    if (fd < 0 || write_all(fd, body, len) < 0) {
        jw_free(&w);
        if (fd >= 0)
            close(fd);
        return rbox_error(err, errno, "the credentials file"), -2;
    }
    jw_free(&w);
    return fd;
}

/* POST /images/NAME/push?tag=T: rbox push NAME[:T] (rbox-registry from the store), X-Registry-Auth
 * as the credentials; docker's progress stream: the repository line, the digest line, aux */
static int image_push_ep(struct api_req *r)
{
    _cleanup_free_ char *name = image_name(r, 1);
    const char *tag = api_query(r, "tag");
    _cleanup_free_ char *ref = tag && *tag ? xasprintf("%s:%s", name, tag) : xstrdup(name);
    rbox_err *err = NULL;
    struct image img = { 0 };
    api_lock();
    int rc = image_find(r->s, ref, &img, &err);
    store_unlock(r->s);
    api_unlock();
    if (rc != 0) {
        if (rc > 0)
            return api_error(r, MHD_HTTP_NOT_FOUND,
                             "An image does not exist locally with the tag: %s", ref);
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    }
    int afd = auth_file(r, ref, &err);
    if (afd == -2) {
        image_clear(&img);
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    }
    /* rbox push itself (no service lock held: a push takes as long as the registry does) */
    _cleanup_free_ char *authf =
        afd >= 0 ? xasprintf("--authfile=/proc/%d/fd/%d", (int)getpid(), afd) : NULL;
    char *args[] = { "push", authf ? authf : ref, authf ? ref : NULL, NULL };
    _cleanup_free_ char *out = NULL, *why = NULL;
    int code = api_rbox(r, args, -1, -1, &out, &why);
    if (afd >= 0)
        close(afd);
    if (code != 0) {
        image_clear(&img);
        return api_rbox_fail(r, code, why, MHD_HTTP_INTERNAL_SERVER_ERROR);
    }
    struct image_ref ir = { 0 };
    bool parsed = image_ref_parse(ref, &ir, NULL) == 0;
    _cleanup_free_ char *repo = parsed ? xasprintf("%s/%s", ir.domain, ir.path) : xstrdup(ref);
    _cleanup_free_ char *shown = image_familiar(repo);
    const char *t = parsed && ir.tag ? ir.tag : "latest";
    _cleanup_free_ char *blob = image_blob_path(r->s, img.manifest_digest);
    struct stat st = { 0 };
    stat(blob, &st);
    _cleanup_free_ char *l1 = xasprintf("The push refers to repository [%s]", shown);
    _cleanup_free_ char *l2 =
        xasprintf("%s: digest: %s size: %lld", t, img.manifest_digest, (long long)st.st_size);
    _cleanup_free_ char *s1 = api_stream_line("status", l1);
    _cleanup_free_ char *s2 = api_stream_line("status", l2);
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_key(&w, "progressDetail");
    jw_obj_open(&w);
    jw_obj_close(&w);
    jw_key(&w, "aux");
    jw_obj_open(&w);
    jw_kstr(&w, "Tag", t);
    jw_kstr(&w, "Digest", img.manifest_digest);
    jw_kint(&w, "Size", (long long)st.st_size);
    jw_obj_close(&w);
    jw_obj_close(&w);
    _cleanup_free_ char *body = xasprintf("%s%s%s\n", s1, s2, jw_text(&w, NULL));
    jw_free(&w);
    if (parsed)
        image_ref_clear(&ir);
    image_clear(&img);
    return api_stream_reply(r, body);
}

/* ---- routing of images/NAME... ---- */

api_fn api_image_route(const char *method, char **seg, size_t nseg)
{
    if (nseg < 2 || strcmp(seg[0], "images") != 0)
        return NULL;
    if (nseg == 2) { /* the fixed ones are in server.c's table */
        static const char *const fixed[] = { "json",  "create", "load", "get",
                                             "prune", "search", NULL };
        for (size_t i = 0; fixed[i]; i++)
            if (strcmp(seg[1], fixed[i]) == 0)
                return NULL;
        return strcmp(method, "DELETE") == 0 ? image_delete_ep : NULL;
    }
    const char *last = seg[nseg - 1];
    if (strcmp(method, "DELETE") == 0)
        return image_delete_ep;
    if (strcmp(method, "GET") == 0 && strcmp(last, "json") == 0)
        return api_image_inspect;
    if (strcmp(method, "GET") == 0 && strcmp(last, "history") == 0)
        return image_history_ep;
    if (strcmp(method, "GET") == 0 && strcmp(last, "get") == 0)
        return image_get_ep;
    if (strcmp(method, "POST") == 0 && strcmp(last, "tag") == 0)
        return image_tag_ep;
    if (strcmp(method, "POST") == 0 && strcmp(last, "push") == 0)
        return image_push_ep;
    return NULL;
}
