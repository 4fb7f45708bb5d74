/* pull.c - registry_pull: the manifest (through an index to the platform's one), then the config
 * and the layers, at most o->parallel at once on one curl multi handle, each blob hashed and
 * counted while it streams and refused (by digest) when it does not match its descriptor. The
 * result is an OCI image layout the store ingests. */
#define _GNU_SOURCE
#include "client.h"
#include "manifest.h"
#include "peers.h"
#include "progress.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct job {
    struct descriptor *d;
    int fd;
    char *tmp, *dst;
    struct sha256_ctx md;
    uint64_t got;
    bool too_big;
    CURL *e;
    struct curl_slist *h;
    char *errbody;
    size_t errlen;
    int retried;
    int line;     /* progress line */
    bool waiting; /* another pull is fetching it (peers.h) */
};

struct pull {
    const struct reg_opts *o;
    struct reg_client c;
    const struct image_ref *ref;
    char *what; /* "docker.io/library/alpine:latest" for messages */
    int dirfd;  /* the layout's blobs/sha256 */
    char *blobdir;
    struct progress pg;
    bool (*have_blob)(const char *digest, char *path_out, void *ctx);
    void *ctx;
};

static size_t on_blob(char *buf, size_t size, size_t n, void *ud)
{
    struct job *j = ud;
    size_t len = size * n;
    long status = 0;
    curl_easy_getinfo(j->e, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        if (j->errlen < 4096) {
            j->errbody = xrealloc(j->errbody, j->errlen + len + 1);
            memcpy(j->errbody + j->errlen, buf, len);
            j->errlen += len;
            j->errbody[j->errlen] = '\0';
        }
        return len;
    }
    if (j->got + len > j->d->size) {
        j->too_big = true;
        return 0;
    }
    sha256_update(&j->md, len, (const uint8_t *)buf);
    if (write_all(j->fd, buf, len) < 0)
        return 0;
    j->got += len;
    return len;
}

