/* blkio.h - run/create --blkio-weight N and --blkio-weight-device PATH:N (docker's): the OCI
 * config's linux.resources.blockIO (weight, weightDevice), which rbox-runtime writes to
 * blkio.weight / blkio.bfq.weight (v1) or io.bfq.weight / io.weight (v2). On a host whose
 * cgroups have no such file, docker's answer: a one-line warning, the weight is discarded and
 * the container runs. inspect: HostConfig.BlkioWeight, BlkioWeightDevice. */
#ifndef RBOX_BLKIO_H
#define RBOX_BLKIO_H

#include "error.h"
#include "json.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blkio_dev {
    char *path;
    int64_t major, minor;
    int weight;
};

struct blkio_opts {
    int weight; /* 10..1000; 0: unset */
    struct blkio_dev *dev;
    size_t n_dev;
};
void blkio_clear(struct blkio_opts *o);

/* "blkio-weight" or "blkio-weight-device"; false when name is neither. */
bool blkio_flag(struct blkio_opts *o, const char *name, const char *v, rbox_err **err, int *rc);
/* Once the flags are parsed: what this host's cgroups cannot apply is discarded, with a
 * warning line in *notes (docker's words). */
void blkio_finish(struct blkio_opts *o, char ***notes);

void blkio_save(json_w *w, const struct blkio_opts *o);
void blkio_load(yajl_val v, struct blkio_opts *o);
/* The bundle: "blockIO" in linux.resources (nothing when unset). */
void blkio_bundle(json_w *w, const struct blkio_opts *o);
/* inspect HostConfig: BlkioWeight, BlkioWeightDevice [{Path, Weight}] */
void blkio_inspect(json_w *w, const struct blkio_opts *o);

#endif
