/* build.c - rbox build's stages and steps (build.h). */
#define _GNU_SOURCE
#include "build.h"
#include "registry.h"
#include "ctr.h"
#include "image_internal.h"
#include "json.h"
#include "passwd.h"
#include "path.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

struct stage {
    char *name;          /* AS name (lower case), NULL: none */
    char id[ID_LEN + 1]; /* the current image; "" while a FROM scratch stage has none */
    char **env;          /* the ENV in effect (K=V) */
    char **args;         /* the ARGs declared in the stage (K=V; K alone: unset) */
    char **shell;        /* SHELL */
    char *workdir;
    char *author; /* MAINTAINER, on every later image of the stage */
    bool cmd_set; /* CMD given in this stage (ENTRYPOINT keeps it) */
};

struct bctx {
    struct cmd_ctx *c;
    const struct build_opts *o;
    struct bf_file f;
    char **gargs; /* the ARGs before the first FROM */
    struct stage *st;
    size_t nst;
    int step, total;
    int ctxfd;
    char **ignore;
    int *code;
};

static void stage_clear(struct stage *st)
{
    free(st->name);
    strv_free(st->env);
    strv_free(st->args);
    strv_free(st->shell);
    free(st->workdir);
    free(st->author);
}

static const char *kv_find(char *const *v, const char *name, bool *declared)
{
    size_t l = strlen(name);
    for (size_t i = 0; v && v[i]; i++)
        if (strncmp(v[i], name, l) == 0 && (v[i][l] == '=' || v[i][l] == '\0')) {
            if (declared)
                *declared = true;
            return v[i][l] == '=' ? v[i] + l + 1 : NULL;
        }
    return NULL;
}

static void kv_set(char ***v, const char *k, const char *val)
{
    size_t n = strv_len(*v), l = strlen(k);
    char *e = val ? xasprintf("%s=%s", k, val) : xstrdup(k);
    for (size_t i = 0; i < n; i++)
        if (strncmp((*v)[i], k, l) == 0 && ((*v)[i][l] == '=' || (*v)[i][l] == '\0')) {
            free((*v)[i]);
            (*v)[i] = e;
            return;
        }
    if (*v == NULL)
        *v = xcalloc(1, sizeof(char *));
    strv_push(v, &n, e);
}

struct scope {
    struct bctx *b;
    struct stage *st; /* NULL: before the first FROM (global ARGs only) */
};

static const char *lookup(void *ctx, const char *name)
{
    struct scope *sc = ctx;
    if (sc->st == NULL)
        return kv_find(sc->b->gargs, name, NULL);
    const char *v = kv_find(sc->st->env, name, NULL);
    return v ? v : kv_find(sc->st->args, name, NULL);
}

/* An ARG's value: --build-arg NAME[=V] (NAME alone: from our environment), else def. */
static const char *arg_value(struct bctx *b, const char *name, const char *def)
{
    bool given = false;
    const char *v = kv_find(b->o->build_args, name, &given);
    if (given)
        return v ? v : getenv(name);
    return def;
}

/* ---- images ---- */

static int load_image(struct bctx *b, const struct stage *st, struct image *img, rbox_err **err)
{
    memset(img, 0, sizeof(*img));
    if (st->id[0])
        return image_load(b->c->s, st->id, img, err);
    /* FROM scratch: no layers, an empty config */
    static const char empty[] = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
                                "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
    return json_parse(empty, "scratch", &img->config, err);
}

static char *cache_key(struct bctx *b, const struct stage *st, const char *text, const char *extra)
{
    struct sha256_ctx md;
    sha256_init(&md);
    _cleanup_free_ char *head = xasprintf("%s\n%s\n%s\n", st->id, text, extra ? extra : "");
    sha256_update(&md, strlen(head), (const uint8_t *)head);
    for (char **a = st->args; a && *a; a++) {
        _cleanup_free_ char *line = xasprintf("%s\n", *a);
        sha256_update(&md, strlen(line), (const uint8_t *)line);
    }
    (void)b;
    char hex[ID_LEN + 1];
    sha_hex(&md, hex);
    return xstrdup(hex);
}

