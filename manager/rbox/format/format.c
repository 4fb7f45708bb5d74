/* format.c - --format: json, a template per document, or docker's "table" with aligned
 * columns (Go's text/tabwriter with docker's settings). */
#define _GNU_SOURCE
#include "format.h"
#include "json.h"
#include "util.h"
#include "width.h"

#include <stdlib.h>
#include <string.h>

static void add(struct fmt *f, const char *p, size_t n)
{
    if (f->n + n + 1 > f->cap) {
        f->cap = (f->n + n + 1) * 2;
        f->buf = xrealloc(f->buf, f->cap);
    }
    memcpy(f->buf + f->n, p, n);
    f->n += n;
    f->buf[f->n] = '\0';
}

int fmt_init(struct fmt *f, const char *spec, const char *const *headers, rbox_err **err)
{
    memset(f, 0, sizeof(*f));
    f->headers = headers;
    if (!spec || !*spec || strcmp(spec, "table") == 0)
        return 0;
    if (strcmp(spec, "json") == 0) {
        f->kind = FMT_JSON;
        return 0;
    }
    f->kind = FMT_TEMPLATE;
    /* docker's preFormat: the prefix off, spaces trimmed, \t and \n made real (not for
     * inspect, as docker's inspect) */
    const char *p = spec;
    if (strncmp(p, "table", 5) == 0) {
        f->table = true;
        p += 5;
    }
    while (*p == ' ')
        p++;
    size_t n = strlen(p);
    while (n && p[n - 1] == ' ')
        n--;
    _cleanup_free_ char *text = xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (headers && p[i] == '\\' && i + 1 < n && (p[i + 1] == 't' || p[i + 1] == 'n')) {
            text[k++] = p[i + 1] == 't' ? '\t' : '\n';
            i++;
        } else {
            text[k++] = p[i];
        }
    }
    text[k] = '\0';
    return tmpl_parse(text, &f->t, err);
}

int fmt_row(struct fmt *f, yajl_val doc, rbox_err **err)
{
    char *out;
    size_t len;
    if (tmpl_exec(f->t, doc, NULL, &out, &len, err) < 0)
        return -1;
    add(f, out, len);
    add(f, "\n", 1);
    free(out);
    if (f->n > TMPL_MAX_OUTPUT)
        return rbox_error(err, 0, "template: output larger than %u bytes", TMPL_MAX_OUTPUT);
    return 0;
}

int fmt_row_text(struct fmt *f, const char *json, rbox_err **err)
{
    _cleanup_yajl_ yajl_val v = NULL;
    if (json_parse(json, "document", &v, err) < 0)
        return -1;
    return fmt_row(f, v, err);
}

void fmt_print(struct fmt *f, FILE *out)
{
    if (!f->table) {
        if (f->n)
            fwrite(f->buf, 1, f->n, out);
        f->n = 0;
        return;
    }
    /* the header: the same template over the column titles (docker's header pass) */
    struct tmpl_opts o = { .header = true, .headers = f->headers };
    char *head = NULL;
    size_t hlen = 0;
    rbox_err *ignored = NULL;
    if (tmpl_exec(f->t, NULL, &o, &head, &hlen, &ignored) < 0)
        rbox_err_free(ignored);
    size_t total = hlen + 1 + f->n;
    char *all = xmalloc(total + 1);
    if (hlen)
        memcpy(all, head, hlen);
    all[hlen] = '\n';
    if (f->n)
        memcpy(all + hlen + 1, f->buf, f->n);
    all[total] = '\0';
    tabwrite(all, total, out);
    free(all);
    free(head);
    f->n = 0;
}

void fmt_clear(struct fmt *f)
{
    tmpl_free(f->t);
    free(f->buf);
    memset(f, 0, sizeof(*f));
}

/* ---- Go's text/tabwriter: minwidth 10, tabwidth 1, padding 3, padchar ' ', no flags ---- */

enum { TW_MINWIDTH = 10, TW_PADDING = 3, TW_MAXCOLS = 256 };

struct cell {
    const char *p;
    size_t n, width; /* width in terminal columns (Go's counts runes: 日本 would misalign) */
};

struct line {
    struct cell *c;
    size_t n;
};

struct tw {
    struct line *l;
    size_t nl;
    size_t *widths;
    size_t nw;
    FILE *out;
};

static void write_lines(struct tw *w, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const struct line *l = &w->l[i];
        for (size_t j = 0; j < l->n; j++) {
            fwrite(l->c[j].p, 1, l->c[j].n, w->out);
            if (j < w->nw && j + 1 < l->n)
                for (size_t k = l->c[j].width; k < w->widths[j]; k++)
                    fputc(' ', w->out);
        }
        fputc('\n', w->out);
    }
}

/* Go's format(): a column block is a run of lines that have a tab-terminated cell there. */
static void tw_format(struct tw *w, size_t line0, size_t line1)
{
    size_t column = w->nw;
    for (size_t this = line0; this < line1; this ++) {
        if (column + 1 >= w->l[this].n)
            continue;
        write_lines(w, line0, this);
        line0 = this;
        size_t width = TW_MINWIDTH;
        for (; this < line1; this ++) {
            if (column + 1 >= w->l[this].n)
                break;
            size_t cw = w->l[this].c[column].width + TW_PADDING;
            if (cw > width)
                width = cw;
        }
        w->widths[w->nw++] = width;
        tw_format(w, line0, this);
        w->nw--;
        line0 = this;
        if (this >= line1)
            return;
    }
    write_lines(w, line0, line1);
}

void tabwrite(const char *text, size_t len, FILE *out)
{
    struct tw w = { .out = out };
    size_t capl = 0, maxcells = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (w.nl == capl)
            w.l = xrealloc(w.l, (capl = capl ? capl * 2 : 16) * sizeof(*w.l));
        struct line *l = &w.l[w.nl++];
        l->c = NULL;
        l->n = 0;
        size_t capc = 0;
        for (const char *c = p;;) {
            const char *tab = memchr(c, '\t', (size_t)(le - c));
            const char *ce = tab ? tab : le;
            if (l->n == capc)
                l->c = xrealloc(l->c, (capc = capc ? capc * 2 : 8) * sizeof(*l->c));
            l->c[l->n++] = (struct cell){ c, (size_t)(ce - c), u8_width(c, (size_t)(ce - c)) };
            if (!tab)
                break;
            c = tab + 1;
        }
        if (l->n > maxcells)
            maxcells = l->n;
        p = nl ? nl + 1 : end;
    }
    w.widths = xcalloc(maxcells + 1, sizeof(*w.widths));
    /* Go's format() recurses once per column: past TW_MAXCOLS the text goes out as it is */
    if (maxcells > TW_MAXCOLS)
        fwrite(text, 1, len, out);
    else
        tw_format(&w, 0, w.nl);
    for (size_t i = 0; i < w.nl; i++)
        free(w.l[i].c);
    free(w.l);
    free(w.widths);
}
