/* network_filter.h - rbox network ls --filter KEY=VALUE as docker's: name=, id= (equal, or a
 * regular expression found in it), driver=bridge, label=KEY or KEY=VALUE (every one must hold),
 * dangling=true|false (no container is attached), type=custom|builtin. Values of one key are
 * ORed, keys ANDed. */
#ifndef RBOX_NETWORK_FILTER_H
#define RBOX_NETWORK_FILTER_H

#include "kv_filter.h"
#include "network.h"
#include "store.h"

struct net_filter {
    struct kv_filter kv;
};

int nf_add(struct net_filter *f, const char *arg, rbox_err **err);
bool nf_match(const struct net_filter *f, struct store *s, const struct network *n);
void nf_clear(struct net_filter *f);

#endif
