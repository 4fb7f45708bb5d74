/* df.c - rbox system df [-v] and rbox system prune [-a] [-f] [--volumes]: what the store's
 * images, containers and volumes take, and removing what nothing uses, as docker does. */
#define _GNU_SOURCE
#include "ctr.h"
#include "du.h"
#include "format.h"
#include "image.h"
#include "json.h"
#include "mcli.h"
#include "util.h"
#include "volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void human_duration(int64_t ns, char *buf, size_t len);                           /* ps.c */
void status_text(const struct ctr_state *st, int64_t now, char *buf, size_t len); /* ps.c */

static const char df_usage[] =
    "Usage: rbox system df [OPTIONS]\n"
    "\n"
    "Show the disk space of images, containers (their overlay upper dirs) and local volumes:\n"
    "TYPE TOTAL ACTIVE SIZE RECLAIMABLE, as docker system df.\n"
    "\n"
    "Options:\n"
    "  -v, --verbose    one table per type, a row per image, container and volume\n"
    "      --format F   json (one object per type), a Go template over .Type .TotalCount\n"
    "                   .Active .Size .Reclaimable, or 'table TEMPLATE'\n";

static const char prune_usage[] =
    "Usage: rbox system prune [OPTIONS]\n"
    "\n"
    "Remove every stopped container, the images no container uses (untagged ones only,\n"
    "unless --all) and, with --volumes, every volume no container uses. Asks first unless\n"
    "--force.\n"
    "\n"
    "Options:\n"
    "  -a, --all       remove every image no container uses, not only untagged ones\n"
    "  -f, --force     do not ask for confirmation\n"
    "      --volumes   remove the volumes no container uses too\n";

static const char *const df_headers[] = { "Type",        "TYPE",        "TotalCount", "TOTAL",
                                          "Active",      "ACTIVE",      "Size",       "SIZE",
                                          "Reclaimable", "RECLAIMABLE", NULL };

/* The store at one moment: containers (with their upper dir sizes), images, volumes. */
struct usage {
    struct ctr_state *ctr;
    uint64_t *ctr_size;
    size_t nctr;
    struct image *img;
    size_t nimg;
    char **vol;
    uint64_t *vol_size;
    size_t *vol_links;
    size_t nvol;
};

static int newest_first(const void *a, const void *b)
{
    const struct ctr_state *x = a, *y = b;
    return x->created_ns < y->created_ns ? 1 : x->created_ns > y->created_ns ? -1 : 0;
}

static void usage_load(struct store *s, struct usage *u)
{
    memset(u, 0, sizeof(*u));
    _cleanup_strv_ char **ids = NULL;
    size_t n = 0;
    if (ctr_list_ids(s, &ids, &n, NULL) == 0) {
        u->ctr = xcalloc(n + 1, sizeof(*u->ctr));
        u->ctr_size = xcalloc(n + 1, sizeof(*u->ctr_size));
        for (size_t i = 0; i < n; i++) {
            if (ctr_read(s, ids[i], &u->ctr[u->nctr], NULL) < 0)
                continue;
            _cleanup_free_ char *diff = ctr_path(s, ids[i], "diff");
            u->ctr_size[u->nctr++] = dir_usage(diff);
        }
    }
    /* newest first, as ps (the sizes move with their containers) */
    for (size_t i = 1; i < u->nctr; i++)
        for (size_t k = i; k > 0 && newest_first(&u->ctr[k - 1], &u->ctr[k]) > 0; k--) {
            struct ctr_state t = u->ctr[k];
            uint64_t z = u->ctr_size[k];
            u->ctr[k] = u->ctr[k - 1];
            u->ctr_size[k] = u->ctr_size[k - 1];
            u->ctr[k - 1] = t;
            u->ctr_size[k - 1] = z;
        }
    if (image_list(s, &u->img, &u->nimg, NULL) < 0)
        u->nimg = 0;
    if (volume_list(s, &u->vol, &u->nvol, NULL) < 0)
        u->nvol = 0;
    u->vol_size = xcalloc(u->nvol + 1, sizeof(*u->vol_size));
    u->vol_links = xcalloc(u->nvol + 1, sizeof(*u->vol_links));
    for (size_t i = 0; i < u->nvol; i++) {
        _cleanup_free_ char *data = volume_data_path(s, u->vol[i]);
        u->vol_size[i] = dir_usage(data);
        _cleanup_strv_ char **users = NULL;
        size_t running;
        if (volume_users(s, u->vol[i], &users, &u->vol_links[i], &running, NULL) < 0)
            u->vol_links[i] = 0;
    }
}

