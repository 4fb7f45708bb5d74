/* image.c - rbox image import|ls|rm|inspect, rbox images. */
#define _GNU_SOURCE
#include "format.h"
#include "image.h"
#include "json.h"
#include "mcli.h"
#include "util.h"
#include "width.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void human_duration(int64_t ns, char *buf, size_t len);

static const char image_usage[] =
    "Usage: rbox image COMMAND\n"
    "\n"
    "Manage images: OCI images of read-only layers, stored once by digest and shared by\n"
    "containers (docs/images.md).\n"
    "\n"
    "Commands:\n"
    "  import FILE|- NAME[:TAG] import a rootfs tarball (.tar, .tar.gz, .tar.xz, .tar.zst)\n"
    "  load [-i FILE]           load a docker-archive or oci-archive (also: rbox load)\n"
    "  save [-o FILE] IMAGE...  write images as an archive (also: rbox save)\n"
    "  ls [--format F]          list images (also: rbox images)\n"
    "  rm IMAGE...              remove images (also: rbox rmi)\n"
    "  tag SRC DST              give an image another name (also: rbox tag)\n"
    "  history IMAGE            the image's layers and how they were made (also: rbox history)\n"
    "  prune [-a] [-f]          remove dangling (-a: all unused) images\n"
    "  inspect [-f F] IMAGE...  print images as JSON, or a Go template per image\n"
    "\n"
    "Names are normalized as docker does: \"alpine\" is docker.io/library/alpine:latest.\n"
    "The image \"busybox\" is built in: made from the host's static /bin/busybox on first use.\n";

static const char import_usage[] =
    "Usage: rbox image import FILE|- NAME[:TAG]\n"
    "\n"
    "Import a root filesystem tarball (\"-\": read it from stdin) as a one-layer image (tag\n"
    "defaults to latest) and print its ID (the digest of the image config, as docker).\n"
    "Compression is detected (gzip, xz, zstd, bzip2, ...); the layer is kept uncompressed.\n"
    "An image archive (docker save / podman save output) is refused: use 'rbox load'.\n"
    "Shows progress on a terminal.\n";

static const char ls_usage[] = "Usage: rbox image ls [OPTIONS]\n"
                               "\n"
                               "List images.\n"
                               "\n"
                               "Options:\n"
                               "  -q, --quiet      only image IDs\n"
                               "      --no-trunc   full image IDs\n"
                               "      --digests    show the manifest digests\n"
                               "  -f, --filter F   dangling=true|false, reference=PATTERN,\n"
                               "                   label=KEY[=VALUE], before=IMAGE, since=IMAGE\n"
                               "                   (repeatable: all must match)\n"
                               "      --format F   table (default), json (one object per line),\n"
                               "                   a Go template ('{{.Repository}}:{{.Tag}}')\n"
                               "                   or 'table TEMPLATE'; fields: .ID .Repository\n"
                               "                   .Tag .Digest .CreatedAt .CreatedSince .Size\n";

/* docker's column titles of images --format 'table ...' */
static const char *const image_headers[] = { "ID",           "IMAGE ID", "Repository", "REPOSITORY",
                                             "Tag",          "TAG",      "Digest",     "DIGEST",
                                             "CreatedSince", "CREATED",  "CreatedAt",  "CREATED AT",
                                             "Size",         "SIZE",     NULL };

static const char rm_usage[] =
    "Usage: rbox image rm [OPTIONS] IMAGE [IMAGE...]\n"
    "\n"
    "Remove images by NAME[:TAG], NAME@DIGEST, ID or ID prefix. A tag of an image with other\n"
    "tags is only untagged. An image used by a container is refused unless --force (never\n"
    "while one of them runs); forced, it is untagged and kept until its containers are gone.\n"
    "Layers and blobs are removed once no other image uses them.\n"
    "\n"
    "Options:\n"
    "  -f, --force   untag even if stopped containers use it, or with several names\n";

static const char inspect_usage[] =
    "Usage: rbox image inspect [OPTIONS] IMAGE [IMAGE...]\n"
    "\n"
    "Print a JSON array describing images.\n"
    "\n"
    "Options:\n"
    "  -f, --format F   json (default) or a Go template over each image ('{{.Id}}')\n";

