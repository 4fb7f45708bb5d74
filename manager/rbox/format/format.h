/* format.h - --format of the commands that print JSON documents (ps, inspect, images,
 * image inspect, volume ls/inspect, stats): "json", a Go template (template.h) run once per
 * document, or "table TEMPLATE": a header row (the fields' column titles, as docker names
 * them) and tab-separated columns aligned as docker's tabwriter does. As in docker, a literal
 * \t or \n in the text stands for a tab or a newline. */
#ifndef RBOX_FORMAT_H
#define RBOX_FORMAT_H

#include "error.h"
#include "template.h"
#include <stdbool.h>
#include <stdio.h>

enum fmt_kind {
    FMT_DEFAULT,  /* no --format, or "table": the command's own output */
    FMT_JSON,     /* "json" */
    FMT_TEMPLATE, /* a template, with or without the table prefix */
};

struct fmt {
    enum fmt_kind kind;
    bool table;
    struct tmpl *t;
    const char *const *headers; /* pairs of field name and column title, NULL-terminated */
    char *buf;                  /* the rows so far */
    size_t n, cap;
};

/* spec may be NULL. headers NULL: an inspect's format (as docker's inspect: no table titles,
 * a \t or \n stays as written). On a bad template, err holds Go's one line. */
int fmt_init(struct fmt *f, const char *spec, const char *const *headers, rbox_err **err);
/* Run the template over one document (a parsed tree or JSON text); the rows are kept until
 * fmt_print, so that a failing row leaves no output behind. */
int fmt_row(struct fmt *f, yajl_val doc, rbox_err **err);
int fmt_row_text(struct fmt *f, const char *json, rbox_err **err);
/* Write the header (table) and the rows, and forget the rows (stats prints again). */
void fmt_print(struct fmt *f, FILE *out);
void fmt_clear(struct fmt *f);

/* Go's text/tabwriter as docker sets it up (minwidth 10, padding 3, spaces), over text. */
void tabwrite(const char *text, size_t len, FILE *out);

#endif
