/* volume_filter.h - rbox volume ls --filter KEY=VALUE as docker's: name= (equal, or a regular
 * expression found in the name), label=KEY or KEY=VALUE (every one must hold), dangling=true|
 * false (no container uses it), driver=local. Values of one key are ORed, keys ANDed. */
#ifndef RBOX_VOLUME_FILTER_H
#define RBOX_VOLUME_FILTER_H

#include "kv_filter.h"
#include "store.h"
#include "volume.h"

struct vol_filter {
    struct kv_filter kv;
};

int vf_add(struct vol_filter *f, const char *arg, rbox_err **err);
bool vf_match(const struct vol_filter *f, struct store *s, const struct volume *v);
void vf_clear(struct vol_filter *f);

#endif