int cmd_image_import(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox image import", .interspersed = true
    };
    rbox_err *err = NULL;
    bool flags[4] = { false };
    int r = margs_bools(&p, NULL, flags, 0, NULL, &err);
    if (r == 0)
        r = margs_require(&p, 2, 2, "a FILE and a NAME[:TAG]", &err);
    char id[ID_LEN + 1];
    if (r == 0)
        r = image_import(c->s, margs_at(&p, 0), margs_at(&p, 1), isatty(STDERR_FILENO), id, &err);
    margs_free(&p);
    if (r == MOPT_HELP)
        return cmd_help(import_usage);
    if (r < 0)
        return cmd_fail(err);
    printf("sha256:%s\n", id);
    return 0;
}

static void print_size(uint64_t b, char *buf, size_t len)
{
    if (b < 1000)
        snprintf(buf, len, "%lluB", (unsigned long long)b);
    else if (b < 1000 * 1000)
        snprintf(buf, len, "%.3gkB", (double)b / 1e3);
    else if (b < 1000ull * 1000 * 1000)
        snprintf(buf, len, "%.3gMB", (double)b / 1e6);
    else
        snprintf(buf, len, "%.3gGB", (double)b / 1e9);
}

/* --filter dangling=true|false, reference=PATTERN, label=KEY[=VALUE], before=IMAGE,
 * since=IMAGE. before/since name an image, resolved once here: *times gets its creation time
 * (in nanoseconds) at the filter's index. */
static int image_filter_check(struct store *s, char *const *filters, size_t i, int64_t *times,
                              rbox_err **err)
{
    const char *f = filters[i];
    if (str_has_prefix(f, "reference=") || str_has_prefix(f, "label=") ||
        strcmp(f, "dangling=true") == 0 || strcmp(f, "dangling=false") == 0)
        return 0;
    if (str_has_prefix(f, "before=") || str_has_prefix(f, "since=")) {
        const char *ref = strchr(f, '=') + 1;
        struct image img = { 0 };
        if (image_resolve(s, ref, &img, err) < 0)
            return rbox_error_prefix(err, "--filter %s", f);
        times[i] = img.created_ns;
        image_clear(&img);
        return 0;
    }
    return rbox_error(err, 0,
                      "invalid value \"%s\" for --filter: expected dangling=true|false, "
                      "reference=PATTERN, label=KEY[=VALUE], before=IMAGE or since=IMAGE",
                      f);
}

static bool image_filter_match(const struct image *img, char *const *filters, const int64_t *times)
{
    for (size_t i = 0; filters[i]; i++) {
        const char *f = filters[i];
        bool ok = false;
        if (str_has_prefix(f, "before="))
            ok = img->created_ns < times[i];
        if (str_has_prefix(f, "since="))
            ok = img->created_ns > times[i];
        if (str_has_prefix(f, "dangling="))
            ok = (strv_len(img->tags) == 0) == (strcmp(f + 9, "true") == 0);
        for (size_t k = 0; str_has_prefix(f, "reference=") && img->tags && img->tags[k]; k++) {
            _cleanup_free_ char *fam = image_familiar(img->tags[k]);
            _cleanup_free_ char *repo = xstrndup(fam, strrchr(fam, ':') - fam);
            ok = ok || fnmatch(f + 10, fam, 0) == 0 || fnmatch(f + 10, repo, 0) == 0 ||
                 fnmatch(f + 10, img->tags[k], 0) == 0;
        }
        for (size_t k = 0; str_has_prefix(f, "label=") && img->labels && img->labels[k]; k++)
            ok = ok || strcmp(img->labels[k], f + 6) == 0 ||
                 (str_has_prefix(img->labels[k], f + 6) && img->labels[k][strlen(f + 6)] == '=');
        if (!ok)
            return false;
    }
    return true;
}

