/* imagecmd.c - rbox tag, history, image prune, load and save. */
#define _GNU_SOURCE
#include "cmdcore.h"
#include "image.h"
#include "json.h"
#include "format.h"
#include "mcli.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void human_duration(int64_t ns, char *buf, size_t len);

static const char tag_usage[] =
    "Usage: rbox tag SOURCE_IMAGE TARGET_IMAGE[:TAG]\n"
    "\n"
    "Give an image another name (NAME[:TAG], tag defaults to latest).\n";

static const char history_usage[] =
    "Usage: rbox history [OPTIONS] IMAGE\n"
    "\n"
    "Show how the image was made: its config's history, newest first, with each layer's size.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet      only image IDs\n"
    "      --no-trunc   do not cut IDs and commands\n"
    "      --format F   table (default), json (one object per line), a Go template over\n"
    "                   them ('{{.ID}} {{.CreatedBy}}') or 'table TEMPLATE'; fields: .ID\n"
    "                   .CreatedSince .CreatedAt .CreatedBy .Size .Comment\n";

/* docker's column titles of history --format 'table ...' */
static const char *const history_headers[] = {
    "ID",         "IMAGE", "CreatedSince", "CREATED", "CreatedAt", "CREATED AT", "CreatedBy",
    "CREATED BY", "Size",  "SIZE",         "Comment", "COMMENT",   NULL
};

static const char prune_usage[] =
    "Usage: rbox image prune [OPTIONS]\n"
    "\n"
    "Remove dangling images (no tag) that no container uses; with -a every image no container\n"
    "uses. Their layers and blobs go once no other image uses them.\n"
    "\n"
    "Options:\n"
    "  -a, --all     remove every unused image, not only dangling ones\n"
    "  -f, --force   do not ask for confirmation\n";

static const char load_usage[] =
    "Usage: rbox load [OPTIONS]\n"
    "\n"
    "Load images from a docker-archive (docker save, podman save: manifest.json, configs and\n"
    "layer tars, also with an OCI layout inside) or an oci-archive (a tar of an OCI image\n"
    "layout), read from stdin or -i FILE; compressed archives too. Every blob is verified;\n"
    "layers keep their bytes (same digests as in the archive).\n"
    "\n"
    "Options:\n"
    "  -i, --input FILE   read FILE instead of stdin\n"
    "  -q, --quiet        print nothing\n";

static const char save_usage[] =
    "Usage: rbox save [OPTIONS] IMAGE [IMAGE...]\n"
    "\n"
    "Write images as a tar archive to stdout or -o FILE (never to a terminal).\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE   write FILE (atomically: a temporary beside it, then renamed)\n"
    "      --format F      docker-archive (default; as docker save, layers as plain tars) or\n"
    "                      oci-archive (an OCI image layout; blobs as stored)\n";

int cmd_image_tag(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox tag", .interspersed = true
    };
    rbox_err *err = NULL;
    bool flags[2] = { false };
    int r = margs_bools(&p, NULL, flags, 0, NULL, &err);
    if (r == 0)
        r = margs_require(&p, 2, 2, "a SOURCE_IMAGE and a TARGET_IMAGE", &err);
    if (r == 0) {
        r = image_tag(c->s, margs_at(&p, 0), margs_at(&p, 1), &err);
        store_unlock(c->s);
    }
    margs_free(&p);
    if (r == MOPT_HELP)
        return cmd_help(tag_usage);
    return r < 0 ? cmd_fail(err) : 0;
}

static void size_text(uint64_t b, char *buf, size_t len)
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

static int64_t created_ns(const char *s)
{
    struct tm tm = { 0 };
    const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    return p ? (int64_t)timegm(&tm) * 1000000000 : 0;
}