static bool cache_get(struct bctx *b, const char *key, char id[ID_LEN + 1])
{
    if (b->o->no_cache)
        return false;
    _cleanup_free_ char *rel = xasprintf("images/build-cache/%s", key);
    char *text;
    size_t len;
    if (read_file_at(b->c->s->root_fd, rel, &text, &len) < 0)
        return false;
    bool ok = len == ID_LEN;
    struct image img;
    rbox_err *e = NULL;
    if (ok) {
        memcpy(id, text, ID_LEN);
        id[ID_LEN] = '\0';
        ok = image_load(b->c->s, id, &img, &e) == 0;
        if (ok)
            image_clear(&img);
        rbox_err_free(e);
    }
    free(text);
    return ok;
}

static void cache_put(struct bctx *b, const char *key, const char *id)
{
    mkdirat(b->c->s->root_fd, "images/build-cache", 0700);
    _cleanup_free_ char *rel = xasprintf("images/build-cache/%s", key);
    write_file_atomic_at(b->c->s->root_fd, rel, id, strlen(id), 0600, false);
}

/* A new image over the stage's: upper (NULL: config only) and changes. */
static int commit(struct bctx *b, struct stage *st, const char *upper, char *const *changes,
                  const char *by, const char *author, rbox_err **err)
{
    struct image base;
    if (load_image(b, st, &base, err) < 0)
        return -1;
    int r = image_commit(b->c->s, &base, upper, NULL, changes, author ? author : st->author, NULL,
                         by, st->id, err);
    image_clear(&base);
    return r;
}

static void step_done(struct bctx *b, const struct stage *st, bool cached)
{
    (void)b;
    if (cached)
        printf("--> Using cache %s\n", st->id);
    printf("--> %.12s\n", st->id);
    fflush(stdout);
}

/* ---- steps ---- */

static char *json_argv(char *const *v)
{
    json_w w;
    jw_init(&w, false);
    jw_arr_open(&w);
    for (size_t i = 0; v && v[i]; i++)
        jw_str(&w, v[i]);
    jw_arr_close(&w);
    char *s = xstrdup(jw_text(&w, NULL));
    jw_free(&w);
    return s;
}

/* The command of RUN/CMD/ENTRYPOINT: the exec form as is, else SHELL + the line. */
static char **command_of(const struct stage *st, const struct bf_instr *in)
{
    if (in->json)
        return strv_dup(in->args);
    char **v = strv_dup(st->shell);
    size_t n = strv_len(v);
    strv_push(&v, &n, xstrdup(in->args[0]));
    return v;
}

static int run_step(struct bctx *b, struct stage *st, const struct bf_instr *in, rbox_err **err)
{
    if (!st->id[0])
        return rbox_error(err, 0, "RUN in a stage FROM scratch with nothing in it yet");
    _cleanup_strv_ char **cmd = command_of(st, in);
    _cleanup_free_ char *by = NULL;
    {
        _cleanup_free_ char *joined = NULL;
        for (char **p = cmd; *p; p++) {
            char *j = xasprintf("%s%s%s", joined ? joined : "", joined ? " " : "", *p);
            free(joined);
            joined = j;
        }
        by = steal_pointer(&joined);
    }
    char **av = xcalloc(1, sizeof(char *));
    size_t n = 0;
    const char *fixed[] = { "create", "--network", b->o->network, "--entrypoint", "" };
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        strv_push(&av, &n, xstrdup(fixed[i]));
    for (char **a = st->args; a && *a; a++)
        if (strchr(*a, '=')) {
            _cleanup_free_ char *k = xstrndup(*a, strcspn(*a, "="));
            if (!kv_find(st->env, k, NULL)) {
                strv_push(&av, &n, xstrdup("-e"));
                strv_push(&av, &n, xstrdup(*a));
            }
        }
    strv_push(&av, &n, xstrdup(st->id));
    for (char **p = cmd; *p; p++)
        strv_push(&av, &n, xstrdup(*p));
    char id[ID_LEN + 1];
    int r = run_create_argv(b->c, (int)n, av, id, err);
    strv_free(av);
    if (r < 0)
        return -1;
    int code = run_foreground_id(b->c, id);
    if (code != 0) {
        *b->code = code;
        r = rbox_error(err, 0, "exit status %d", code);
    } else {
        _cleanup_free_ char *upper = ctr_path(b->c->s, id, "diff");
        r = commit(b, st, upper, NULL, by, NULL, err);
    }
    rbox_err *e = NULL;
    if (ctr_remove(b->c->s, id, true, &e) < 0)
        rbox_err_free(e);
    return r;
}

