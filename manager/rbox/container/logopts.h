/* logopts.h - --log-driver and --log-opt of run/create: the container log's rotation (docker's
 * json-file options, on rbox's k8s-file log): max-size=SIZE (rotate when ctr.log reaches it),
 * max-file=N (keep N files: ctr.log and ctr.log.1 .. ctr.log.N-1; 1 truncates). rbox.conf's
 * log_max_size and log_max_file are the defaults. rbox-monitor rotates; rbox logs reads the
 * files oldest first. */
#ifndef RBOX_LOGOPTS_H
#define RBOX_LOGOPTS_H

#include "error.h"
#include "json.h"
#include <stdbool.h>
#include <stdint.h>

struct log_opts {
    int64_t max_size; /* bytes; 0: no rotation */
    int max_file;     /* files kept (>= 1) */
    bool given;       /* a --log-opt was given (else rbox.conf's defaults apply) */
};

/* "log-opt" K=V or "log-driver" D; false when name is neither. */
bool log_opts_flag(struct log_opts *o, const char *name, const char *v, rbox_err **err, int *rc);
/* Once all flags are parsed: the defaults, and max-file without max-size refused. */
int log_opts_finish(struct log_opts *o, rbox_err **err);

void log_opts_save(json_w *w, const struct log_opts *o);
void log_opts_load(yajl_val v, struct log_opts *o);
/* inspect HostConfig.LogConfig (docker's {"Type", "Config": {"max-size", "max-file"}}). */
void log_opts_inspect(json_w *w, const struct log_opts *o);

#endif