size_t history_rows(const struct image *img, struct history_row **out)
{
    yajl_val h = json_get(img->config, "history");
    size_t n = YAJL_IS_ARRAY(h) ? h->u.array.len : 0;
    struct history_row *v = xcalloc(n + 1, sizeof(*v));
    /* layer index of each history entry (empty_layer ones have none) */
    size_t layer = 0;
    for (size_t i = 0; i < n; i++) {
        yajl_val e = h->u.array.values[i];
        bool empty = false;
        json_get_bool(e, "empty_layer", &empty);
        struct history_row *row = &v[n - 1 - i]; /* newest first */
        if (!empty && layer < img->n_layers)
            row->size = img->layers[layer].usize;
        layer += !empty;
        row->created = json_get_str(e, "created");
        row->created_ns = created_ns(row->created);
        row->created_by = json_get_str(e, "created_by");
        row->comment = json_get_str(e, "comment");
        row->top = i == n - 1;
    }
    *out = v;
    return n;
}

static int history_print(const struct image *img, bool quiet, bool no_trunc, struct fmt *fm,
                         rbox_err **err)
{
    int r = 0;
    _cleanup_free_ struct history_row *v = NULL;
    size_t n = history_rows(img, &v);
    if (!quiet && fm->kind == FMT_DEFAULT)
        printf("%-12s   %-18s %-45s %-10s %s\n", "IMAGE", "CREATED", "CREATED BY", "SIZE",
               "COMMENT");
    int64_t now = now_ns_realtime();
    for (size_t i = 0; r == 0 && i < n; i++) {
        _cleanup_free_ char *id =
            v[i].top ? (no_trunc ? xasprintf("sha256:%s", img->id) : xstrndup(img->id, 12))
                     : xstrdup("<missing>");
        if (quiet) {
            printf("%s\n", id);
            continue;
        }
        char dur[64], size[32];
        human_duration(now - v[i].created_ns, dur, sizeof(dur));
        size_text(v[i].size, size, sizeof(size));
        _cleanup_free_ char *cut = xstrdup(v[i].created_by ? v[i].created_by : "");
        if (!no_trunc && strlen(cut) > 45)
            strcpy(cut + 42, "...");
        const char *comment = v[i].comment ? v[i].comment : "";
        _cleanup_free_ char *ago = xasprintf("%s ago", dur);
        if (fm->kind == FMT_DEFAULT) {
            printf("%-12s   %-18s %-45s %-10s %s\n", id, ago, cut, size, comment);
            continue;
        }
        json_w w;
        jw_init(&w, false);
        jw_obj_open(&w);
        jw_kstr(&w, "ID", id);
        jw_kstr(&w, "CreatedSince", ago);
        jw_kstr(&w, "CreatedAt", v[i].created ? v[i].created : "");
        jw_kstr(&w, "CreatedBy", cut);
        jw_kstr(&w, "Size", size);
        jw_kstr(&w, "Comment", comment);
        jw_obj_close(&w);
        if (fm->kind == FMT_JSON)
            printf("%s\n", jw_text(&w, NULL));
        else
            r = fmt_row_text(fm, jw_text(&w, NULL), err);
        jw_free(&w);
    }
    if (r == 0 && fm->kind == FMT_TEMPLATE)
        fmt_print(fm, stdout);
    return r;
}

int cmd_image_history(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "quiet", 'q', false, 1 },
                                        { "no-trunc", 0, false, 2 },
                                        { "format", 0, true, 3 },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox history", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[4] = { false };
    const char *format = "table";
    struct fmt fm = { 0 };
    int r = margs_bools(&p, opts, f, 3, &format, &err);
    if (r == 0)
        r = margs_require(&p, 1, 1, "an IMAGE", &err);
    bool fm_ok = false;
    if (r == 0 && (r = fmt_init(&fm, format, history_headers, &err)) == 0)
        fm_ok = true;
    struct image img = { 0 };
    if (r == 0)
        r = image_resolve(c->s, margs_at(&p, 0), &img, &err);
    margs_free(&p);
    if (r == 0)
        r = history_print(&img, f[1], f[2], &fm, &err);
    image_clear(&img);
    if (fm_ok)
        fmt_clear(&fm);
    if (r == MOPT_HELP)
        return cmd_help(history_usage);
    return r < 0 ? cmd_fail(err) : 0;
}

