/* progress.h - a pull's per-layer display: on a terminal one line per layer redrawn in place
 * (state, bar, bytes), otherwise a plain line per state change (docker's words). */
#ifndef RBOX_PROGRESS_H
#define RBOX_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum pg_state { PG_WAITING, PG_DOWNLOADING, PG_DONE, PG_EXISTS };

struct pg_line {
    char id[13];
    uint64_t size, got;
    enum pg_state state, printed;
    bool hidden; /* the config blob: fetched, not shown */
};

struct progress {
    FILE *out;
    bool tty, quiet;
    int n, drawn;
    struct pg_line *l;
    uint64_t last_ns;
};

void progress_init(struct progress *p, FILE *out, bool quiet, size_t n);
void progress_line(struct progress *p, int i, const char *hex, uint64_t size, bool hidden);
void progress_set(struct progress *p, int i, enum pg_state s, uint64_t got);
/* Draw what changed (on a terminal at most every 100 ms unless force). */
void progress_draw(struct progress *p, bool force);
void progress_free(struct progress *p);

#endif
