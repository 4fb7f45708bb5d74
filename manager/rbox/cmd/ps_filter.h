/* ps_filter.h - rbox ps --filter KEY=VALUE, docker's keys and semantics: values of one key
 * are ORed, different keys ANDed (label: every value must hold, as docker's). */
#ifndef RBOX_PS_FILTER_H
#define RBOX_PS_FILTER_H

#include "store.h"

struct psf_term;
struct ps_filter {
    struct psf_term *t;
    size_t n;
    int64_t before_ns, since_ns; /* resolved by psf_prepare (0: none) */
    char **ancestor_ids;         /* image IDs the ancestor values name */
    bool need_spec;              /* label or volume: config.json is read */
};

/* One --filter value; a bad key or value is one error line. */
int psf_add(struct ps_filter *f, const char *arg, rbox_err **err);
/* status= lists every container (docker: the filter implies --all). */
bool psf_implies_all(const struct ps_filter *f);
/* Resolve before=/since= (containers) and ancestor= (images). */
int psf_prepare(struct ps_filter *f, struct store *s, rbox_err **err);
bool psf_match(const struct ps_filter *f, struct store *s, const struct ctr_state *st);
void psf_clear(struct ps_filter *f);

/* label=KEY or KEY=VALUE against K=V labels (ps, volume ls). */
bool filter_labels_match(char *const *labels, const char *want);

#endif
