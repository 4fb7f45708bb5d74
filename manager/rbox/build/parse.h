/* parse.h - the Containerfile/Dockerfile parser and docker's word/variable lexer (docs/build.md).
 *
 * bf_parse() turns the text into instructions: parser directives (`# escape=\` or `` ` ``,
 * `# syntax=` ignored) at the top, comments (lines whose first non-blank is `#`, also inside a
 * continuation), line continuations (the escape character last on a line), instruction names
 * in any case, leading `--flag[=value]` words, and the exec (JSON array) form where docker has
 * one. Nothing is expanded here: the builder expands with bf_expand()/bf_fields() when it runs
 * a step, with the ARG/ENV values in scope at that point. Errors name the file and line:
 * "Containerfile:7: unknown instruction FOO".
 */
#ifndef RBOX_BUILD_PARSE_H
#define RBOX_BUILD_PARSE_H

#include "error.h"
#include <stdbool.h>
#include <stddef.h>

enum bf_kind {
    BF_FROM,
    BF_RUN,
    BF_CMD,
    BF_ENTRYPOINT,
    BF_COPY,
    BF_ADD,
    BF_ENV,
    BF_ARG,
    BF_WORKDIR,
    BF_USER,
    BF_LABEL,
    BF_EXPOSE,
    BF_VOLUME,
    BF_STOPSIGNAL,
    BF_SHELL,
    BF_ONBUILD,
    BF_MAINTAINER,
    BF_HEALTHCHECK,
};

struct bf_instr {
    enum bf_kind kind;
    int line;     /* first physical line of the instruction, from 1 */
    char *text;   /* as written, continuations joined: "RUN echo hi" */
    char **flags; /* the leading --flags, "--from=build" (NULL-terminated, never NULL) */
    bool json;    /* exec form: args are the JSON array's strings */
    char **args;  /* json: the strings; else ONE string: the rest of the line after the flags */
    size_t nargs; /* 1 for the shell form */
    struct bf_instr *sub; /* ONBUILD: the trigger */
};

struct bf_file {
    struct bf_instr *v;
    size_t n;
    char escape; /* '\\' or '`' */
};

/* Parse text (NUL-terminated); name is what errors call the file ("Containerfile"). */
int bf_parse(const char *text, const char *name, struct bf_file *out, rbox_err **err);
void bf_file_clear(struct bf_file *f);
void bf_instr_clear(struct bf_instr *in);
const char *bf_kind_name(enum bf_kind k); /* "RUN" */
/* Parse one instruction line (ONBUILD triggers when the image is used as a base). */
int bf_parse_line(const char *line, int lineno, char escape, const char *name, struct bf_instr *out,
                  rbox_err **err);

/* A variable's value, NULL when unset. */
typedef const char *(*bf_lookup)(void *ctx, const char *name);

/* One word as docker's shell lexer reads it: $VAR, ${VAR}, ${VAR:-w}, ${VAR-w}, ${VAR:+w},
 * ${VAR+w}, ${VAR:?w}, ${VAR?w}; 'single quotes' literal; "double quotes" with $ and the
 * escapes \" \$ \\; the escape character outside quotes takes the next character literally.
 * Quotes are removed. */
int bf_expand(const char *word, char escape, bf_lookup fn, void *ctx, char **out, rbox_err **err);
/* The same over a line, split into fields on unquoted blanks (also inside expanded values). */
int bf_fields(const char *line, char escape, bf_lookup fn, void *ctx, char ***out, rbox_err **err);
/* Split a line on unquoted blanks WITHOUT expanding (quotes and escapes kept): the words of
 * ENV/LABEL/ARG before each is expanded. */
int bf_words(const char *line, char escape, char ***out, rbox_err **err);
/* ENV/LABEL/ARG: the words as KEY=VALUE pairs (keys and values still to expand); ENV and LABEL
 * also accept the old "KEY value" form (one pair, the value the rest of the line). ARG's
 * value is NULL when it has no default. *n pairs; free with bf_pairs_free. */
int bf_pairs(const struct bf_instr *in, char escape, char ***keys, char ***vals, size_t *n,
             rbox_err **err);
void bf_pairs_free(char **keys, char **vals, size_t n);

#endif
