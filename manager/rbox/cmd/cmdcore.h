/* cmdcore.h - the parts of the commands that the API service (api/) calls too, so that both
 * front ends share one implementation: create's flag parsing, inspect's JSON, ps's listing,
 * logs' reader, rename. */
#ifndef RBOX_CMDCORE_H
#define RBOX_CMDCORE_H

#include "image.h"
#include "json.h"
#include "spec.h"
#include "store.h"
#include <stdint.h>
#include <stdio.h>

/* run.c: `rbox create ARGS...` parsed and checked into spec and img (nothing is created);
 * argv[0] is the command name. MOPT_HELP for --help. */
int create_parse_args(struct store *s, int argc, char **argv, struct ctr_spec *spec,
                      struct image *img, rbox_err **err);

/* ps.c: a container's inspect object (rbox inspect's). */
int inspect_container(struct store *s, const char *id, json_w *w, rbox_err **err);
/* ps.c: every container's state (running ones unless all). */
int ps_load_all(struct store *s, bool all, struct ctr_state **out, size_t *n, rbox_err **err);
/* ps.c: the STATUS column ("Up 5 seconds", "Exited (0) 2 minutes ago"). */
void status_text(const struct ctr_state *st, int64_t now, char *buf, size_t len);

/* logs.c: rbox logs into two streams (out: the container's stdout, err: its stderr); a
 * follow ends when the container stops or writing to out or err fails. */
struct logs_req {
    bool follow, timestamps;
    int64_t since; /* ns since the epoch, 0: all */
    long tail;     /* -1: all */
};
int logs_write(struct store *s, const char *id, const struct logs_req *q, FILE *out, FILE *err,
               rbox_err **e);

/* network.c: a network's inspect object (rbox network inspect's). */
struct network;
void network_inspect_json(struct store *s, json_w *w, const struct network *n);

/* volume.c: a volume's inspect object (rbox volume inspect's). */
struct volume;
void volume_json(json_w *w, const struct volume *v);

/* top.c: docker top's answer for a running container ({"Titles", "Processes"}). */
int top_json(struct store *s, const char *id, json_w *w, rbox_err **err);

/* stats.c: one sample of a running container's counters (ok false when not running). */
struct stats_sample {
    bool ok;
    uint64_t t_ns, cpu_ns;
    uint64_t mem, limit, peak, pids, blk_read, blk_write;
};
void stats_sample(struct store *s, const char *id, struct stats_sample *out);

/* ctl.c: rename a container (the name checked as rbox rename's). */
int ctr_rename(struct store *s, const char *id, const char *name, rbox_err **err);

/* imagecmd.c: rbox history's rows, newest first (strings point into img's config); top: the
 * image's own entry (the others are "<missing>"). Free *out. */
struct history_row {
    const char *created, *created_by, *comment; /* the image config's strings */
    int64_t created_ns;
    uint64_t size;
    bool top;
};
size_t history_rows(const struct image *img, struct history_row **out);

/* commitcmd.c: lstat of path in the container ref (running or not), resolved as rbox cp
 * resolves it (inside its root); link gets a symlink's target. */
struct stat;
int ctr_path_stat(struct store *s, const char *ref, const char *path, struct stat *st, char *link,
                  size_t linklen, rbox_err **err);

/* events.c: the store's event log (rbox events): lines from since on (0: only new ones) until
 * until (0: forever), those matching every filter key (K=V; one key given twice: either).
 * emit gets each line with its parsed object, and (NULL, NULL) about ten times a second while
 * waiting; it returns 1 to go on, 0 to stop, -1 on error (err filled). */
struct events_req {
    int64_t since, until; /* ns since the epoch */
    char *const *filters;
    int (*emit)(void *ud, const char *line, yajl_val ev, rbox_err **err);
    void *ud;
};
int events_run(struct store *s, struct events_req *q, rbox_err **err);
/* A K=V filter events_run knows (container, event, image, network, type, volume). */
int events_filter_check(const char *kv, rbox_err **err);

#endif
