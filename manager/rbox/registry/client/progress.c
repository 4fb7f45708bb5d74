/* progress.c - the pull display (progress.h). */
#define _GNU_SOURCE
#include "progress.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void progress_init(struct progress *p, FILE *out, bool quiet, size_t n)
{
    *p = (struct progress){ .out = out, .quiet = quiet, .n = (int)n };
    p->tty = !quiet && isatty(fileno(out)) && !str_eq(getenv("TERM"), "dumb");
    p->l = xcalloc(n + 1, sizeof(*p->l));
}

void progress_line(struct progress *p, int i, const char *hex, uint64_t size, bool hidden)
{
    snprintf(p->l[i].id, sizeof(p->l[i].id), "%.12s", hex);
    p->l[i].size = size;
    p->l[i].hidden = hidden;
    p->l[i].printed = (enum pg_state) - 1;
}

void progress_set(struct progress *p, int i, enum pg_state s, uint64_t got)
{
    p->l[i].state = s;
    p->l[i].got = got;
}

static void human(uint64_t b, char *buf, size_t len)
{
    if (b >= 1000000)
        snprintf(buf, len, "%.1fMB", (double)b / 1e6);
    else if (b >= 1000)
        snprintf(buf, len, "%.1fkB", (double)b / 1e3);
    else
        snprintf(buf, len, "%lluB", (unsigned long long)b);
}

static const char *word(enum pg_state s)
{
    switch (s) {
    case PG_WAITING: return "Pulling fs layer";
    case PG_DOWNLOADING: return "Downloading";
    case PG_DONE: return "Download complete";
    case PG_EXISTS: return "Already exists";
    }
    return "";
}

static void draw_tty(struct progress *p)
{
    if (p->drawn)
        fprintf(p->out, "\033[%dA", p->drawn);
    int drawn = 0;
    for (int i = 0; i < p->n; i++) {
        struct pg_line *l = &p->l[i];
        if (l->hidden)
            continue;
        fprintf(p->out, "\033[2K%s: %s", l->id, word(l->state));
        if (l->state == PG_DOWNLOADING && l->size) {
            char a[16], b[16], bar[51];
            int w = (int)(l->got * 50 / l->size);
            memset(bar, '=', sizeof(bar));
            bar[w < 50 ? w : 50] = '\0';
            human(l->got, a, sizeof(a));
            human(l->size, b, sizeof(b));
            fprintf(p->out, " [%s>%*s] %s/%s", bar, 50 - (w < 50 ? w : 50), "", a, b);
        }
        fputc('\n', p->out);
        drawn++;
    }
    p->drawn = drawn;
    fflush(p->out);
}

void progress_draw(struct progress *p, bool force)
{
    if (p->quiet)
        return;
    if (p->tty) {
        uint64_t now = now_ns_monotonic();
        if (force || now - p->last_ns > 100000000ull) {
            p->last_ns = now;
            draw_tty(p);
        }
        return;
    }
    for (int i = 0; i < p->n; i++) {
        struct pg_line *l = &p->l[i];
        if (l->hidden || l->printed == l->state)
            continue;
        /* a plain line per state; "Downloading" only once */
        if (l->state == PG_DOWNLOADING && l->printed == PG_WAITING)
            continue;
        fprintf(p->out, "%s: %s\n", l->id, word(l->state));
        l->printed = l->state;
    }
    fflush(p->out);
}

void progress_free(struct progress *p)
{
    free(p->l);
    p->l = NULL;
}
