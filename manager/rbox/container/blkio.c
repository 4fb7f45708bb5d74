/* blkio.c - --blkio-weight and --blkio-weight-device (blkio.h). */
#define _GNU_SOURCE
#include "blkio.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

void blkio_clear(struct blkio_opts *o)
{
    for (size_t i = 0; i < o->n_dev; i++)
        free(o->dev[i].path);
    free(o->dev);
    memset(o, 0, sizeof(*o));
}

static int parse_weight(const char *v, int *out)
{
    int n;
    if (parse_int(v, &n) < 0 || n < 0 || (n > 0 && (n < 10 || n > 1000)))
        return -1;
    *out = n;
    return 0;
}

static int parse_device(struct blkio_opts *o, const char *v, rbox_err **err)
{
    const char *colon = strrchr(v, ':');
    if (!colon || !str_has_prefix(v, "/dev/"))
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --blkio-weight-device: expected "
                          "/dev/DEVICE:WEIGHT",
                          v);
    int weight;
    if (parse_weight(colon + 1, &weight) < 0)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --blkio-weight-device: the weight is 10 to "
                          "1000 (0: none)",
                          v);
    _cleanup_free_ char *path = xstrndup(v, (size_t)(colon - v));
    struct stat sb;
    if (stat(path, &sb) < 0)
        return rbox_error(err, errno, "invalid value \"%s\" for --blkio-weight-device: %s", v,
                          path);
    if (!S_ISBLK(sb.st_mode))
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --blkio-weight-device: %s is not a block "
                          "device",
                          v, path);
    o->dev = xrealloc(o->dev, (o->n_dev + 1) * sizeof(*o->dev));
    o->dev[o->n_dev++] = (struct blkio_dev){ .path = xstrdup(path),
                                             .major = major(sb.st_rdev),
                                             .minor = minor(sb.st_rdev),
                                             .weight = weight };
    return 0;
}

bool blkio_flag(struct blkio_opts *o, const char *name, const char *v, rbox_err **err, int *rc)
{
    *rc = 0;
    if (str_eq(name, "blkio-weight")) {
        if (parse_weight(v, &o->weight) < 0)
            *rc = rbox_error(err, 0,
                             "invalid value \"%s\" for --blkio-weight: the range is 10 to 1000 "
                             "(0: none)",
                             v);
        return true;
    }
    if (str_eq(name, "blkio-weight-device")) {
        *rc = parse_device(o, v, err);
        return true;
    }
    return false;
}

/* Where rbox-runtime would write: cgroup v1's blkio hierarchy, else cgroup v2's io controller. */
static bool host_has(bool device)
{
    if (access("/sys/fs/cgroup/blkio", F_OK) == 0)
        return access(device ? "/sys/fs/cgroup/blkio/blkio.weight_device"
                             : "/sys/fs/cgroup/blkio/blkio.weight",
                      F_OK) == 0 ||
               access(device ? "/sys/fs/cgroup/blkio/blkio.bfq.weight_device"
                             : "/sys/fs/cgroup/blkio/blkio.bfq.weight",
                      F_OK) == 0;
    _cleanup_free_ char *ctl = NULL;
    if (read_file_at(AT_FDCWD, "/sys/fs/cgroup/cgroup.controllers", &ctl, NULL) < 0)
        return false;
    for (char *save = NULL, *w = strtok_r(ctl, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
        if (strcmp(w, "io") == 0)
            return true;
    return false;
}

static void note(char ***notes, const char *text)
{
    size_t n = strv_len(*notes);
    strv_push(notes, &n, xstrdup(text));
}

void blkio_finish(struct blkio_opts *o, char ***notes)
{
    if (o->weight && !host_has(false)) {
        o->weight = 0;
        note(notes, "Your kernel does not support Block I/O weight or the cgroup is not mounted. "
                    "Weight discarded.");
    }
    bool any = false;
    for (size_t i = 0; i < o->n_dev; i++)
        any |= o->dev[i].weight > 0;
    if (o->n_dev && (!any || !host_has(true))) {
        if (any)
            note(notes, "Your kernel does not support Block I/O weight_device or the cgroup is "
                        "not mounted. Weight-device discarded.");
        for (size_t i = 0; i < o->n_dev; i++)
            free(o->dev[i].path);
        free(o->dev);
        o->dev = NULL;
        o->n_dev = 0;
    }
}

static void devices(json_w *w, const struct blkio_opts *o, bool inspect)
{
    jw_arr_open(w);
    for (size_t i = 0; i < o->n_dev; i++) {
        jw_obj_open(w);
        if (inspect) {
            jw_kstr(w, "Path", o->dev[i].path);
            jw_kint(w, "Weight", o->dev[i].weight);
        } else {
            jw_kstr(w, "path", o->dev[i].path);
            jw_kint(w, "major", o->dev[i].major);
            jw_kint(w, "minor", o->dev[i].minor);
            jw_kint(w, "weight", o->dev[i].weight);
        }
        jw_obj_close(w);
    }
    jw_arr_close(w);
}

void blkio_save(json_w *w, const struct blkio_opts *o)
{
    jw_key(w, "blkio");
    jw_obj_open(w);
    jw_kint(w, "weight", o->weight);
    jw_key(w, "devices");
    devices(w, o, false);
    jw_obj_close(w);
}

void blkio_load(yajl_val v, struct blkio_opts *o)
{
    memset(o, 0, sizeof(*o));
    int64_t n;
    if (json_get_i64(v, "weight", &n) && n >= 0 && n <= 1000)
        o->weight = (int)n;
    yajl_val d = json_get(v, "devices");
    for (size_t i = 0; YAJL_IS_ARRAY(d) && i < d->u.array.len; i++) {
        yajl_val e = d->u.array.values[i];
        struct blkio_dev x = { 0 };
        int64_t wt = 0;
        const char *path = json_get_str(e, "path");
        if (!path || !json_get_i64(e, "major", &x.major) || !json_get_i64(e, "minor", &x.minor))
            continue;
        json_get_i64(e, "weight", &wt);
        x.weight = (int)wt;
        x.path = xstrdup(path);
        o->dev = xrealloc(o->dev, (o->n_dev + 1) * sizeof(*o->dev));
        o->dev[o->n_dev++] = x;
    }
}

void blkio_bundle(json_w *w, const struct blkio_opts *o)
{
    if (!o->weight && !o->n_dev)
        return;
    jw_key(w, "blockIO");
    jw_obj_open(w);
    if (o->weight)
        jw_kint(w, "weight", o->weight);
    if (o->n_dev) {
        jw_key(w, "weightDevice");
        jw_arr_open(w);
        for (size_t i = 0; i < o->n_dev; i++) {
            jw_obj_open(w);
            jw_kint(w, "major", o->dev[i].major);
            jw_kint(w, "minor", o->dev[i].minor);
            jw_kint(w, "weight", o->dev[i].weight);
            jw_obj_close(w);
        }
        jw_arr_close(w);
    }
    jw_obj_close(w);
}

void blkio_inspect(json_w *w, const struct blkio_opts *o)
{
    jw_kint(w, "BlkioWeight", o->weight);
    jw_key(w, "BlkioWeightDevice");
    devices(w, o, true);
}