int cmd_image_prune(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "all", 'a', false, 1 },
                                        { "force", 'f', false, 2 },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox image prune", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[3] = { false };
    int r = margs_bools(&p, opts, f, 0, NULL, &err);
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments", &err);
    margs_free(&p);
    if (r == MOPT_HELP)
        return cmd_help(prune_usage);
    if (r < 0)
        return cmd_fail(err);
    if (!f[2]) {
        fprintf(stderr,
                "WARNING! This will remove all %s.\nAre you sure you want to continue? "
                "[y/N] ",
                f[1] ? "images without at least one container associated to them"
                     : "dangling images");
        fflush(stderr);
        char line[16] = "";
        if (fgets(line, sizeof(line), stdin) == NULL || (line[0] != 'y' && line[0] != 'Y'))
            return 0;
    }
    uint64_t freed = 0;
    r = image_prune(c->s, f[1], &freed, &err);
    store_unlock(c->s);
    if (r < 0)
        return cmd_fail(err);
    char size[32];
    size_text(freed, size, sizeof(size));
    printf("Total reclaimed space: %s\n", size);
    return 0;
}

int cmd_image_load(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "input", 'i', true, 1 },
                                        { "quiet", 'q', false, 2 },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox load", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[3] = { false };
    const char *input = NULL;
    int r = margs_bools(&p, opts, f, 1, &input, &err);
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments (the archive comes from stdin or -i FILE)", &err);
    margs_free(&p);
    if (r == MOPT_HELP)
        return cmd_help(load_usage);
    if (r < 0)
        return cmd_fail(err);
    int out = -1;
    if (f[2]) { /* -q: the "Loaded image" lines go nowhere */
        fflush(stdout);
        out = dup(STDOUT_FILENO);
        int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (nul >= 0) {
            dup2(nul, STDOUT_FILENO);
            close(nul);
        }
    }
    r = image_load_archive(c->s, input, &err);
    if (out >= 0) {
        fflush(stdout);
        dup2(out, STDOUT_FILENO);
        close(out);
    }
    return r < 0 ? cmd_fail(err) : 0;
}

int cmd_image_save(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "output", 'o', true, 1 },
                                        { "format", 0, true, 2 },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox save", .interspersed = true
    };
    rbox_err *err = NULL;
    const char *output = NULL, *format = "docker-archive", *arg;
    int r;
    while ((r = margs_next(&p, opts, &arg, &err)) > 0 && r != MOPT_HELP) {
        if (r == 1)
            output = arg;
        else
            format = arg;
    }
    if (r == 0)
        r = margs_require(&p, 1, -1, "at least one IMAGE", &err);
    if (r == 0 && strcmp(format, "docker-archive") != 0 && strcmp(format, "oci-archive") != 0)
        r = rbox_error(&err, 0,
                       "invalid value \"%s\" for --format: expected docker-archive or "
                       "oci-archive",
                       format);
    if (r == 0 && output == NULL && isatty(STDOUT_FILENO))
        r = rbox_error(&err, 0,
                       "refusing to write an archive to a terminal: use -o FILE or a redirection");
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(save_usage) : cmd_fail(err);
    }
    _cleanup_strv_ char **refs = xcalloc(1, sizeof(char *));
    size_t n = 0;
    for (int k = 0; k < margs_count(&p); k++)
        strv_push(&refs, &n, xstrdup(margs_at(&p, k)));
    margs_free(&p);
    _cleanup_free_ char *tmp = output ? xasprintf("%s.tmp.%d", output, (int)getpid()) : NULL;
    _cleanup_close_ int fd = tmp ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    if (tmp && fd < 0) {
        rbox_error(&err, errno, "creating %s", output);
        return cmd_fail(err);
    }
    r = image_save_archive(c->s, (const char *const *)refs, strcmp(format, "oci-archive") == 0,
                           tmp ? fd : STDOUT_FILENO, &err);
    if (r == 0 && tmp && (fsync(fd) < 0 || rename(tmp, output) < 0))
        r = rbox_error(&err, errno, "writing %s", output);
    if (r < 0 && tmp)
        unlink(tmp);
    return r < 0 ? cmd_fail(err) : 0;
}
