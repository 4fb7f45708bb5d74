/* config_internal.h - private to runtime/config*.c: the parser context and typed readers.
 *
 * The parser walks the yajl tree keeping the JSON path of the value it is looking at in a
 * struct pctx, so that every error names it:  "config.json: process.rlimits[1].soft: ...".
 * Most objects are read through a table of struct field (key, type, offset, range) by
 * pc_fields(); the odd ones through a custom function in the table (F_FN).
 *
 * Readers return 0 on success and -1 with the error set (the path already in the message).
 */
#ifndef RBOX_CONFIG_INTERNAL_H
#define RBOX_CONFIG_INTERNAL_H

#include "config.h"
#include "json.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct pctx {
    const char *what; /* "config.json": first part of every message */
    rbox_err **err;
    size_t len;      /* strlen(path) */
    char path[1024]; /* "linux.namespaces[2].type" */
};

/* Append ".key" or "[i]" to the path; each returns a mark for pc_pop(). (Map keys that are not
 * plain words are shown as ["key"].) */
/* fields.c: start a parse of the document `what` (the prefix of every error). */
void pc_init(struct pctx *c, const char *what, rbox_err **err);
size_t pc_push(struct pctx *c, const char *key);
size_t pc_push_index(struct pctx *c, size_t i);
void pc_pop(struct pctx *c, size_t mark);
/* Set "<what>: <path>: <message>" and return -1. */
int pc_fail(struct pctx *c, const char *fmt, ...) PRINTF(2, 3);
/* Same, with the offending string quoted after the message: `unknown namespace "pids"`. */
int pc_fail_quoted(struct pctx *c, const char *msg, const char *value, const char *tail);

/* Value readers: v is the value at the current path. */
int pv_object(struct pctx *c, yajl_val v);
int pv_str(struct pctx *c, yajl_val v, char **out);
/* An integer in [lo, hi]: "expected a non-negative integer", "must be between lo and hi". */
int pv_u64(struct pctx *c, yajl_val v, uint64_t lo, uint64_t hi, uint64_t *out);
/* Object of string values into a key/value array. */
int pv_strmap(struct pctx *c, yajl_val v, struct rbox_kv **out, size_t *n);
/* Array of objects: allocates *arr (zeroed, *n set first so a partial result can be freed) and
 * calls fn for each element with "[i]" pushed. */
typedef int (*pv_elem_fn)(struct pctx *c, yajl_val v, void *elem);
int pv_array(struct pctx *c, yajl_val v, size_t elem_size, void *arr, size_t *n, pv_elem_fn fn);
/* Array of uid/gid mappings. */
int pv_idmaps(struct pctx *c, yajl_val v, struct rbox_idmap **out, size_t *n);
/* Look a name up in a table of n strings (NULL entries skipped): index, or -1. */
int name_index(const char *const *names, size_t n, const char *name);

enum ftype {
    F_STR,   /* char * */
    F_ABS,   /* char *, an absolute path */
    F_STRV,  /* char **, array of strings */
    F_STRV1, /* char **, non-empty array of strings */
    F_ABSV,  /* char **, array of absolute paths */
    F_ENV,   /* char **, array of "KEY=VALUE" */
    F_CPUS,  /* char *, a cpu list "0-3,5" (NULL when "") */
    F_BOOL,  /* bool */
    F_OBOOL, /* opt_bool */
    F_U32,   /* uint32_t, range [lo, hi] (default: the type's) */
    F_U64,   /* uint64_t */
    F_OU64,  /* opt_u64 */
    F_I64,   /* int64_t */
    F_OI64,  /* opt_i64 */
    F_INT,   /* int */
    F_ENUM,  /* int: index of the string in names[] */
    F_NAMES, /* char **: array of strings, each one of names[] */
    F_BITS,  /* uint64_t: array of strings, each one of names[], OR of 1 << index */
    F_SUB,   /* nested object: its fields sub[] read into the same base + off */
    F_FN,    /* fn(c, value, base + off) */
};

struct field {
    const char *key;
    enum ftype type;
    bool required;
    size_t off;
    int64_t lo; /* integer range; lo == hi == 0 means the type's whole range */
    uint64_t hi;
    const struct field *sub; /* F_SUB */
    size_t nsub;
    const char *const *names; /* F_ENUM, F_NAMES, F_BITS (NULL entries are skipped) */
    size_t nnames;
    const char *noun; /* "unknown <noun> \"X\"" */
    int (*fn)(struct pctx *c, yajl_val v, void *dst);
};

/* Table entries:  { FLD(struct rbox_process, "cwd", F_ABS, cwd), REQUIRED }. */
#define FLD(st_, k_, t_, m_) .key = (k_), .type = (t_), .off = offsetof(st_, m_)
#define WHOLE(k_, t_)        .key = (k_), .type = (t_), .off = 0
#define REQUIRED             .required = true
#define RANGE(a_, b_)        .lo = (a_), .hi = (b_)
#define SUB(t_)              .sub = (t_), .nsub = ARRAY_SIZE(t_)
#define NAMES(t_, noun_)     .names = (t_), .nnames = ARRAY_SIZE(t_), .noun = (noun_)

/* Read the fields of obj (which must be an object) into base. Absent optional fields are left
 * alone; absent required ones are "missing". Unknown keys are ignored. */
int pc_fields(struct pctx *c, yajl_val obj, const struct field *f, size_t n, void *base);

/* Parse text as a JSON object ("<what>: expected a JSON object"), read it with a field table into
 * base, then run check (if not NULL) with the context at the top level. */
int pc_parse_document(const char *text, const char *what, const struct field *f, size_t n,
                      void *base, int (*check)(struct pctx *c, void *base), rbox_err **err);

/* config/linux.c */
int linux_parse(struct pctx *c, yajl_val v, void *dst);
void linux_clear(struct rbox_linux *l);

/* config/resources.c */
int resources_parse(struct pctx *c, yajl_val v, void *dst);

/* An absent list the header promises as an empty vector. */
static inline void strv_ensure(char ***v)
{
    if (*v == NULL)
        *v = xcalloc(1, sizeof(char *));
}

static inline void kv_free(struct rbox_kv *kv, size_t n)
{
    for (size_t i = 0; kv && i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

#endif
