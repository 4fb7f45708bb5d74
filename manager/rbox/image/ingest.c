/* ingest.c - an OCI image layout (from a pull, a load or an import) into the store: every blob
 * verified, each new layer unpacked once, the image record and its tags written. */
#define _GNU_SOURCE
#include "image.h"
#include "image_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/utsname.h>
#include <unistd.h>

int record_write(struct store *s, const struct image *img, rbox_err **err)
{
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    jw_kstr(&w, "id", img->id);
    jw_kint(&w, "stored", img->created_ns);
    jw_kstr(&w, "source", img->source);
    jw_kstr(&w, "manifest", img->manifest_digest);
    jw_kstr(&w, "manifest_type", img->manifest_type);
    jw_kstrv(&w, "repo_digests", img->repo_digests);
    jw_key(&w, "layers");
    jw_arr_open(&w);
    for (size_t i = 0; i < img->n_layers; i++) {
        const struct image_layer *l = &img->layers[i];
        jw_obj_open(&w);
        jw_kstr(&w, "diff_id", l->diff_id);
        jw_kstr(&w, "digest", l->digest);
        jw_kstr(&w, "media_type", l->media_type);
        jw_kuint(&w, "size", l->size);
        jw_kuint(&w, "usize", l->usize);
        jw_obj_close(&w);
    }
    jw_arr_close(&w);
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    _cleanup_free_ char *rel = xasprintf("images/meta/%s.json", img->id);
    int r = write_file_atomic_at(s->root_fd, rel, text, len, 0644, true);
    int saved = errno;
    jw_free(&w);
    if (r < 0)
        return rbox_error(err, saved, "writing %s/%s", s->root, rel);
    return 0;
}

static const char *host_arch(void)
{
    struct utsname u;
    if (uname(&u) == 0 && strcmp(u.machine, "aarch64") == 0)
        return "arm64";
    return "amd64";
}

/* A blob of the layout (or, left out of it, of the store), verified. */
static int read_blob(struct store *s, int lfd, const char *digest, uint64_t size, char **data,
                     size_t *len, rbox_err **err)
{
    const char *h = digest_hex(digest);
    if (h == NULL)
        return rbox_error(err, 0, "invalid digest \"%s\"", digest ? digest : "(none)");
    _cleanup_free_ char *rel = xasprintf("blobs/sha256/%s", h);
    if (read_file_at(lfd, rel, data, len) < 0) {
        if (errno != ENOENT)
            return rbox_error(err, errno, "reading blob %s", digest);
        if (blob_read(s, digest, data, len, err) < 0)
            return -1;
    }
    struct sha256_ctx md;
    sha256_init(&md);
    sha256_update(&md, *len, (const uint8_t *)*data);
    char got[ID_LEN + 1];
    sha_hex(&md, got);
    if (strcmp(got, h) != 0 || (size != UINT64_MAX && *len != size)) {
        free(*data);
        *data = NULL;
        return strcmp(got, h) != 0
                   ? rbox_error(err, 0, "blob %s is corrupt: its content has digest sha256:%s",
                                digest, got)
                   : rbox_error(err, 0, "blob %s has %zu bytes where %llu were announced", digest,
                                *len, (unsigned long long)size);
    }
    return 0;
}

static uint64_t desc_size(yajl_val d)
{
    uint64_t n;
    return json_get_u64(d, "size", &n) ? n : UINT64_MAX;
}

#define SWAP(a, b)              \
    do {                        \
        __typeof__(a) t_ = (a); \
        (a) = (b);              \
        (b) = t_;               \
    } while (0)

struct ingest {
    struct store *s;
    int lfd;          /* the layout dir */
    const char *dir;  /* its path */
    struct image img; /* what is being built */
    char **blobs;     /* digests to move into the store */
    size_t n_blobs;
    bool *unpacked;     /* per layer: unpacked into <dir>/unpack-<i> */
    pthread_mutex_t mu; /* blobs, next, errs: the layers are unpacked by several threads */
    size_t next;        /* the next layer to take */
    rbox_err **errs;    /* per layer */
};