static void usage_clear(struct usage *u)
{
    for (size_t i = 0; i < u->nimg; i++)
        image_clear(&u->img[i]);
    free(u->img);
    free(u->ctr);
    free(u->ctr_size);
    strv_free(u->vol);
    free(u->vol_size);
    free(u->vol_links);
}

static size_t image_containers(const struct usage *u, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < u->nctr; i++)
        n += strcmp(u->ctr[i].image_id, id) == 0;
    return n;
}

static bool ctr_active(const struct ctr_state *st)
{
    return st->status == CS_RUNNING || st->status == CS_PAUSED;
}

/* docker's RECLAIMABLE: "1.2MB (40%)", without the share when the total is 0 */
static void reclaimable(uint64_t r, uint64_t total, char *buf, size_t len)
{
    char h[32];
    human_size(r, 4, h, sizeof(h));
    if (total)
        snprintf(buf, len, "%s (%llu%%)", h, (unsigned long long)(r * 100 / total));
    else
        snprintf(buf, len, "%s", h);
}

static void df_row(json_w *w, const char *type, size_t total, size_t active, uint64_t size,
                   uint64_t recl)
{
    char sz[32], rc[48];
    human_size(size, 4, sz, sizeof(sz));
    reclaimable(recl, size, rc, sizeof(rc));
    jw_obj_open(w);
    jw_kstr(w, "Type", type);
    jw_kint(w, "TotalCount", (long long)total);
    jw_kint(w, "Active", (long long)active);
    jw_kstr(w, "Size", sz);
    jw_kstr(w, "Reclaimable", rc);
    jw_obj_close(w);
}

/* The three summary rows, as JSON objects (the table is made from them too). */
static char **df_rows(const struct usage *u)
{
    char **rows = xcalloc(4, sizeof(char *));
    uint64_t size = 0, recl = 0;
    size_t active = 0;
    for (size_t i = 0; i < u->nimg; i++) {
        bool used = image_containers(u, u->img[i].id) > 0;
        size += u->img[i].size;
        recl += used ? 0 : u->img[i].size;
        active += used;
    }
    json_w w;
    for (int k = 0; k < 3; k++) {
        jw_init(&w, false);
        if (k == 0) {
            df_row(&w, "Images", u->nimg, active, size, recl);
        } else if (k == 1) {
            size = recl = 0;
            active = 0;
            for (size_t i = 0; i < u->nctr; i++) {
                size += u->ctr_size[i];
                recl += ctr_active(&u->ctr[i]) ? 0 : u->ctr_size[i];
                active += ctr_active(&u->ctr[i]);
            }
            df_row(&w, "Containers", u->nctr, active, size, recl);
        } else {
            size = recl = 0;
            active = 0;
            for (size_t i = 0; i < u->nvol; i++) {
                size += u->vol_size[i];
                recl += u->vol_links[i] ? 0 : u->vol_size[i];
                active += u->vol_links[i] > 0;
            }
            df_row(&w, "Local Volumes", u->nvol, active, size, recl);
        }
        rows[k] = xstrdup(jw_text(&w, NULL));
        jw_free(&w);
    }
    return rows;
}

