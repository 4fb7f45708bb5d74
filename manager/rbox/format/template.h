/* template.h - Go's text/template over a JSON document (a yajl tree): what docker users write
 * after --format. Field paths, pipelines, if/else/range/with, variables, Go's built-in functions
 * (and, or, not, len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge) and
 * docker's (json, join, split, lower, upper, title, pad, truncate). Values print as Go prints
 * them (map[k:v], [a b], int64 and float64 numbers). Errors read like Go's:
 *   template: :1: unexpected "}" in operand
 *   template: :1:8: executing "" at <.State.Nope>: map has no entry for key "Nope"
 * Depth, work and output are bounded: no input makes it crash or run away. */
#ifndef RBOX_TEMPLATE_H
#define RBOX_TEMPLATE_H

#include "error.h"
#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

#define TMPL_MAX_TEXT   (64 * 1024) /* the template's length */
#define TMPL_MAX_DEPTH  64          /* nested blocks, parentheses, printed JSON levels */
#define TMPL_MAX_OUTPUT (16u << 20) /* bytes one execution may produce */
#define TMPL_MAX_STEPS  (4u << 20)  /* actions, loop turns and function calls per execution */

struct tmpl;

/* Parse text (NUL-terminated). On error fill err with Go's one-line message. */
int tmpl_parse(const char *text, struct tmpl **out, rbox_err **err);
void tmpl_free(struct tmpl *t);

struct tmpl_opts {
    /* docker's header pass of a table: each field path prints its column title instead (a
     * title from headers, pairs of field name and title ending in NULL, else the field name
     * in upper case), the string functions pass it through, and errors are ignored. */
    bool header;
    const char *const *headers;
};

/* Execute over data (dot and $). *out is malloc'd and NUL-terminated (*len without it). */
int tmpl_exec(const struct tmpl *t, yajl_val data, const struct tmpl_opts *o, char **out,
              size_t *len, rbox_err **err);

#endif
