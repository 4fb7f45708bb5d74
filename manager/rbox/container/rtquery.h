/* rtquery.h - rbox-runtime verbs whose output rbox reads (events --stats, ps --format json). */
#ifndef RBOX_RTQUERY_H
#define RBOX_RTQUERY_H

#include "store.h"

/* rbox-runtime --root <runroot>/runtime ARGS...: *out = its stdout (NUL-terminated, to free)
 * on success; else err holds its error line. */
int rt_output(const struct store *s, const char *const *args, char **out, rbox_err **err);

#endif