static int job_start(struct pull *p, CURLM *m, struct job *j, rbox_err **err)
{
    j->tmp = xasprintf("%s.partial", j->d->digest + 7);
    j->fd = openat(p->dirfd, j->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (j->fd < 0)
        return rbox_error(err, errno, "creating %s/%s", p->blobdir, j->tmp);
    /* held while it downloads: a concurrent pull waits for it instead of fetching it too */
    flock(j->fd, LOCK_EX | LOCK_NB);
    sha256_init(&j->md);
    j->got = 0;
    j->too_big = false;
    free(j->errbody);
    j->errbody = NULL;
    j->errlen = 0;
    _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", p->ref->path, j->d->digest);
    _cleanup_free_ char *url = reg_url(&p->c, path);
    j->h = NULL;
    j->e = reg_easy_new(&p->c, url, &j->h);
    curl_easy_setopt(j->e, CURLOPT_HTTPHEADER, j->h);
    curl_easy_setopt(j->e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(j->e, CURLOPT_MAXREDIRS, 10L);
    /* larger reads than curl's 16 kB: fewer read/write calls on fast (local) registries */
    curl_easy_setopt(j->e, CURLOPT_BUFFERSIZE, 512L << 10);
    curl_easy_setopt(j->e, CURLOPT_WRITEFUNCTION, on_blob);
    curl_easy_setopt(j->e, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(j->e, CURLOPT_PRIVATE, j);
    /* tests: a slow transfer to kill in the middle (bytes per second per blob) */
    const char *rate = getenv("RBOX_REGISTRY_MAX_RATE");
    uint64_t bps;
    if (rate && parse_u64(rate, &bps) == 0 && bps > 0)
        curl_easy_setopt(j->e, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)bps);
    curl_multi_add_handle(m, j->e);
    progress_set(&p->pg, j->line, PG_DOWNLOADING, 0);
    return 0;
}

static void job_end(CURLM *m, struct job *j)
{
    if (j->e) {
        curl_multi_remove_handle(m, j->e);
        curl_easy_cleanup(j->e);
        curl_slist_free_all(j->h);
        j->e = NULL;
        j->h = NULL;
    }
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
}

/* a finished transfer: 0 done, 1 to be tried again (a token that expired), -1 refused */
static int job_finish(struct pull *p, struct job *j, CURLcode rc, rbox_err **err)
{
    long status = 0;
    curl_easy_getinfo(j->e, CURLINFO_RESPONSE_CODE, &status);
    const char *what = p->what, *dg = j->d->digest;
    if (j->too_big)
        return rbox_error(err, 0,
                          "blob %s of %s: the registry sent more than its %llu bytes (corrupted)",
                          dg, what, (unsigned long long)j->d->size);
    if (rc != CURLE_OK)
        return rbox_error(err, 0, "blob %s of %s: %s", dg, what, curl_easy_strerror(rc));
    if (status == 401 && j->retried++ == 0)
        return 1;
    if (status != 200) {
        struct reg_resp r = { .status = status, .body = j->errbody, .len = j->errlen };
        int x = reg_status_error(&r, err, "blob %s of %s", dg, what);
        return x;
    }
    if (j->got != j->d->size)
        return rbox_error(err, 0, "blob %s of %s: %llu bytes instead of %llu (corrupted)", dg, what,
                          (unsigned long long)j->got, (unsigned long long)j->d->size);
    uint8_t d[SHA256_DIGEST_SIZE];
    char hex[65];
    sha256_digest(&j->md, sizeof(d), d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    if (strcmp(hex, dg + 7) != 0)
        return rbox_error(err, 0, "blob %s of %s: digest mismatch, got sha256:%s (corrupted)", dg,
                          what, hex);
    if (renameat(p->dirfd, j->tmp, p->dirfd, dg + 7) < 0)
        return rbox_error(err, errno, "storing blob %s in %s", dg, p->blobdir);
    return 0;
}

/* true when j needs no transfer now: linked from a concurrent pull, in the store by now, or
 * still being fetched by another pull (then asked again on the next round) */
static bool prefer_peer(struct pull *p, struct job *j)
{
    char path[PATH_MAX];
    const char *hex = j->d->digest + 7;
    if (j->waiting && p->have_blob && p->have_blob(j->d->digest, path, p->ctx) &&
        (!path[0] || linkat(AT_FDCWD, path, p->dirfd, hex, 0) == 0)) {
        j->dst = xstrdup(hex);
        progress_set(&p->pg, j->line, PG_EXISTS, 0);
        return true;
    }
    switch (peers_find(p->o->peers, p->dirfd, hex, j->d->size)) {
    case PEER_LINKED:
        j->dst = xstrdup(hex);
        progress_set(&p->pg, j->line, PG_EXISTS, 0);
        return true;
    case PEER_FETCHING: j->waiting = true; return true;
    case PEER_NONE: break;
    }
    return false;
}

/* Fetch the blobs of jobs[] that are not there yet, o->parallel at once. */
static int fetch_all(struct pull *p, struct job *jobs, size_t n, rbox_err **err)
{
    CURLM *m = curl_multi_init();
    if (!m)
        abort();
    int par = p->o->parallel > 0 ? p->o->parallel : 3;
    int running = 0, active = 0, r = 0;
    for (;;) {
        size_t left_to_do = 0;
        for (size_t i = 0; r == 0 && i < n; i++) {
            struct job *j = &jobs[i];
            if (j->dst || j->e)
                continue; /* done (present, or the same digest twice), or running */
            left_to_do++;
            if (active >= par)
                continue;
            if (p->o->peers && prefer_peer(p, j))
                continue;
            if (job_start(p, m, j, err) < 0) {
                r = -1;
                break;
            }
            active++;
        }
        if (r < 0 || (active == 0 && left_to_do == 0))
            break;
        CURLMcode mc = curl_multi_perform(m, &running);
        if (mc == CURLM_OK)
            mc = curl_multi_poll(m, NULL, 0, 200, NULL);
        if (mc != CURLM_OK) {
            r = rbox_error(err, 0, "%s: %s", p->what, curl_multi_strerror(mc));
            break;
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct job *j = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
            int fr = job_finish(p, j, msg->data.result, err);
            job_end(m, j);
            active--;
            if (fr == 1 && reg_client_auth(&p->c, NULL, err) == 0) {
                if (job_start(p, m, j, err) < 0) {
                    r = -1;
                    break;
                }
                active++;
                continue;
            }
            if (fr != 0) {
                r = -1;
                break;
            }
            j->dst = xstrdup(j->d->digest + 7);
            progress_set(&p->pg, j->line, PG_DONE, j->d->size);
        }
        if (r < 0)
            break;
        for (size_t i = 0; i < n; i++)
            if (jobs[i].e)
                progress_set(&p->pg, jobs[i].line, PG_DOWNLOADING, jobs[i].got);
        progress_draw(&p->pg, false);
    }
    for (size_t i = 0; i < n; i++) {
        job_end(m, &jobs[i]);
        if (jobs[i].tmp && !jobs[i].dst)
            unlinkat(p->dirfd, jobs[i].tmp, 0);
    }
    curl_multi_cleanup(m);
    return r;
}

/* GET a manifest by tag or digest; checked against want (a descriptor or the digest asked) */
static int get_manifest(struct pull *p, const char *tag_or_digest, const struct descriptor *want,
                        char **body, size_t *len, char **ctype, char digest[72], rbox_err **err)
{
    _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", p->ref->path, tag_or_digest);
    struct reg_resp r = { 0 };
    if (reg_request(&p->c, "GET", path, MANIFEST_ACCEPT, NULL, MANIFEST_MAX, &r, err) < 0) {
        reg_resp_clear(&r);
        return rbox_error_prefix(err, "manifest of %s", p->what);
    }
    if (r.status != 200) {
        int x = reg_status_error(&r, err, "manifest %s of %s", tag_or_digest, p->what);
        reg_resp_clear(&r);
        return x;
    }
    char hex[65];
    reg_sha256_hex(r.body ? r.body : "", r.len, hex);
    snprintf(digest, 72, "sha256:%s", hex);
    if ((ref_digest_valid(tag_or_digest) && strcmp(digest, tag_or_digest) != 0) ||
        (want && want->size != r.len)) {
        reg_resp_clear(&r);
        return rbox_error(err, 0, "manifest %s of %s: digest or size mismatch, got %s (%zu bytes)",
                          tag_or_digest, p->what, digest, r.len);
    }
    *body = r.body ? steal_pointer(&r.body) : xstrdup("");
    *len = r.len;
    *ctype = steal_pointer(&r.content_type);
    reg_resp_clear(&r);
    return 0;
}

static int write_layout(struct pull *p, const char *layout, const char *mbody, size_t mlen,
                        const char *mtype, const char *mdigest, rbox_err **err)
{
    if (write_file_atomic_at(p->dirfd, mdigest + 7, mbody, mlen, 0644, false) < 0)
        return rbox_error(err, errno, "writing the manifest into %s", p->blobdir);
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kint(&w, "schemaVersion", 2);
    jw_kstr(&w, "mediaType", MT_OCI_INDEX);
    jw_key(&w, "manifests");
    jw_arr_open(&w);
    jw_obj_open(&w);
    jw_kstr(&w, "mediaType", mtype);
    jw_kstr(&w, "digest", mdigest);
    jw_kuint(&w, "size", mlen);
    if (p->ref->tag) {
        jw_key(&w, "annotations");
        jw_obj_open(&w);
        jw_kstr(&w, "org.opencontainers.image.ref.name", p->ref->tag);
        jw_obj_close(&w);
    }
    jw_obj_close(&w);
    jw_arr_close(&w);
    jw_obj_close(&w);
    size_t n;
    const char *text = jw_text(&w, &n);
    _cleanup_close_ int dfd = open(layout, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    static const char oci_layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    int r = 0;
    if (dfd < 0 ||
        write_file_atomic_at(dfd, "oci-layout", oci_layout, sizeof(oci_layout) - 1, 0644, false) <
            0 ||
        write_file_atomic_at(dfd, "index.json", text, n, 0644, false) < 0)
        r = rbox_error(err, errno, "writing %s/index.json", layout);
    jw_free(&w);
    return r;
}

/* resolve ref to an image manifest: through an index to the platform's entry */
static int resolve(struct pull *p, const char *platform, char **body, size_t *len, char **mtype,
                   char digest[72], rbox_err **err)
{
    const char *want = p->ref->digest ? p->ref->digest : p->ref->tag;
    _cleanup_free_ char *ctype = NULL;
    if (get_manifest(p, want, NULL, body, len, &ctype, digest, err) < 0)
        return -1;
    for (int depth = 0;; depth++) {
        _cleanup_yajl_ yajl_val doc = NULL;
        enum manifest_kind k;
        if (json_parse(*body, "manifest", &doc, err) < 0)
            return rbox_error_prefix(err, "%s", p->what);
        free(*mtype);
        *mtype = NULL;
        if (manifest_kind(doc, ctype, p->what, &k, mtype, err) < 0)
            return -1;
        if (k == MK_IMAGE)
            return 0;
        if (depth == 2)
            return rbox_error(err, 0, "%s: indexes nested too deep", p->what);
        struct descriptor d;
        if (manifest_pick(doc, platform, p->what, &d, err) < 0)
            return -1;
        free(*body);
        free(ctype);
        *body = NULL;
        ctype = NULL;
        int r = get_manifest(p, d.digest, &d, body, len, &ctype, digest, err);
        descriptor_clear(&d);
        if (r < 0)
            return -1;
    }
}

static int pull_image(struct pull *p, const char *platform, const char *layout,
                      bool (*have_blob)(const char *, char *, void *), void *ctx, char *id_out,
                      rbox_err **err)
{
    if (reg_client_open(&p->c, p->o, p->ref->domain, err) < 0)
        return -1;
    _cleanup_free_ char *scope = xasprintf("repository:%s:pull", p->ref->path);
    if (reg_client_auth(&p->c, scope, err) < 0)
        return -1;
    _cleanup_free_ char *mbody = NULL, *mtype = NULL;
    size_t mlen = 0;
    char mdigest[72];
    if (resolve(p, platform, &mbody, &mlen, &mtype, mdigest, err) < 0)
        return -1;
    _cleanup_yajl_ yajl_val doc = NULL;
    if (json_parse(mbody, "manifest", &doc, err) < 0)
        return rbox_error_prefix(err, "%s", p->what);
    struct descriptor config;
    struct descriptor *layers = NULL;
    size_t nl = 0;
    if (manifest_image(doc, p->what, &config, &layers, &nl, err) < 0)
        return -1;
    struct job *jobs = xcalloc(nl + 1, sizeof(*jobs));
    int r = 0;
    jobs[0].d = &config;
    for (size_t i = 0; i < nl; i++)
        jobs[i + 1].d = &layers[i];
    if (!p->o->quiet)
        fprintf(p->o->out, "%s: Pulling from %s\n", p->ref->tag ? p->ref->tag : p->ref->digest,
                p->ref->path);
    progress_init(&p->pg, p->o->out, p->o->quiet, nl + 1);
    p->have_blob = have_blob;
    p->ctx = ctx;
    for (size_t i = 0; i <= nl; i++) {
        struct job *j = &jobs[i];
        j->fd = -1;
        j->line = (int)i;
        progress_line(&p->pg, j->line, j->d->digest + 7, j->d->size, i == 0);
        char path[PATH_MAX];
        for (size_t k = 0; k < i; k++)
            if (strcmp(jobs[k].d->digest, j->d->digest) == 0)
                j->dst = xstrdup("");
        if (j->dst) {
            progress_set(&p->pg, j->line, PG_EXISTS, 0);
            continue;
        }
        if (have_blob && have_blob(j->d->digest, path, ctx)) {
            if (path[0] && linkat(AT_FDCWD, path, p->dirfd, j->d->digest + 7, 0) < 0) {
                r = rbox_error(err, errno, "linking %s into %s", path, p->blobdir);
                break;
            }
            j->dst = xstrdup(j->d->digest + 7);
            progress_set(&p->pg, j->line, PG_EXISTS, 0);
        }
    }
    progress_draw(&p->pg, true);
    if (r == 0)
        r = fetch_all(p, jobs, nl + 1, err);
    progress_draw(&p->pg, true);
    progress_free(&p->pg);
    if (r == 0)
        r = write_layout(p, layout, mbody, mlen, mtype, mdigest, err);
    if (r == 0 && !p->o->quiet) {
        fprintf(p->o->out, "Digest: %s\n", mdigest);
        fprintf(p->o->out, "Status: Downloaded image for %s\n", p->what);
    }
    if (r == 0 && id_out)
        snprintf(id_out, 72, "%s", config.digest);
    for (size_t i = 0; i <= nl; i++) {
        free(jobs[i].tmp);
        free(jobs[i].dst);
        free(jobs[i].errbody);
    }
    free(jobs);
    for (size_t i = 0; i < nl; i++)
        descriptor_clear(&layers[i]);
    free(layers);
    descriptor_clear(&config);
    return r;
}

int registry_pull(const struct reg_opts *o, const struct image_ref *ref, const char *platform,
                  const char *layout_dir,
                  bool (*have_blob)(const char *digest, char *path_out, void *ctx), void *ctx,
                  char *id_out, rbox_err **err)
{
    struct pull p = { .o = o, .ref = ref, .dirfd = -1 };
    p.what = image_ref_string(ref);
    p.blobdir = xasprintf("%s/blobs/sha256", layout_dir);
    int r;
    if (mkdir(layout_dir, 0755) < 0 && errno != EEXIST)
        r = rbox_error(err, errno, "creating %s", layout_dir);
    else if (mkdir_p(p.blobdir, 0755) < 0)
        r = rbox_error(err, errno, "creating %s", p.blobdir);
    else if ((p.dirfd = open(p.blobdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        r = rbox_error(err, errno, "opening %s", p.blobdir);
    else
        r = pull_image(&p, platform, layout_dir, have_blob, ctx, id_out, err);
    if (p.dirfd >= 0)
        close(p.dirfd);
    if (r < 0)
        rm_rf_at(AT_FDCWD, layout_dir);
    reg_client_close(&p.c);
    free(p.what);
    free(p.blobdir);
    return r;
}