static void df_verbose(struct store *s, const struct usage *u)
{
    (void)s;
    int64_t now = now_ns_realtime();
    char *buf = NULL;
    size_t len = 0;
    FILE *t = open_memstream(&buf, &len);
    fprintf(t, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS\n");
    for (size_t i = 0; i < u->nimg; i++) {
        char dur[64], sz[32];
        human_duration(now - u->img[i].created_ns, dur, sizeof(dur));
        human_size(u->img[i].size, 4, sz, sizeof(sz));
        size_t ntags = strv_len(u->img[i].tags);
        for (size_t k = 0; k < (ntags ? ntags : 1); k++) {
            _cleanup_free_ char *repo =
                ntags ? image_familiar(u->img[i].tags[k]) : xstrdup("<none>:<none>");
            char *colon = strrchr(repo, ':');
            *colon = '\0';
            fprintf(t, "%s\t%s\t%.12s\t%s ago\t%s\t0B\t%s\t%zu\n", repo, colon + 1, u->img[i].id,
                    dur, sz, sz, image_containers(u, u->img[i].id));
        }
    }
    fclose(t);
    printf("Images space usage:\n\n");
    tabwrite(buf, len, stdout);
    free(buf);
    t = open_memstream(&buf, &len);
    fprintf(t, "CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES\n");
    for (size_t i = 0; i < u->nctr; i++) {
        const struct ctr_state *st = &u->ctr[i];
        char dur[64], sz[32], status[128];
        human_duration(now - st->created_ns, dur, sizeof(dur));
        human_size(u->ctr_size[i], 4, sz, sizeof(sz));
        status_text(st, now, status, sizeof(status));
        _cleanup_strv_ char **vols = volume_names_of(s, st->id);
        if (strlen(st->command) > 20)
            fprintf(t, "%.12s\t%s\t\"%.19s…\"", st->id, st->image, st->command);
        else
            fprintf(t, "%.12s\t%s\t\"%s\"", st->id, st->image, st->command);
        fprintf(t, "\t%zu\t%s\t%s ago\t%s\t%s\n", strv_len(vols), sz, dur, status, st->name);
    }
    fclose(t);
    printf("\nContainers space usage:\n\n");
    tabwrite(buf, len, stdout);
    free(buf);
    t = open_memstream(&buf, &len);
    fprintf(t, "VOLUME NAME\tLINKS\tSIZE\n");
    for (size_t i = 0; i < u->nvol; i++) {
        char sz[32];
        human_size(u->vol_size[i], 4, sz, sizeof(sz));
        fprintf(t, "%s\t%zu\t%s\n", u->vol[i], u->vol_links[i], sz);
    }
    fclose(t);
    printf("\nLocal Volumes space usage:\n\n");
    tabwrite(buf, len, stdout);
    free(buf);
}

int cmd_system_df(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "verbose", 'v', false, 1 },
                                        { "format", 0, true, 2 },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox system df", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[3] = { false };
    const char *format = NULL;
    struct fmt fm;
    int r = margs_bools(&p, opts, f, 2, &format, &err);
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments", &err);
    margs_free(&p);
    if (r == 0)
        r = fmt_init(&fm, format, df_headers, &err);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(df_usage) : cmd_fail(err);
    struct usage u;
    usage_load(c->s, &u);
    if (f[1] && fm.kind == FMT_DEFAULT) {
        df_verbose(c->s, &u);
        usage_clear(&u);
        fmt_clear(&fm);
        return 0;
    }
    _cleanup_strv_ char **rows = df_rows(&u);
    usage_clear(&u);
    if (fm.kind == FMT_DEFAULT) {
        fmt_clear(&fm);
        /* docker's own table: the same template as 'table {{.Type}}\t...' */
        if (fmt_init(&fm,
                     "table {{.Type}}\\t{{.TotalCount}}\\t{{.Active}}\\t{{.Size}}\\t"
                     "{{.Reclaimable}}",
                     df_headers, &err) < 0)
            return cmd_fail(err);
    }
    for (size_t i = 0; rows[i] && r == 0; i++)
        if (fm.kind == FMT_JSON)
            printf("%s\n", rows[i]);
        else
            r = fmt_row_text(&fm, rows[i], &err);
    if (r == 0)
        fmt_print(&fm, stdout);
    fmt_clear(&fm);
    return r < 0 ? cmd_fail(err) : 0;
}