static bool layer_type_ok(const char *mt)
{
    static const char *const ok[] = {
        MT_OCI_LAYER,
        MT_OCI_LAYER "+gzip",
        MT_OCI_LAYER "+zstd",
        MT_DOCKER_LAYER,
        "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    };
    for (size_t i = 0; mt && i < ARRAY_SIZE(ok); i++)
        if (strcmp(mt, ok[i]) == 0)
            return true;
    return mt == NULL;
}

/* Verify layer i's blob in the layout and unpack it unless the store has the layer. */
static int prepare_layer(struct ingest *g, size_t i, rbox_err **err)
{
    struct image_layer *l = &g->img.layers[i];
    const char *h = digest_hex(l->digest);
    _cleanup_free_ char *rel = xasprintf("blobs/sha256/%s", h);
    _cleanup_close_ int fd = openat(g->lfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno != ENOENT)
        return rbox_error(err, errno, "blob %s", l->digest);
    if (fd >= 0) {
        char got[ID_LEN + 1];
        uint64_t size;
        if (sha256_fd(fd, got, &size) < 0)
            return rbox_error(err, errno, "reading blob %s", l->digest);
        if (strcmp(got, h) != 0)
            return rbox_error(err, 0, "blob %s is corrupt: its content has digest sha256:%s",
                              l->digest, got);
        if (size != l->size)
            return rbox_error(err, 0, "blob %s has %llu bytes where %llu were announced", l->digest,
                              (unsigned long long)size, (unsigned long long)l->size);
        strv_push(&g->blobs, &g->n_blobs, xstrdup(l->digest));
    } else {
        fd = blob_open(g->s, l->digest, NULL);
        if (fd < 0)
            return rbox_error(err, 0, "blob %s is missing from the layout and the store",
                              l->digest);
    }
    if (layer_present(g->s, l->diff_id))
        return 0;
    _cleanup_free_ char *top = xasprintf("unpack-%zu", i);
    _cleanup_free_ char *diff = xasprintf("unpack-%zu/diff", i);
    if (mkdirat(g->lfd, top, 0700) < 0 || mkdirat(g->lfd, diff, 0755) < 0)
        return rbox_error(err, errno, "creating %s/%s", g->dir, diff);
    _cleanup_close_ int dfd = openat(g->lfd, diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return rbox_error(err, errno, "opening %s/%s", g->dir, diff);
    char diff_hex[ID_LEN + 1];
    if (layer_unpack(fd, dfd, diff_hex, &l->usize, err) < 0)
        return rbox_error_prefix(err, "unpacking layer %s", l->digest);
    if (strcmp(diff_hex, l->diff_id + 7) != 0)
        return rbox_error(err, 0,
                          "layer %s unpacks to sha256:%s, not to the diff ID %s of the config",
                          l->digest, diff_hex, l->diff_id);
    _cleanup_free_ char *sz = xasprintf("%llu", (unsigned long long)l->usize);
    _cleanup_free_ char *szrel = xasprintf("unpack-%zu/size", i);
    if (write_file_atomic_at(g->lfd, szrel, sz, strlen(sz), 0644, false) < 0)
        return rbox_error(err, errno, "writing %s/%s", g->dir, szrel);
    g->unpacked[i] = true;
    return 0;
}

/* What a child tells about its layer: done (0) or the error, its unpacked size, and whether
 * the blob came in the layout (then it moves into the store). */
struct layer_result {
    int status, errnum;
    uint64_t usize;
    bool unpacked, in_layout;
    char msg[1024];
};

/* Verify and unpack every layer, up to 4 at a time, each in a child process (libarchive writes
 * relative to the working directory, so the unpacks cannot share one process; inflating and
 * hashing 5 layers of 10 MB takes half the time on 2 cores). The first failing layer's error
 * is the one reported. */
static int prepare_layers(struct ingest *g, rbox_err **err)
{
    size_t n = g->img.n_layers;
    if (n <= 1) {
        for (size_t i = 0; i < n; i++)
            if (prepare_layer(g, i, err) < 0)
                return -1;
        return 0;
    }
    struct layer_result *res =
        mmap(NULL, n * sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (res == MAP_FAILED)
        return rbox_error(err, errno, "mmap");
    pid_t *pids = xcalloc(n, sizeof(pid_t));
    size_t next = 0, reaped = 0; /* children are started in order and reaped in order */
    int r = 0;
    while (reaped < next || (next < n && r == 0)) {
        while (next - reaped < 4 && next < n && r == 0) {
            size_t i = next;
            res[i].status = -1;
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL); /* a killed rbox leaves no unpacker */
                if (getppid() == 1)
                    _exit(0);
                rbox_err *e = NULL;
                size_t before = g->n_blobs;
                res[i].status = prepare_layer(g, i, &e);
                res[i].usize = g->img.layers[i].usize;
                res[i].unpacked = g->unpacked[i];
                res[i].in_layout = g->n_blobs > before;
                if (e) {
                    res[i].errnum = e->errnum;
                    snprintf(res[i].msg, sizeof(res[i].msg), "%s", e->msg);
                }
                _exit(0);
            }
            if (pid < 0) {
                r = rbox_error(err, errno, "fork");
                break;
            }
            pids[next++] = pid;
        }
        if (reaped == next)
            break;
        while (waitpid(pids[reaped], NULL, 0) < 0 && errno == EINTR)
            ;
        reaped++;
    }
    for (size_t i = 0; i < n; i++) {
        if (pids[i] == 0)
            continue;
        if (res[i].status == 0) {
            g->img.layers[i].usize = res[i].usize;
            g->unpacked[i] = res[i].unpacked;
            if (res[i].in_layout)
                strv_push(&g->blobs, &g->n_blobs, xstrdup(g->img.layers[i].digest));
        } else if (r == 0) {
            /* the message has its errno's text already */
            r = res[i].msg[0] ? rbox_error(err, 0, "%s", res[i].msg)
                              : rbox_error(err, 0, "unpacking layer %s: the worker died",
                                           g->img.layers[i].digest);
            if (err && *err)
                (*err)->errnum = res[i].errnum;
        }
    }
    free(pids);
    munmap(res, n * sizeof(*res));
    return r;
}

static void layer_usize(struct store *s, struct image_layer *l)
{
    _cleanup_free_ char *rel = xasprintf("images/layers/%s/size", l->diff_id + 7);
    _cleanup_free_ char *text = NULL;
    if (l->usize == 0 && read_file_at(s->root_fd, rel, &text, NULL) == 0)
        parse_u64(text, &l->usize);
}

/* Under the store lock: blobs, layers, record, tags. */
static int install(struct ingest *g, const char *const *tags, bool repo_digests, rbox_err **err)
{
    struct store *s = g->s;
    if (store_dirs(s, err) < 0)
        return -1;
    tmp_cleanup(s);
    for (size_t i = 0; i < g->n_blobs; i++) {
        const char *h = digest_hex(g->blobs[i]);
        _cleanup_free_ char *from = xasprintf("blobs/sha256/%s", h);
        _cleanup_free_ char *to = xasprintf("images/blobs/sha256/%s", h);
        if (faccessat(s->root_fd, to, F_OK, 0) == 0)
            continue;
        _cleanup_close_ int fd = openat(g->lfd, from, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0 || fchmod(fd, 0644) < 0 ||
            renameat(g->lfd, from, s->root_fd, to) < 0)
            return rbox_error(err, errno, "moving blob %s into the store", g->blobs[i]);
    }
    for (size_t i = 0; i < g->img.n_layers; i++) {
        struct image_layer *l = &g->img.layers[i];
        if (!g->unpacked[i] && !layer_present(s, l->diff_id)) {
            /* removed meanwhile (an rmi between the check and the lock): unpack it now */
            if (prepare_layer(g, i, err) < 0)
                return -1;
        }
        if (g->unpacked[i]) {
            _cleanup_free_ char *rel = xasprintf("%s/unpack-%zu", g->dir + strlen(s->root) + 1, i);
            if (layer_install(s, rel, l->diff_id, err) < 0)
                return -1;
        }
        layer_usize(s, l);
        g->img.size += l->usize;
    }
    /* an image already there keeps its repo digests (and gains ours) */
    char mdigest[DIGEST_LEN + 1];
    ctr_copy(mdigest, sizeof(mdigest), g->img.manifest_digest);
    struct image old;
    if (image_load(s, g->img.id, &old, NULL) == 0) {
        size_t n = strv_len(g->img.repo_digests);
        for (size_t i = 0; old.repo_digests && old.repo_digests[i]; i++)
            if (!strv_contains(g->img.repo_digests, old.repo_digests[i]))
                strv_push(&g->img.repo_digests, &n, xstrdup(old.repo_digests[i]));
        if (old.source && strcmp(old.source, "") != 0) {
            free(g->img.source);
            g->img.source = xstrdup(old.source);
        }
        /* the first manifest stays the image's (its blobs are the ones push and save send) */
        ctr_copy(g->img.manifest_digest, sizeof(g->img.manifest_digest), old.manifest_digest);
        SWAP(g->img.manifest_type, old.manifest_type);
        SWAP(g->img.layers, old.layers);
        SWAP(g->img.n_layers, old.n_layers);
        g->img.size = old.size;
        image_clear(&old);
    }
    for (size_t i = 0; repo_digests && tags && tags[i]; i++) {
        _cleanup_free_ char *name = xstrdup(tags[i]);
        char *colon = strrchr(name, ':');
        if (colon && !strchr(colon, '/'))
            *colon = '\0';
        char *at = strchr(name, '@');
        if (at)
            *at = '\0';
        _cleanup_free_ char *rd = xasprintf("%s@%s", name, mdigest);
        size_t n = strv_len(g->img.repo_digests);
        if (!strv_contains(g->img.repo_digests, rd))
            strv_push(&g->img.repo_digests, &n, steal_pointer(&rd));
    }
    if (record_write(s, &g->img, err) < 0)
        return -1;
    for (size_t i = 0; tags && tags[i]; i++)
        if (!strchr(tags[i], '@') && index_tag(s, tags[i], g->img.id, err) < 0)
            return -1;
    return 0;
}

static int parse_manifest(struct ingest *g, const char *mdigest, const char *mtype, char *mtext,
                          rbox_err **err)
{
    yajl_val m = NULL;
    if (json_parse(mtext, mdigest, &m, err) < 0)
        return -1;
    int r = -1;
    yajl_val cfgd = json_get(m, "config"), layers = json_get(m, "layers");
    const char *cdigest = json_get_str(cfgd, "digest");
    const char *t = json_get_str(m, "mediaType");
    _cleanup_free_ char *ctext = NULL;
    size_t clen;
    yajl_val diffs;
    if (t == NULL)
        t = mtype;
    if (t && strcmp(t, MT_OCI_MANIFEST) != 0 && strcmp(t, MT_DOCKER_MANIFEST) != 0) {
        rbox_error(err, 0, "manifest %s: unsupported media type %s", mdigest, t);
        goto out;
    }
    if (!digest_hex(cdigest) || !YAJL_IS_ARRAY(layers)) {
        rbox_error(err, 0, "manifest %s has no config or layers", mdigest);
        goto out;
    }
    if (read_blob(g->s, g->lfd, cdigest, desc_size(cfgd), &ctext, &clen, err) < 0)
        goto out;
    if (json_parse(ctext, cdigest, &g->img.config, err) < 0)
        goto out;
    diffs = json_get(json_get(g->img.config, "rootfs"), "diff_ids");
    if (!YAJL_IS_ARRAY(diffs) || diffs->u.array.len != layers->u.array.len) {
        rbox_error(err, 0, "config %s: rootfs.diff_ids does not list one ID per layer", cdigest);
        goto out;
    }
    ctr_copy(g->img.id, sizeof(g->img.id), cdigest + 7);
    ctr_copy(g->img.manifest_digest, sizeof(g->img.manifest_digest), mdigest);
    g->img.manifest_type = xstrdup(t ? t : MT_OCI_MANIFEST);
    strv_push(&g->blobs, &g->n_blobs, xstrdup(mdigest));
    strv_push(&g->blobs, &g->n_blobs, xstrdup(cdigest));
    g->img.n_layers = layers->u.array.len;
    g->img.layers = xcalloc(g->img.n_layers + 1, sizeof(struct image_layer));
    g->unpacked = xcalloc(g->img.n_layers + 1, sizeof(bool));
    for (size_t i = 0; i < g->img.n_layers; i++) {
        yajl_val d = layers->u.array.values[i];
        struct image_layer *l = &g->img.layers[i];
        const char *ld = json_get_str(d, "digest");
        yajl_val di = diffs->u.array.values[i];
        const char *lmt = json_get_str(d, "mediaType");
        if (!digest_hex(ld) || !YAJL_IS_STRING(di) || !digest_hex(di->u.string)) {
            rbox_error(err, 0, "manifest %s: layer %zu has no valid digest or diff ID", mdigest, i);
            goto out;
        }
        if (!layer_type_ok(lmt)) {
            rbox_error(err, 0, "manifest %s: layer %s has unsupported media type %s", mdigest, ld,
                       lmt);
            goto out;
        }
        ctr_copy(l->digest, sizeof(l->digest), ld);
        ctr_copy(l->diff_id, sizeof(l->diff_id), di->u.string);
        l->media_type = xstrdup(lmt ? lmt : MT_OCI_LAYER);
        l->size = desc_size(d);
    }
    r = 0;
out:
    yajl_tree_free(m);
    return r;
}

/* One manifest descriptor of index.json (a nested index: the host's platform). */
static int ingest_one(struct store *s, int lfd, const char *dir, yajl_val desc,
                      const char *const *tags, bool repo_digests, const char *source,
                      char id_out[ID_LEN + 1], rbox_err **err)
{
    const char *digest = json_get_str(desc, "digest");
    const char *mt = json_get_str(desc, "mediaType");
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (read_blob(s, lfd, digest, desc_size(desc), &text, &len, err) < 0)
        return -1;
    if (mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0)) {
        _cleanup_yajl_ yajl_val idx = NULL;
        if (json_parse(text, digest, &idx, err) < 0)
            return -1;
        yajl_val ms = json_get(idx, "manifests");
        for (size_t i = 0; YAJL_IS_ARRAY(ms) && i < ms->u.array.len; i++) {
            yajl_val p = json_get(ms->u.array.values[i], "platform");
            if (str_eq(json_get_str(p, "os"), "linux") &&
                str_eq(json_get_str(p, "architecture"), host_arch()))
                return ingest_one(s, lfd, dir, ms->u.array.values[i], tags, repo_digests, source,
                                  id_out, err);
        }
        return rbox_error(err, 0, "index %s has no image for linux/%s", digest, host_arch());
    }
    struct ingest g = { .s = s, .lfd = lfd, .dir = dir };
    g.img.created_ns = now_ns_realtime();
    g.img.source = xstrdup(source ? source : "");
    int r = parse_manifest(&g, digest, mt, text, err);
    if (r == 0)
        r = prepare_layers(&g, err);
    if (r == 0) {
        bool had_lock = s->lock_fd >= 0;
        r = store_lock(s, err);
        if (r == 0)
            r = install(&g, tags, repo_digests, err);
        if (!had_lock)
            store_unlock(s);
    }
    if (r == 0)
        ctr_copy(id_out, ID_LEN + 1, g.img.id);
    strv_free(g.blobs);
    free(g.unpacked);
    image_clear(&g.img);
    return r;
}