/* images --format json|TEMPLATE: one object per image and tag, docker's keys */
static int image_rows(struct image *v, size_t n, struct fmt *fm, bool no_trunc, rbox_err **err)
{
    int64_t now = now_ns_realtime();
    for (size_t i = 0; i < n; i++) {
        char dur[64], size[32], created[48];
        _cleanup_free_ char *id =
            no_trunc ? xasprintf("sha256:%s", v[i].id) : xstrndup(v[i].id, 12);
        human_duration(now - v[i].created_ns, dur, sizeof(dur));
        print_size(v[i].size, size, sizeof(size));
        struct timespec t = { .tv_sec = v[i].created_ns / 1000000000,
                              .tv_nsec = v[i].created_ns % 1000000000 };
        format_time_rfc3339(&t, created, sizeof(created));
        size_t ntags = strv_len(v[i].tags);
        for (size_t k = 0; k < (ntags ? ntags : 1); k++) {
            _cleanup_free_ char *repo =
                ntags ? image_familiar(v[i].tags[k]) : xstrdup("<none>:<none>");
            char *colon = strrchr(repo, ':');
            *colon = '\0';
            _cleanup_free_ char *ago = xasprintf("%s ago", dur);
            json_w w;
            jw_init(&w, false);
            jw_obj_open(&w);
            jw_kstr(&w, "ID", id);
            jw_kstr(&w, "Repository", repo);
            jw_kstr(&w, "Tag", colon + 1);
            jw_kstr(&w, "Digest", v[i].manifest_digest[0] ? v[i].manifest_digest : "<none>");
            jw_kstr(&w, "CreatedAt", created);
            jw_kstr(&w, "CreatedSince", ago);
            jw_kstr(&w, "Size", size);
            jw_obj_close(&w);
            int r = 0;
            if (fm->kind == FMT_JSON)
                printf("%s\n", jw_text(&w, NULL));
            else
                r = fmt_row_text(fm, jw_text(&w, NULL), err);
            jw_free(&w);
            if (r < 0)
                return -1;
        }
    }
    return 0;
}

int cmd_images(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "quiet", 'q', false, 1 }, { "no-trunc", 0, false, 2 },
                                        { "all", 'a', false, 3 },   { "format", 0, true, 4 },
                                        { "digests", 0, false, 5 }, { "filter", 'f', true, 6 },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox image ls", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[6] = { false };
    const char *format = NULL, *arg;
    _cleanup_strv_ char **filters = xcalloc(1, sizeof(char *));
    size_t nf = 0;
    struct fmt fm;
    int r;
    while ((r = margs_next(&p, opts, &arg, &err)) > 0 && r != MOPT_HELP) {
        if (r == 4)
            format = arg;
        else if (r == 6)
            strv_push(&filters, &nf, xstrdup(arg));
        else
            f[r] = true;
    }
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments", &err);
    margs_free(&p);
    _cleanup_free_ int64_t *times = xcalloc(nf + 1, sizeof(int64_t));
    for (size_t i = 0; r == 0 && filters[i]; i++)
        r = image_filter_check(c->s, filters, i, times, &err);
    if (r == 0)
        r = fmt_init(&fm, format, image_headers, &err);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(ls_usage) : cmd_fail(err);
    struct image *v;
    size_t n;
    if (image_list(c->s, &v, &n, &err) < 0) {
        fmt_clear(&fm);
        return cmd_fail(err);
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (image_filter_match(&v[i], filters, times))
            v[kept++] = v[i];
        else
            image_clear(&v[i]);
    }
    n = kept;
    if (fm.kind != FMT_DEFAULT && !f[1]) {
        r = image_rows(v, n, &fm, f[2], &err);
        if (r == 0)
            fmt_print(&fm, stdout);
        fmt_clear(&fm);
        for (size_t i = 0; i < n; i++)
            image_clear(&v[i]);
        free(v);
        return r < 0 ? cmd_fail(err) : 0;
    }
    fmt_clear(&fm);
    int idw = f[2] ? 71 : 12;
    if (!f[1] && f[5])
        printf("%-30s %-15s %-71s %-*s %-18s %s\n", "REPOSITORY", "TAG", "DIGEST", idw, "IMAGE ID",
               "CREATED", "SIZE");
    else if (!f[1])
        printf("%-30s %-15s %-*s %-18s %s\n", "REPOSITORY", "TAG", idw, "IMAGE ID", "CREATED",
               "SIZE");
    int64_t now = now_ns_realtime();
    for (size_t i = 0; i < n; i++) {
        char dur[64], size[32];
        _cleanup_free_ char *id = f[2] ? xasprintf("sha256:%s", v[i].id) : xstrndup(v[i].id, 12);
        human_duration(now - v[i].created_ns, dur, sizeof(dur));
        print_size(v[i].size, size, sizeof(size));
        size_t ntags = strv_len(v[i].tags);
        for (size_t t = 0; t < (ntags ? ntags : 1); t++) {
            if (f[1]) {
                printf("%s\n", id);
                break;
            }
            _cleanup_free_ char *repo =
                ntags ? image_familiar(v[i].tags[t]) : xstrdup("<none>:<none>");
            char *colon = strrchr(repo, ':');
            *colon = '\0';
            _cleanup_free_ char *ago = xasprintf("%s ago", dur);
            u8_pad(stdout, repo, 30); /* display columns: a name may hold 日本 */
            putchar(' ');
            u8_pad(stdout, colon + 1, 15);
            if (f[5])
                printf(" %-71s", v[i].manifest_digest[0] ? v[i].manifest_digest : "<none>");
            printf(" %-*s %-18s %s\n", idw, id, ago, size);
        }
        image_clear(&v[i]);
    }
    free(v);
    return 0;
}