/* The merged tree of an image, read-only: its one layer, else an overlay lazily unmounted at
 * once (the fd keeps it). */
static int merged_root_open(struct store *s, const struct image *img, rbox_err **err)
{
    if (img->n_layers == 0)
        return rbox_error(err, 0, "image %.12s has no files", img->id);
    if (img->n_layers == 1) {
        _cleanup_free_ char *rel = xasprintf("images/layers/%s/diff", img->layers[0].diff_id + 7);
        int fd = openat(s->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? rbox_error(err, errno, "opening %s/%s", s->root, rel) : fd;
    }
    char rnd[ID_LEN + 1];
    id_generate(rnd);
    _cleanup_free_ char *mnt = xasprintf("%s/build-view-%.16s", s->runroot, rnd);
    if (mkdir(mnt, 0700) < 0)
        return rbox_error(err, errno, "creating %s", mnt);
    int fd = -1;
    if (image_mount_overlay(s, img, NULL, NULL, mnt, err) == 0) {
        fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            rbox_error(err, errno, "opening %s", mnt);
        umount2(mnt, MNT_DETACH);
    }
    rmdir(mnt);
    return fd;
}

/* The source root of COPY --from: a stage's image or an image; *img is kept open. */
static int from_root(struct bctx *b, const char *ref, struct image *img, rbox_err **err)
{
    memset(img, 0, sizeof(*img));
    _cleanup_free_ char *lower = xstrdup(ref);
    for (char *p = lower; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    const char *id = NULL;
    for (size_t i = 0; i < b->nst; i++)
        if ((b->st[i].name && strcmp(b->st[i].name, lower) == 0) ||
            (strspn(ref, "0123456789") == strlen(ref) && (size_t)atoi(ref) == i))
            id = b->st[i].id;
    int r = id ? image_load(b->c->s, id, img, err) : image_resolve(b->c->s, ref, img, err);
    if (r < 0)
        return -1;
    return merged_root_open(b->c->s, img, err);
}

static int fs_step(struct bctx *b, struct stage *st, char *const *changes, const char *by,
                   int (*fn)(void *ctx, int rootfd, const char *root, rbox_err **err), void *ctx,
                   rbox_err **err);
static int mkdir_cb(void *ctx, int rootfd, const char *root, rbox_err **err);
static int workdir_exists(struct bctx *b, const struct stage *st);
static int copy_step(struct bctx *b, struct stage *st, const struct bf_instr *in, struct scope *sc,
                     rbox_err **err);

/* EXPOSE PORT[-LAST][/PROTO]: one change per port (docker's ranges), checked */
static int expose_ports(const char *v, char ***ch, size_t *n, rbox_err **err)
{
    const char *slash = strchr(v, '/');
    _cleanup_free_ char *ports = slash ? xstrndup(v, (size_t)(slash - v)) : xstrdup(v);
    const char *proto = slash ? slash + 1 : "tcp";
    if (strcasecmp(proto, "tcp") != 0 && strcasecmp(proto, "udp") != 0 &&
        strcasecmp(proto, "sctp") != 0)
        return rbox_error(err, 0, "%s: the protocol must be tcp, udp or sctp", v);
    char *dash = strchr(ports, '-');
    if (dash)
        *dash = '\0';
    int lo, hi;
    if (parse_int(ports, &lo) < 0 || (dash && parse_int(dash + 1, &hi) < 0) || lo < 1 ||
        lo > 65535 || (dash && (hi < lo || hi > 65535)))
        return rbox_error(err, 0, "%s is not a port (1-65535) or a range LOW-HIGH", v);
    if (!dash)
        hi = lo;
    if (hi - lo >= 1024)
        return rbox_error(err, 0, "%s: at most 1024 ports in a range", v);
    for (int p = lo; p <= hi; p++) {
        char lp[8];
        snprintf(lp, sizeof(lp), "%s", proto);
        for (char *c = lp; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        strv_push(ch, n, xasprintf("EXPOSE %d/%s", p, lp));
    }
    return 0;
}

/* ENV LABEL ... as image_commit changes; false for ARG/SHELL (no image). */
static int meta_step(struct bctx *b, struct stage *st, const struct bf_instr *in, struct scope *sc,
                     char ***ch, const char **author, rbox_err **err)
{
    char esc = b->f.escape;
    size_t n = 0;
    *ch = xcalloc(1, sizeof(char *));
    const char *kn = bf_kind_name(in->kind);
    if (in->kind == BF_ENV || in->kind == BF_LABEL || in->kind == BF_ARG) {
        char **k, **v;
        size_t np;
        if (bf_pairs(in, esc, &k, &v, &np, err) < 0)
            return -1;
        int r = 0;
        for (size_t i = 0; r == 0 && i < np; i++) {
            _cleanup_free_ char *key = NULL, *val = NULL;
            if (bf_expand(k[i], esc, lookup, sc, &key, err) < 0 ||
                (v[i] && bf_expand(v[i], esc, lookup, sc, &val, err) < 0)) {
                r = -1;
                break;
            }
            if (in->kind == BF_ARG) {
                const char *def = val ? val : kv_find(b->gargs, key, NULL);
                kv_set(&st->args, key, arg_value(b, key, def));
                continue;
            }
            strv_push(ch, &n, xasprintf("%s %s=%s", kn, key, val));
        }
        bf_pairs_free(k, v, np);
        /* docker: every value is expanded with the ENV from before the instruction */
        for (char **c = *ch; r == 0 && in->kind == BF_ENV && *c; c++) {
            _cleanup_free_ char *key = xstrndup(*c + 4, strcspn(*c + 4, "="));
            kv_set(&st->env, key, strchr(*c, '=') + 1);
        }
        return r;
    }
    if (in->kind == BF_SHELL) {
        strv_free(st->shell);
        st->shell = strv_dup(in->args);
        return 0;
    }
    if (in->kind == BF_CMD || in->kind == BF_ENTRYPOINT) {
        _cleanup_strv_ char **cmd = command_of(st, in);
        _cleanup_free_ char *j = json_argv(cmd);
        strv_push(ch, &n, xasprintf("%s %s", kn, j));
        if (in->kind == BF_CMD)
            st->cmd_set = true;
        else if (!st->cmd_set)
            strv_push(ch, &n, xstrdup("CMD []"));
        return 0;
    }
    if (in->kind == BF_HEALTHCHECK) {
        char *c;
        if (bf_healthcheck_change(in, &c, err) < 0)
            return -1;
        strv_push(ch, &n, c);
        return 0;
    }
    if (in->kind == BF_ONBUILD) {
        strv_push(ch, &n, xasprintf("ONBUILD %s", in->args[0]));
        return 0;
    }
    if (in->kind == BF_MAINTAINER) {
        free(st->author);
        st->author = xstrdup(in->args[0]);
        *author = st->author;
        return 0;
    }
    _cleanup_strv_ char **f = NULL;
    if (in->json)
        f = strv_dup(in->args);
    else if (bf_fields(in->args[0], esc, lookup, sc, &f, err) < 0)
        return -1;
    if (in->kind == BF_WORKDIR) {
        _cleanup_free_ char *w = f[0][0] == '/'
                                     ? xstrdup(f[0])
                                     : xasprintf("%s/%s", st->workdir ? st->workdir : "", f[0]);
        free(st->workdir);
        st->workdir = path_clean(w);
        strv_push(ch, &n, xasprintf("WORKDIR %s", st->workdir));
        return 0;
    }
    for (char **p = f; *p; p++) {
        if (in->kind == BF_EXPOSE) {
            if (expose_ports(*p, ch, &n, err) < 0)
                return -1;
            continue;
        }
        strv_push(ch, &n, xasprintf("%s %s", kn, *p));
    }
    return 0;
}

static int exec_step(struct bctx *b, struct stage *st, const struct bf_instr *in, rbox_err **err)
{
    struct scope sc = { .b = b, .st = st };
    if (in->kind == BF_RUN || in->kind == BF_COPY || in->kind == BF_ADD) {
        _cleanup_free_ char *key = cache_key(b, st, in->text, NULL);
        char id[ID_LEN + 1];
        if (in->kind == BF_RUN && cache_get(b, key, id)) {
            memcpy(st->id, id, sizeof(id));
            step_done(b, st, true);
            return 0;
        }
        int r = in->kind == BF_RUN ? run_step(b, st, in, err) : copy_step(b, st, in, &sc, err);
        if (r == 1) /* copy_step: from the cache */
            return 0;
        if (r < 0)
            return -1;
        if (in->kind == BF_RUN)
            cache_put(b, key, st->id);
        step_done(b, st, false);
        return 0;
    }
    _cleanup_strv_ char **ch = NULL;
    const char *author = NULL;
    if (meta_step(b, st, in, &sc, &ch, &author, err) < 0)
        return -1;
    if (in->kind == BF_ARG || in->kind == BF_SHELL)
        return 0;
    _cleanup_free_ char *joined = NULL;
    for (char **p = ch; *p; p++) {
        char *j = xasprintf("%s%s\n", joined ? joined : "", *p);
        free(joined);
        joined = j;
    }
    _cleanup_free_ char *key = cache_key(b, st, in->text, joined);
    char id[ID_LEN + 1];
    if (cache_get(b, key, id)) {
        memcpy(st->id, id, sizeof(id));
        step_done(b, st, true);
        return 0;
    }
    _cleanup_free_ char *by = xasprintf("/bin/sh -c #(nop) %s", in->text);
    /* WORKDIR makes its directory (as buildah and buildkit) */
    int r = in->kind == BF_WORKDIR && !workdir_exists(b, st)
                ? fs_step(b, st, ch, by, mkdir_cb, st->workdir, err)
                : commit(b, st, NULL, ch, by, author, err);
    if (r < 0)
        return -1;
    cache_put(b, key, st->id);
    step_done(b, st, false);
    return 0;
}

/* --chown USER[:GROUP]: numbers, or names in the image's /etc/passwd and /etc/group */
static int parse_chown(const char *v, const char *root, long *uid, long *gid, rbox_err **err)
{
    _cleanup_free_ char *u = xstrndup(v, strcspn(v, ":"));
    const char *g = strchr(v, ':') ? strchr(v, ':') + 1 : NULL;
    int n;
    if (parse_int(u, &n) == 0 && n >= 0) {
        *uid = n;
        *gid = n;
    } else {
        _cleanup_free_ char *pw = xasprintf("%s/etc/passwd", root);
        struct pw_entry e;
        if (passwd_lookup(pw, u, 0, &e) != 0)
            return rbox_error(err, 0, "--chown: no user %s in the image", u);
        *uid = e.uid;
        *gid = e.gid;
        pw_entry_clear(&e);
    }
    if (g && parse_int(g, &n) == 0 && n >= 0)
        *gid = n;
    else if (g) {
        _cleanup_free_ char *gr = xasprintf("%s/etc/group", root);
        gid_t gg;
        if (group_lookup(gr, g, &gg) != 0)
            return rbox_error(err, 0, "--chown: no group %s in the image", g);
        *gid = gg;
    }
    return 0;
}

static const char *flag_value(const struct bf_instr *in, const char *name)
{
    size_t l = strlen(name);
    const char *v = NULL;
    for (char **f = in->flags; *f; f++)
        if (strncmp(*f + 2, name, l) == 0 && (*f)[l + 2] == '=')
            v = *f + l + 3;
    return v;
}

/* A step that changes files: fn(ctx, rootfd, rootpath) over an overlay of the stage's image
 * (the upper dir alone FROM scratch) in a staging dir; its upper dir becomes the layer, with
 * changes on the config. */
static int fs_step(struct bctx *b, struct stage *st, char *const *changes, const char *by,
                   int (*fn)(void *ctx, int rootfd, const char *root, rbox_err **err), void *ctx,
                   rbox_err **err)
{
    struct image img;
    if (load_image(b, st, &img, err) < 0)
        return -1;
    struct image_staging sg;
    if (image_staging_create(b->c->s, &sg, err) < 0) {
        image_clear(&img);
        return -1;
    }
    _cleanup_free_ char *upper = xasprintf("%s/upper", sg.dir),
                        *work = xasprintf("%s/work", sg.dir),
                        *merged = xasprintf("%s/merged", sg.dir);
    int r = 0;
    bool mounted = false;
    if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(merged, 0755) < 0)
        r = rbox_error(err, errno, "creating %s", sg.dir);
    if (r == 0 && img.n_layers) {
        r = image_mount_overlay(b->c->s, &img, upper, work, merged, err);
        mounted = r == 0;
    }
    if (r == 0) {
        const char *rp = mounted ? merged : upper;
        _cleanup_close_ int root = open(rp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = root < 0 ? rbox_error(err, errno, "opening %s", rp) : fn(ctx, root, rp, err);
    }
    if (mounted && umount2(merged, 0) < 0 && r == 0)
        r = rbox_error(err, errno, "unmounting %s", merged);
    if (r == 0)
        r = commit(b, st, upper, changes, by, NULL, err);
    image_staging_discard(b->c->s, &sg);
    image_clear(&img);
    return r < 0 ? -1 : 0;
}

struct copy_cb {
    const struct copy_src *src;
    char *const *srcs;
    const char *dst, *chown;
    long mode;
    bool extract;
};

static int copy_cb(void *ctx, int rootfd, const char *root, rbox_err **err)
{
    struct copy_cb *c = ctx;
    long uid = -1, gid = -1;
    if (c->chown && parse_chown(c->chown, root, &uid, &gid, err) < 0)
        return -1;
    return build_copy(c->src, c->srcs, rootfd, c->dst, uid, gid, c->mode, c->extract, err);
}

static int mkdir_cb(void *ctx, int rootfd, const char *root, rbox_err **err)
{
    (void)root;
    int fd = mkdir_all_in_root(rootfd, ctx, 0755, err);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

/* WORKDIR: 1 when the directory is already in the image */
static int workdir_exists(struct bctx *b, const struct stage *st)
{
    struct image img;
    rbox_err *e = NULL;
    if (!st->id[0] || image_load(b->c->s, st->id, &img, &e) < 0) {
        rbox_err_free(e);
        return 0;
    }
    _cleanup_close_ int root = merged_root_open(b->c->s, &img, &e);
    image_clear(&img);
    rbox_err_free(e);
    _cleanup_close_ int d =
        root < 0 ? -1 : open_in_root(root, st->workdir, O_RDONLY | O_DIRECTORY, 0);
    return d >= 0;
}

/* COPY/ADD; 1 when the cache had it */
static int copy_step(struct bctx *b, struct stage *st, const struct bf_instr *in, struct scope *sc,
                     rbox_err **err)
{
    _cleanup_strv_ char **f = NULL;
    if (in->json) {
        f = xcalloc(in->nargs + 1, sizeof(char *));
        for (size_t i = 0; i < in->nargs; i++)
            if (bf_expand(in->args[i], b->f.escape, lookup, sc, &f[i], err) < 0)
                return -1;
    } else if (bf_fields(in->args[0], b->f.escape, lookup, sc, &f, err) < 0)
        return -1;
    size_t n = strv_len(f);
    if (n < 2)
        return rbox_error(err, 0, "%s needs a source and a destination", bf_kind_name(in->kind));
    for (size_t i = 0; i + 1 < n; i++)
        if (strstr(f[i], "://"))
            return rbox_error(err, 0,
                              "%s %s: URLs are not supported (no network at build time): "
                              "fetch the file into the context and COPY it",
                              bf_kind_name(in->kind), f[i]);
    const char *from = flag_value(in, "from"), *chown = flag_value(in, "chown"),
               *chmod = flag_value(in, "chmod");
    long mode = -1;
    if (chmod) {
        char *end;
        mode = strtol(chmod, &end, 8);
        if (*end || mode < 0 || mode > 07777)
            return rbox_error(err, 0, "--chmod=%s: an octal mode is expected", chmod);
    }
    struct image fimg = { 0 };
    _cleanup_close_ int froot = -1;
    if (from && (froot = from_root(b, from, &fimg, err)) < 0) {
        image_clear(&fimg);
        return rbox_error_prefix(err, "--from=%s", from);
    }
    image_clear(&fimg);
    if (!from && b->ctxfd < 0)
        return rbox_error(err, 0, "%s needs a build context (a Containerfile on stdin has none)",
                          bf_kind_name(in->kind));
    struct copy_src src = { .rootfd = from ? froot : b->ctxfd, .ignore = from ? NULL : b->ignore };
    char *last = f[n - 1];
    f[n - 1] = NULL;
    _cleanup_free_ char *dst =
        last[0] == '/' ? xstrdup(last) : xasprintf("%s/%s", st->workdir ? st->workdir : "", last);
    free(last);
    char hex[ID_LEN + 1];
    if (build_copy_hash(&src, f, hex, err) < 0)
        return -1;
    _cleanup_free_ char *extra = xasprintf("%s %s %s", hex, chown ? chown : "", dst);
    _cleanup_free_ char *key = cache_key(b, st, in->text, extra);
    char id[ID_LEN + 1];
    if (cache_get(b, key, id)) {
        memcpy(st->id, id, sizeof(id));
        step_done(b, st, true);
        return 1;
    }
    struct copy_cb cb = { .src = &src,
                          .srcs = f,
                          .dst = dst,
                          .chown = chown,
                          .mode = mode,
                          .extract = in->kind == BF_ADD };
    _cleanup_free_ char *by = xasprintf("/bin/sh -c #(nop) %s", in->text);
    if (fs_step(b, st, NULL, by, copy_cb, &cb, err) < 0)
        return -1;
    cache_put(b, key, st->id);
    return 0;
}

static int from_step(struct bctx *b, const struct bf_instr *in, rbox_err **err)
{
    struct scope sc = { .b = b, .st = NULL };
    _cleanup_strv_ char **w = NULL;
    if (bf_words(in->args[0], b->f.escape, &w, err) < 0)
        return -1;
    _cleanup_free_ char *ref = NULL;
    if (bf_expand(w[0], b->f.escape, lookup, &sc, &ref, err) < 0)
        return -1;
    if (!*ref)
        return rbox_error(err, 0, "FROM %s: an empty image name", w[0]);
    b->st = xrealloc(b->st, (b->nst + 1) * sizeof(*b->st));
    struct stage *st = &b->st[b->nst++];
    memset(st, 0, sizeof(*st));
    if (w[1]) {
        st->name = xstrdup(w[2]);
        for (char *p = st->name; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    }
    static char *const sh[] = { "/bin/sh", "-c", NULL };
    st->shell = strv_dup(sh);
    if (strcmp(ref, "scratch") == 0)
        return 0;
    const char *id = NULL;
    for (size_t i = 0; i + 1 < b->nst; i++)
        if (b->st[i].name && strcasecmp(b->st[i].name, ref) == 0)
            id = b->st[i].id;
    struct image img;
    int r = id && *id
                ? image_load(b->c->s, id, &img, err)
                : image_resolve_pull(b->c->s, ref, b->o->pull ? b->o->pull : "missing", &img, err);
    if (r < 0)
        return -1;
    memcpy(st->id, img.id, sizeof(st->id));
    st->env = strv_dup(img.env);
    st->workdir = img.workdir ? xstrdup(img.workdir) : NULL;
    yajl_val ob = json_get(json_get(img.config, "config"), "OnBuild");
    for (size_t i = 0; r == 0 && YAJL_IS_ARRAY(ob) && i < ob->u.array.len; i++) {
        const char *t = YAJL_GET_STRING(ob->u.array.values[i]);
        struct bf_instr trig;
        if (!t)
            continue;
        printf("--> ONBUILD %s\n", t);
        r = bf_parse_line(t, in->line, b->f.escape, b->o->fname, &trig, err);
        if (r == 0) {
            r = exec_step(b, st, &trig, err);
            bf_instr_clear(&trig);
        }
    }
    if (r == 0 && YAJL_IS_ARRAY(ob) && ob->u.array.len) {
        char *const clear[] = { "ONBUILD []", NULL };
        r = commit(b, st, NULL, clear, "/bin/sh -c #(nop) ONBUILD triggers ran", NULL, err);
    }
    image_clear(&img);
    return r;
}

int build_image(struct cmd_ctx *c, const struct build_opts *o, char id[ID_LEN + 1], int *code,
                rbox_err **err)
{
    struct bctx b = { .c = c, .o = o, .ctxfd = -1, .code = code };
    *code = 125;
    if (bf_parse(o->file, o->fname, &b.f, err) < 0)
        return -1;
    int r = 0;
    size_t end = b.f.n;
    if (o->target) {
        ssize_t t = -1;
        for (size_t i = 0; i < b.f.n; i++) {
            struct bf_instr *in = &b.f.v[i];
            if (t >= 0 && in->kind == BF_FROM) {
                end = i;
                break;
            }
            _cleanup_strv_ char **w = NULL;
            if (in->kind == BF_FROM && bf_words(in->args[0], b.f.escape, &w, err) == 0 && w[1] &&
                strcasecmp(w[2], o->target) == 0)
                t = (ssize_t)i;
        }
        if (t < 0)
            r = rbox_error(err, 0, "--target %s: no such stage in %s", o->target, o->fname);
    }
    if (r == 0 && o->context) {
        b.ctxfd = open(o->context, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (b.ctxfd < 0)
            r = rbox_error(err, errno, "the build context %s", o->context);
        else
            b.ignore = build_ignore_load(b.ctxfd);
    }
    b.total = (int)end;
    for (size_t i = 0; r == 0 && i < end; i++) {
        struct bf_instr *in = &b.f.v[i];
        printf("STEP %zu/%zu: %s\n", i + 1, end, in->text);
        fflush(stdout);
        if (in->kind == BF_FROM)
            r = from_step(&b, in, err);
        else if (b.nst == 0) { /* ARG before FROM */
            struct scope sc = { .b = &b, .st = NULL };
            char **k = NULL, **v = NULL;
            size_t np = 0;
            r = bf_pairs(in, b.f.escape, &k, &v, &np, err);
            for (size_t j = 0; r == 0 && j < np; j++) {
                _cleanup_free_ char *key = NULL, *val = NULL;
                r = bf_expand(k[j], b.f.escape, lookup, &sc, &key, err);
                if (r == 0 && v[j])
                    r = bf_expand(v[j], b.f.escape, lookup, &sc, &val, err);
                if (r == 0)
                    kv_set(&b.gargs, key, arg_value(&b, key, val));
            }
            if (np)
                bf_pairs_free(k, v, np);
        } else
            r = exec_step(&b, &b.st[b.nst - 1], in, err);
        if (r < 0) {
            if (strlen(in->text) > 50)
                rbox_error_prefix(err, "%s:%d: %.47s...", o->fname, in->line, in->text);
            else
                rbox_error_prefix(err, "%s:%d: %s", o->fname, in->line, in->text);
        }
    }
    struct stage *last = b.nst ? &b.st[b.nst - 1] : NULL;
    if (r == 0 && last && (o->labels || !last->id[0])) {
        _cleanup_strv_ char **ch = xcalloc(1, sizeof(char *));
        size_t n = 0;
        for (char **l = o->labels; l && *l; l++)
            strv_push(&ch, &n, xasprintf("LABEL %s%s", *l, strchr(*l, '=') ? "" : "="));
        r = commit(&b, last, NULL, ch, "/bin/sh -c #(nop) LABEL (--label)", NULL, err);
    }
    if (r == 0 && last)
        memcpy(id, last->id, ID_LEN + 1);
    for (size_t i = 0; i < b.nst; i++)
        stage_clear(&b.st[i]);
    free(b.st);
    strv_free(b.gargs);
    strv_free(b.ignore);
    if (b.ctxfd >= 0)
        close(b.ctxfd);
    bf_file_clear(&b.f);
    return r;
}
