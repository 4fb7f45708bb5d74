/* template_int.h - the insides of the template evaluator, shared by its three files:
 * template_parse.c (lexer and parser), template_exec.c (execution, values, printing) and
 * template_funcs.c (the functions, printf). Not for callers: they use template.h. */
#ifndef RBOX_TEMPLATE_INT_H
#define RBOX_TEMPLATE_INT_H

#include "template.h"
#include <stdint.h>

/* ---- the tree ---- */

enum op_kind {
    OP_FIELD,
    OP_DOT,
    OP_VAR,
    OP_STR,
    OP_INT,
    OP_FLOAT,
    OP_BOOL,
    OP_NIL,
    OP_FUNC,
    OP_PIPE
};

struct tpipe;
struct operand {
    enum op_kind k;
    int pos;   /* Go's position: a chain's second element, else the token */
    int start; /* the span in the source, for error contexts */
    int end;
    char *s;      /* OP_STR: the value; OP_VAR: "$x"; OP_FUNC: the name */
    size_t slen;  /* OP_STR */
    int64_t i;    /* OP_INT, OP_BOOL */
    double f;     /* OP_FLOAT */
    char **chain; /* field names after the operand (OP_FIELD: the whole path) */
    size_t nchain;
    struct tpipe *sub; /* OP_PIPE */
};

struct tcmd {
    int pos, start, end;
    struct operand *args;
    size_t nargs;
};

struct tpipe {
    int pos, start, end;
    char *decl[2]; /* variables declared ($x := ...) or assigned ($x = ...) */
    size_t ndecl;
    bool assign;
    struct tcmd *cmds;
    size_t ncmds;
};

enum node_kind { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH };

struct tlist;
struct tnode {
    enum node_kind k;
    int pos;
    const char *text; /* N_TEXT: into the template's copy */
    size_t len;
    struct tpipe *pipe;
    struct tlist *body, *alt; /* alt: the else branch ({{else if}} is an alt of one N_IF) */
};

struct tlist {
    struct tnode *v;
    size_t n;
};

/* Everything a parse or an execution allocates, freed at once (errors unwind by longjmp). */
struct arena {
    void **p;
    size_t n, cap;
};
void *arena_alloc(struct arena *a, size_t n); /* zeroed */
void arena_free(struct arena *a);

struct tmpl {
    char *src; /* the template text; N_TEXT nodes point into it */
    struct tlist *root;
    struct arena a;
};

/* ---- values ---- */

enum vkind { V_NIL, V_BOOL, V_INT, V_FLOAT, V_STR, V_MAP, V_ARR, V_LIST };

struct val {
    enum vkind k;
    bool b;
    int64_t i;
    double f;
    const char *s; /* V_STR */
    size_t slen;
    yajl_val j;        /* V_MAP, V_ARR: the JSON node */
    struct val *items; /* V_LIST (what split makes): n strings */
    size_t n;
};

struct tstate;

/* template_exec.c, for the functions */
void *ts_alloc(struct tstate *s, size_t n);
struct val val_str(struct tstate *s, const char *p, size_t n); /* copies */
struct val val_of_json(yajl_val j);
size_t val_len(const struct val *v);                /* elements of a map, array or list */
struct val val_item(const struct val *v, size_t k); /* element k of an array or list */
bool val_truth(const struct val *v);
const char *val_type(const struct val *v); /* Go's name: string, int, float64, ... */
bool ts_is_header(const struct tstate *s);

/* A growing byte buffer with the output bound. */
struct tbuf {
    char *p;
    size_t n, cap;
    bool over; /* went past TMPL_MAX_OUTPUT */
};
void tb_add(struct tbuf *b, const char *p, size_t n);
void tb_str(struct tbuf *b, const char *s);
void tb_char(struct tbuf *b, char c);
void tb_fmt(struct tbuf *b, const char *fmt, ...) PRINTF(2, 3);
/* Go's %v; top: null prints nothing at the top level (docker's typed zero values) */
int val_print(struct tstate *s, struct tbuf *b, const struct val *v, int depth);
void go_float(struct tbuf *b, double f);
void go_quote(struct tbuf *b, const char *p, size_t n);
int val_json(struct tstate *s, struct tbuf *b, const struct val *v, int depth);

/* template_funcs.c */
typedef int (*tfunc)(struct tstate *s, struct val *args, size_t n, struct val *out, char **msg);
struct tfunc_def {
    const char *name;
    int min, max; /* arguments; max -1: any number */
    tfunc fn;
};
const struct tfunc_def *tfunc_find(const char *name);
int go_sprintf(struct tstate *s, struct tbuf *b, const char *fmt, size_t flen, struct val *args,
               size_t n, char **msg);

#endif