int cmd_image_rm(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "force", 'f', false, 1 }, { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox image rm", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[2] = { false };
    int r = margs_bools(&p, opts, f, 0, NULL, &err);
    if (r == 0)
        r = margs_require(&p, 1, -1, "at least one IMAGE", &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(rm_usage) : cmd_fail(err);
    }
    int ret = 0;
    for (int k = 0; k < margs_count(&p); k++) {
        if (image_remove(c->s, margs_at(&p, k), f[1], &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
        }
        store_unlock(c->s);
    }
    margs_free(&p);
    return ret;
}

int cmd_image_inspect(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox image inspect", .interspersed = true
    };
    static const struct mopt opts[] = { { "format", 'f', true, 4 }, { NULL, 0, false, 0 } };
    rbox_err *err = NULL;
    bool f[4] = { false };
    const char *format = NULL;
    struct fmt fm;
    int r = margs_bools(&p, opts, f, 4, &format, &err);
    if (r == 0)
        r = margs_require(&p, 1, -1, "at least one IMAGE", &err);
    if (r == 0)
        r = fmt_init(&fm, format, NULL, &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(inspect_usage) : cmd_fail(err);
    }
    int ret = 0;
    if (fm.kind == FMT_TEMPLATE) {
        for (int k = 0; k < margs_count(&p); k++) {
            struct image img;
            if (image_resolve(c->s, margs_at(&p, k), &img, &err) < 0) {
                ret = cmd_fail(err);
                err = NULL;
                continue;
            }
            _cleanup_free_ char *json = image_json(c->s, &img, false);
            image_clear(&img);
            if (fmt_row_text(&fm, json, &err) < 0) {
                fmt_clear(&fm);
                margs_free(&p);
                return cmd_fail(err);
            }
        }
        fmt_print(&fm, stdout);
        fmt_clear(&fm);
        margs_free(&p);
        return ret;
    }
    fmt_clear(&fm);
    printf("[");
    bool first = true;
    for (int k = 0; k < margs_count(&p); k++) {
        struct image img;
        if (image_resolve(c->s, margs_at(&p, k), &img, &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
            continue;
        }
        _cleanup_free_ char *json = image_json(c->s, &img, true);
        printf("%s\n%s", first ? "" : ",", json);
        first = false;
        image_clear(&img);
    }
    printf("%s]\n", first ? "" : "\n");
    margs_free(&p);
    return ret;
}

int cmd_image(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct {
        const char *name;
        cmd_fn fn;
    } sub[] = {
        { "import", cmd_image_import }, { "ls", cmd_images },
        { "list", cmd_images },         { "rm", cmd_image_rm },
        { "remove", cmd_image_rm },     { "inspect", cmd_image_inspect },
        { "load", cmd_image_load },     { "save", cmd_image_save },
        { "tag", cmd_image_tag },       { "history", cmd_image_history },
        { "prune", cmd_image_prune },
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return argc < 2 ? (fputs(image_usage, stderr), 125) : cmd_help(image_usage);
    for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
        if (strcmp(argv[1], sub[i].name) == 0)
            return sub[i].fn(c, argc - 1, argv + 1);
    rbox_err *err = NULL;
    rbox_error(&err, 0, "rbox image: unknown command \"%s\" (see 'rbox image --help')", argv[1]);
    return cmd_fail(err);
}