/* ---- system prune ---- */

static void prune_containers(struct store *s, struct usage *u, uint64_t *freed, int *ret)
{
    bool header = false;
    for (size_t i = 0; i < u->nctr; i++) {
        const struct ctr_state *st = &u->ctr[i];
        rbox_err *err = NULL;
        if (ctr_active(st) || st->monitor_pid)
            continue;
        if (ctr_remove(s, st->id, false, &err) < 0) {
            *ret = cmd_fail(err);
            continue;
        }
        if (!header)
            printf("Deleted Containers:\n");
        header = true;
        printf("%s\n", st->id);
        *freed += u->ctr_size[i];
        u->ctr[i].image_id[0] = '\0'; /* gone: its image is free now */
    }
    if (header)
        printf("\n");
}

static void prune_volumes(struct store *s, struct usage *u, uint64_t *freed, int *ret)
{
    bool header = false;
    for (size_t i = 0; i < u->nvol; i++) {
        rbox_err *err = NULL;
        _cleanup_strv_ char **users = NULL;
        size_t n, running;
        if (volume_users(s, u->vol[i], &users, &n, &running, &err) < 0) {
            *ret = cmd_fail(err);
            continue;
        }
        if (n)
            continue;
        if (volume_remove(s, u->vol[i], false, &err) < 0) {
            *ret = cmd_fail(err);
            continue;
        }
        if (!header)
            printf("Deleted Volumes:\n");
        header = true;
        printf("%s\n", u->vol[i]);
        *freed += u->vol_size[i];
    }
    if (header)
        printf("\n");
}

static void prune_images(struct store *s, struct usage *u, bool all, uint64_t *freed, int *ret)
{
    bool header = false;
    for (size_t i = 0; i < u->nimg; i++) {
        const struct image *img = &u->img[i];
        if (image_containers(u, img->id) || (!all && strv_len(img->tags)))
            continue;
        if (!header)
            printf("Deleted Images:\n");
        header = true;
        rbox_err *err = NULL;
        if (image_remove(s, img->id, false, &err) < 0) {
            *ret = cmd_fail(err);
            continue;
        }
        *freed += img->size;
    }
    if (header)
        printf("\n");
}

int cmd_system_prune(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "all", 'a', false, 1 },
                                        { "force", 'f', false, 2 },
                                        { "volumes", 0, false, 3 },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox system prune", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[4] = { false };
    int r = margs_bools(&p, opts, f, 0, NULL, &err);
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments", &err);
    margs_free(&p);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(prune_usage) : cmd_fail(err);
    if (!f[2]) {
        _cleanup_free_ char *warn =
            xasprintf("This will remove:\n  - all stopped containers\n%s  - %s\n",
                      f[3] ? "  - all volumes not used by at least one container\n" : "",
                      f[1] ? "all images without at least one container associated to them"
                           : "all dangling images");
        if (!cmd_confirm(warn))
            return 0;
    }
    struct usage u;
    usage_load(c->s, &u);
    uint64_t freed = 0;
    int ret = 0;
    prune_containers(c->s, &u, &freed, &ret);
    if (f[3])
        prune_volumes(c->s, &u, &freed, &ret);
    prune_images(c->s, &u, f[1], &freed, &ret);
    usage_clear(&u);
    char h[32];
    human_size(freed, 4, h, sizeof(h));
    printf("Total reclaimed space: %s\n", h);
    return ret;
}