/* The tags of a descriptor: its containerd name, else its OCI ref.name. */
static char *desc_ref(yajl_val desc)
{
    yajl_val ann = json_get(desc, "annotations");
    const char *n = json_get_str(ann, "io.containerd.image.name");
    if (n == NULL)
        n = json_get_str(ann, "org.opencontainers.image.ref.name");
    return n ? image_normalize_ref(n, NULL) : NULL;
}

int ingest_layout_ex(struct store *s, const char *layout_dir, const char *const *refs,
                     bool repo_digests, bool print, const char *source, char id_out[ID_LEN + 1],
                     rbox_err **err)
{
    _cleanup_close_ int lfd = open(layout_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lfd < 0)
        return rbox_error(err, errno, "opening %s", layout_dir);
    _cleanup_free_ char *text = NULL;
    if (read_file_at(lfd, "index.json", &text, NULL) < 0)
        return rbox_error(err, errno, "reading %s/index.json", layout_dir);
    _cleanup_yajl_ yajl_val idx = NULL;
    if (json_parse(text, "index.json", &idx, err) < 0)
        return -1;
    yajl_val ms = json_get(idx, "manifests");
    if (!YAJL_IS_ARRAY(ms) || ms->u.array.len == 0)
        return rbox_error(err, 0, "%s/index.json lists no manifest", layout_dir);
    if (refs && refs[0] && ms->u.array.len > 1)
        return rbox_error(err, 0, "%s/index.json lists %zu manifests where one was expected",
                          layout_dir, ms->u.array.len);
    for (size_t i = 0; i < ms->u.array.len; i++) {
        yajl_val d = ms->u.array.values[i];
        _cleanup_free_ char *ref = refs ? NULL : desc_ref(d);
        const char *own[2] = { ref, NULL };
        const char *const *tags = refs ? refs : own;
        if (ingest_one(s, lfd, layout_dir, d, tags, repo_digests, source, id_out, err) < 0)
            return -1;
        if (!print)
            continue;
        for (size_t k = 0; tags[k]; k++) {
            _cleanup_free_ char *f = image_familiar(tags[k]);
            printf("Loaded image: %s\n", f);
        }
        if (tags[0] == NULL)
            printf("Loaded image ID: sha256:%s\n", id_out);
    }
    return 0;
}

int image_ingest_layout(struct store *s, const char *layout_dir, const char *const *refs,
                        char id_out[ID_LEN + 1], rbox_err **err)
{
    _cleanup_strv_ char **norm = NULL;
    size_t n = 0;
    if (refs) {
        norm = xcalloc(1, sizeof(char *));
        for (size_t i = 0; refs[i]; i++) {
            char *t = image_normalize_ref(refs[i], err);
            if (t == NULL)
                return -1;
            strv_push(&norm, &n, t);
        }
    }
    return ingest_layout_ex(s, layout_dir, (const char *const *)norm, true, false, NULL, id_out,
                            err);
}

int image_manifest(struct store *s, const struct image *img, char **data, size_t *len,
                   char **media_type, rbox_err **err)
{
    if (blob_read(s, img->manifest_digest, data, len, err) < 0)
        return -1;
    *media_type = xstrdup(img->manifest_type);
    return 0;
}
