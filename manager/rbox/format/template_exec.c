/* template_exec.c - running a parsed template over a JSON document: dot and variables, field
 * chains, pipelines, if/with/range, and Go's printing of values (%v) and docker's json.
 * Errors read like Go's: template: :LINE:COL: executing "" at <CONTEXT>: MESSAGE. */
#define _GNU_SOURCE
#include "template_int.h"
#include "util.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tvar {
    const char *name;
    struct val v;
};

struct tstate {
    const struct tmpl *t;
    const struct tmpl_opts *o;
    struct tbuf out;
    struct arena a;
    struct tvar *vars;
    size_t nvars, capvars;
    unsigned long steps;
    jmp_buf jb;
    rbox_err **err;
};

/* ---- buffers ---- */

void tb_add(struct tbuf *b, const char *p, size_t n)
{
    if (b->over || n == 0)
        return;
    if (n > TMPL_MAX_OUTPUT - b->n) {
        b->over = true;
        return;
    }
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void tb_str(struct tbuf *b, const char *s)
{
    tb_add(b, s, strlen(s));
}

void tb_char(struct tbuf *b, char c)
{
    tb_add(b, &c, 1);
}

void tb_fmt(struct tbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        tb_add(b, small, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    tb_add(b, big, (size_t)n);
    free(big);
}

/* ---- values ---- */

void *ts_alloc(struct tstate *s, size_t n)
{
    return arena_alloc(&s->a, n);
}

bool ts_is_header(const struct tstate *s)
{
    return s->o && s->o->header;
}

struct val val_str(struct tstate *s, const char *p, size_t n)
{
    char *c = ts_alloc(s, n + 1);
    memcpy(c, p, n);
    return (struct val){ .k = V_STR, .s = c, .slen = n };
}

struct val val_of_json(yajl_val j)
{
    struct val v = { .k = V_NIL, .j = j };
    if (!j)
        return v;
    switch (j->type) {
    case yajl_t_string:
        v.k = V_STR;
        v.s = j->u.string;
        v.slen = strlen(j->u.string);
        break;
    case yajl_t_number:
        if (YAJL_IS_INTEGER(j)) {
            v.k = V_INT;
            v.i = j->u.number.i;
        } else {
            v.k = V_FLOAT;
            v.f = YAJL_IS_DOUBLE(j) ? j->u.number.d : strtod(j->u.number.r, NULL);
        }
        break;
    case yajl_t_true:
    case yajl_t_false:
        v.k = V_BOOL;
        v.b = j->type == yajl_t_true;
        break;
    case yajl_t_object: v.k = V_MAP; break;
    case yajl_t_array: v.k = V_ARR; break;
    default: break;
    }
    return v;
}

size_t val_len(const struct val *v)
{
    switch (v->k) {
    case V_MAP: return v->j->u.object.len;
    case V_ARR: return v->j->u.array.len;
    case V_LIST: return v->n;
    case V_STR: return v->slen;
    default: return 0;
    }
}

struct val val_item(const struct val *v, size_t k)
{
    if (v->k == V_LIST)
        return v->items[k];
    return val_of_json(v->j->u.array.values[k]);
}

bool val_truth(const struct val *v)
{
    switch (v->k) {
    case V_NIL: return false;
    case V_BOOL: return v->b;
    case V_INT: return v->i != 0;
    case V_FLOAT: return v->f != 0;
    default: return val_len(v) > 0;
    }
}

const char *val_type(const struct val *v)
{
    static const char *const names[] = { "<nil>",          "bool",    "int",
                                         "float64",        "string",  "map[string]interface {}",
                                         "[]interface {}", "[]string" };
    return names[v->k];
}

/* ---- printing ---- */

/* Go's %v of a float64: the shortest text that reads back, %e form when the exponent is
 * below -4 or at least 6 (strconv's 'g', -1). */
void go_float(struct tbuf *b, double f)
{
    if (isnan(f)) {
        tb_str(b, "NaN");
        return;
    }
    if (isinf(f)) {
        tb_str(b, f > 0 ? "+Inf" : "-Inf");
        return;
    }
    char buf[64];
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
        if (strtod(buf, NULL) == f)
            break;
    }
    snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
    int exp = atoi(strchr(buf, 'e') + 1);
    if (exp < -4 || exp >= 6)
        tb_str(b, buf);
    else
        tb_fmt(b, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, f);
}

/* sorted order of a map's keys (Go prints and ranges maps sorted) */
static int by_key(const void *x, const void *y)
{
    const char *const *a = x, *const *b = y;
    return strcmp(*a, *b);
}

static size_t *sorted_keys(struct tstate *s, yajl_val m)
{
    size_t n = m->u.object.len;
    /* pairs of (key, index) sorted by key */
    struct kv {
        const char *k;
        size_t i;
    } *v = ts_alloc(s, (n ? n : 1) * sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = (struct kv){ m->u.object.keys[i], i };
    if (n > 1)
        qsort(v, n, sizeof(*v), by_key);
    size_t *idx = ts_alloc(s, (n ? n : 1) * sizeof(*idx));
    for (size_t i = 0; i < n; i++)
        idx[i] = v[i].i;
    return idx;
}

int val_print(struct tstate *s, struct tbuf *b, const struct val *v, int depth)
{
    if (depth > TMPL_MAX_DEPTH)
        return -1;
    switch (v->k) {
    case V_NIL: tb_str(b, "<nil>"); break;
    case V_BOOL: tb_str(b, v->b ? "true" : "false"); break;
    case V_INT: tb_fmt(b, "%lld", (long long)v->i); break;
    case V_FLOAT: go_float(b, v->f); break;
    case V_STR: tb_add(b, v->s, v->slen); break;
    case V_ARR:
    case V_LIST:
        tb_char(b, '[');
        for (size_t i = 0; i < val_len(v); i++) {
            if (i)
                tb_char(b, ' ');
            struct val e = val_item(v, i);
            if (val_print(s, b, &e, depth + 1) < 0)
                return -1;
        }
        tb_char(b, ']');
        break;
    case V_MAP: {
        size_t *idx = sorted_keys(s, v->j);
        tb_str(b, "map[");
        for (size_t i = 0; i < v->j->u.object.len; i++) {
            if (i)
                tb_char(b, ' ');
            tb_str(b, v->j->u.object.keys[idx[i]]);
            tb_char(b, ':');
            struct val e = val_of_json(v->j->u.object.values[idx[i]]);
            if (val_print(s, b, &e, depth + 1) < 0)
                return -1;
        }
        tb_char(b, ']');
        break;
    }
    }
    return 0;
}

/* Go's strconv.Quote, enough of it: printable UTF-8 as is, the rest escaped. */
void go_quote(struct tbuf *b, const char *p, size_t n)
{
    tb_char(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        const char *e = NULL;
        switch (c) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\a': e = "\\a"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        case '\v': e = "\\v"; break;
        default: break;
        }
        if (e)
            tb_str(b, e);
        else if (c < 0x20 || c == 0x7f)
            tb_fmt(b, "\\x%02x", c);
        else
            tb_char(b, (char)c);
    }
    tb_char(b, '"');
}

static void json_string(struct tbuf *b, const char *p, size_t n)
{
    tb_char(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') {
            tb_char(b, '\\');
            tb_char(b, (char)c);
        } else if (c == '\n') {
            tb_str(b, "\\n");
        } else if (c == '\r') {
            tb_str(b, "\\r");
        } else if (c == '\t') {
            tb_str(b, "\\t");
        } else if (c < 0x20) {
            tb_fmt(b, "\\u%04x", c);
        } else if (c == 0xe2 && i + 2 < n && (unsigned char)p[i + 1] == 0x80 &&
                   ((unsigned char)p[i + 2] == 0xa8 || (unsigned char)p[i + 2] == 0xa9)) {
            tb_str(b, (unsigned char)p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
            i += 2;
        } else {
            tb_char(b, (char)c);
        }
    }
    tb_char(b, '"');
}

/* docker's json: encoding/json without HTML escaping; objects in the document's order. */
int val_json(struct tstate *s, struct tbuf *b, const struct val *v, int depth)
{
    if (depth > TMPL_MAX_DEPTH)
        return -1;
    switch (v->k) {
    case V_NIL: tb_str(b, "null"); break;
    case V_BOOL: tb_str(b, v->b ? "true" : "false"); break;
    case V_INT:
    case V_FLOAT:
        if (v->j && v->j->type == yajl_t_number)
            tb_str(b, v->j->u.number.r);
        else if (v->k == V_INT)
            tb_fmt(b, "%lld", (long long)v->i);
        else
            go_float(b, v->f);
        break;
    case V_STR: json_string(b, v->s, v->slen); break;
    case V_ARR:
    case V_LIST:
        tb_char(b, '[');
        for (size_t i = 0; i < val_len(v); i++) {
            if (i)
                tb_char(b, ',');
            struct val e = val_item(v, i);
            if (val_json(s, b, &e, depth + 1) < 0)
                return -1;
        }
        tb_char(b, ']');
        break;
    case V_MAP:
        tb_char(b, '{');
        for (size_t i = 0; i < v->j->u.object.len; i++) {
            if (i)
                tb_char(b, ',');
            json_string(b, v->j->u.object.keys[i], strlen(v->j->u.object.keys[i]));
            tb_char(b, ':');
            struct val e = val_of_json(v->j->u.object.values[i]);
            if (val_json(s, b, &e, depth + 1) < 0)
                return -1;
        }
        tb_char(b, '}');
        break;
    }
    return 0;
}

/* ---- errors ---- */

static NORETURN PRINTF(5, 6) void xerr(struct tstate *s, int pos, int start, int end,
                                       const char *fmt, ...)
{
    const char *src = s->t->src;
    int line = 1, col = pos;
    for (int i = 0; i < pos; i++)
        if (src[i] == '\n')
            line++, col = pos - i - 1;
    /* the context: the node's text, spaces collapsed, at most 20 bytes (Go's) */
    char ctx[32];
    size_t n = 0;
    bool sp = false;
    for (int i = start; i < end && n < 21; i++) {
        bool is_sp = src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r';
        if (is_sp) {
            sp = n > 0;
            continue;
        }
        if (sp && n < 21)
            ctx[n++] = ' ';
        sp = false;
        if (n < 21)
            ctx[n++] = src[i];
    }
    bool cut = n > 20;
    if (cut)
        n = 20;
    ctx[n] = '\0';
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        abort();
    va_end(ap);
    rbox_error(s->err, 0, "template: :%d:%d: executing \"\" at <%s%s>: %s", line, col, ctx,
               cut ? "..." : "", m);
    free(m);
    longjmp(s->jb, 1);
}

static void step(struct tstate *s, int pos, int start, int end)
{
    if (++s->steps > TMPL_MAX_STEPS)
        xerr(s, pos, start, end, "more than %u steps: stopped", TMPL_MAX_STEPS);
    if (s->out.over)
        xerr(s, pos, start, end, "output larger than %u bytes", TMPL_MAX_OUTPUT);
}

/* ---- evaluation ---- */

static struct val eval_pipe(struct tstate *s, struct val dot, const struct tpipe *p, bool decl);

static const char *header_of(struct tstate *s, const char *field)
{
    for (const char *const *h = s->o->headers; h && h[0]; h += 2)
        if (strcmp(h[0], field) == 0)
            return h[1];
    char *u = ts_alloc(s, strlen(field) + 1);
    for (size_t i = 0; field[i]; i++)
        u[i] = (char)(field[i] >= 'a' && field[i] <= 'z' ? field[i] - 32 : field[i]);
    return u;
}

static struct val field(struct tstate *s, struct val v, const char *name, const struct operand *o)
{
    if (v.k == V_MAP) {
        yajl_val m = v.j;
        for (size_t i = 0; i < m->u.object.len; i++)
            if (strcmp(m->u.object.keys[i], name) == 0)
                return val_of_json(m->u.object.values[i]);
        xerr(s, o->pos, o->start, o->end, "map has no entry for key \"%s\"", name);
    }
    if (v.k == V_NIL)
        xerr(s, o->pos, o->start, o->end, "nil pointer evaluating interface {}.%s", name);
    xerr(s, o->pos, o->start, o->end, "can't evaluate field %s in type %s", name, val_type(&v));
}

static struct val chain(struct tstate *s, struct val v, const struct operand *o)
{
    if (ts_is_header(s) && o->nchain) {
        const char *h = header_of(s, o->chain[o->nchain - 1]);
        return (struct val){ .k = V_STR, .s = h, .slen = strlen(h) };
    }
    for (size_t k = 0; k < o->nchain; k++)
        v = field(s, v, o->chain[k], o);
    return v;
}

static struct val var_get(struct tstate *s, const char *name)
{
    for (size_t k = s->nvars; k-- > 0;)
        if (strcmp(s->vars[k].name, name) == 0)
            return s->vars[k].v;
    return (struct val){ .k = V_NIL }; /* the parser checked every name */
}

static void var_push(struct tstate *s, const char *name, struct val v)
{
    if (s->nvars == s->capvars)
        s->vars =
            xrealloc(s->vars, (s->capvars = s->capvars ? s->capvars * 2 : 16) * sizeof(*s->vars));
    s->vars[s->nvars++] = (struct tvar){ name, v };
}

static void var_set(struct tstate *s, const char *name, struct val v)
{
    for (size_t k = s->nvars; k-- > 0;)
        if (strcmp(s->vars[k].name, name) == 0) {
            s->vars[k].v = v;
            return;
        }
}

static struct val call(struct tstate *s, struct val dot, const struct tcmd *c,
                       const struct operand *fn, const struct val *final);

static struct val operand(struct tstate *s, struct val dot, const struct operand *o)
{
    switch (o->k) {
    case OP_FIELD: return chain(s, dot, o);
    case OP_DOT: return dot;
    case OP_VAR: return chain(s, var_get(s, o->s), o);
    case OP_STR: return (struct val){ .k = V_STR, .s = o->s, .slen = o->slen };
    case OP_INT: return (struct val){ .k = V_INT, .i = o->i };
    case OP_FLOAT: return (struct val){ .k = V_FLOAT, .f = o->f };
    case OP_BOOL: return (struct val){ .k = V_BOOL, .b = o->i != 0 };
    case OP_NIL: return (struct val){ .k = V_NIL };
    case OP_FUNC: {
        /* a function as an argument is called without arguments */
        struct tcmd c = {
            .pos = o->pos, .start = o->start, .end = o->end, .args = (struct operand *)o, .nargs = 1
        };
        return call(s, dot, &c, o, NULL);
    }
    case OP_PIPE: return chain(s, eval_pipe(s, dot, o->sub, false), o);
    }
    return (struct val){ .k = V_NIL };
}

/* the functions whose header pass returns their argument (docker's HeaderFunctions) */
static bool header_passthrough(const char *name)
{
    static const char *const names[] = { "json",  "split", "join", "title",
                                         "lower", "upper", "pad",  "truncate" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static struct val call(struct tstate *s, struct val dot, const struct tcmd *c,
                       const struct operand *fn, const struct val *final)
{
    step(s, c->pos, c->start, c->end);
    const struct tfunc_def *d = tfunc_find(fn->s);
    size_t n = c->nargs - 1 + (final != NULL);
    if ((int)n < d->min || (d->max >= 0 && (int)n > d->max)) {
        if (d->max < 0)
            xerr(s, fn->pos, fn->start, fn->end,
                 "wrong number of args for %s: want at least %d got %zu", fn->s, d->min, n);
        xerr(s, fn->pos, fn->start, fn->end, "wrong number of args for %s: want %d got %zu", fn->s,
             d->min, n);
    }
    /* and, or: evaluated left to right until the answer is known */
    if (!d->fn) {
        bool is_and = strcmp(fn->s, "and") == 0;
        struct val v = { .k = V_NIL };
        for (size_t k = 0; k < n; k++) {
            v = k + 1 < c->nargs ? operand(s, dot, &c->args[k + 1]) : *final;
            if (val_truth(&v) != is_and)
                break;
        }
        return v;
    }
    struct val *args = ts_alloc(s, (n ? n : 1) * sizeof(*args));
    for (size_t k = 0; k + 1 < c->nargs; k++)
        args[k] = operand(s, dot, &c->args[k + 1]);
    if (final)
        args[n - 1] = *final;
    if (ts_is_header(s) && header_passthrough(fn->s))
        return final ? *final : args[0];
    struct val out = { .k = V_NIL };
    char *msg = NULL;
    if (d->fn(s, args, n, &out, &msg) < 0) {
        char *m = ts_alloc(s, strlen(msg) + 1);
        strcpy(m, msg);
        free(msg);
        xerr(s, c->pos, c->start, c->end, "error calling %s: %s", fn->s, m);
    }
    return out;
}

static struct val command(struct tstate *s, struct val dot, const struct tcmd *c,
                          const struct val *final)
{
    const struct operand *o = &c->args[0];
    if (o->k == OP_FUNC)
        return call(s, dot, c, o, final);
    if (c->nargs > 1 || final) {
        if (o->nchain)
            xerr(s, o->pos, o->start, o->end, "%s is not a method but has arguments",
                 o->chain[o->nchain - 1]);
        xerr(s, o->pos, o->start, o->end, "can't give argument to non-function %.*s",
             o->end - o->start, s->t->src + o->start);
    }
    return operand(s, dot, o);
}

static struct val eval_pipe(struct tstate *s, struct val dot, const struct tpipe *p, bool decl)
{
    struct val v = { .k = V_NIL };
    for (size_t k = 0; k < p->ncmds; k++)
        v = command(s, dot, &p->cmds[k], k ? &v : NULL);
    if (decl)
        for (size_t k = 0; k < p->ndecl; k++) {
            if (p->assign)
                var_set(s, p->decl[k], v);
            else
                var_push(s, p->decl[k], v);
        }
    return v;
}

static void walk(struct tstate *s, struct val dot, const struct tlist *l);

static void range(struct tstate *s, struct val dot, const struct tnode *nd)
{
    const struct tpipe *p = nd->pipe;
    struct val v = eval_pipe(s, dot, p, false);
    size_t scope = s->nvars, n = 0;
    size_t *idx = NULL;
    switch (v.k) {
    case V_ARR:
    case V_LIST: n = val_len(&v); break;
    case V_MAP:
        n = val_len(&v);
        idx = sorted_keys(s, v.j);
        break;
    case V_INT: n = v.i > 0 ? (size_t)v.i : 0; break;
    case V_NIL: break;
    default: {
        struct tbuf b = { 0 };
        val_print(s, &b, &v, 0);
        char *m = ts_alloc(s, b.n + 1);
        if (b.n)
            memcpy(m, b.p, b.n);
        free(b.p);
        /* Go reports it at the last operand evaluated */
        const struct tcmd *c = &p->cmds[p->ncmds - 1];
        const struct operand *o = &c->args[c->nargs - 1];
        xerr(s, o->pos, o->start, o->end, "range can't iterate over %s", m);
    }
    }
    for (size_t k = 0; k < n; k++) {
        step(s, p->pos, nd->pos, p->end);
        struct val key, e;
        if (v.k == V_MAP) {
            const char *ks = v.j->u.object.keys[idx[k]];
            key = (struct val){ .k = V_STR, .s = ks, .slen = strlen(ks) };
            e = val_of_json(v.j->u.object.values[idx[k]]);
        } else if (v.k == V_INT) {
            key = e = (struct val){ .k = V_INT, .i = (int64_t)k };
        } else {
            key = (struct val){ .k = V_INT, .i = (int64_t)k };
            e = val_item(&v, k);
        }
        if (p->ndecl == 1)
            var_push(s, p->decl[0], e);
        else if (p->ndecl == 2) {
            var_push(s, p->decl[0], key);
            var_push(s, p->decl[1], e);
        }
        walk(s, e, nd->body);
        s->nvars = scope;
    }
    if (n == 0 && nd->alt)
        walk(s, dot, nd->alt);
}

static void walk(struct tstate *s, struct val dot, const struct tlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct tnode *nd = &l->v[i];
        const struct tpipe *p = nd->pipe;
        if (nd->k == N_TEXT) {
            tb_add(&s->out, nd->text, nd->len);
            step(s, nd->pos, nd->pos, nd->pos);
            continue;
        }
        step(s, p->pos, p->start, p->end);
        size_t scope = s->nvars;
        switch (nd->k) {
        case N_ACTION: {
            struct val v = eval_pipe(s, dot, p, true);
            if (p->ndecl || v.k == V_NIL)
                break;
            if (val_print(s, &s->out, &v, 0) < 0)
                xerr(s, p->pos, p->start, p->end, "value nested deeper than %d levels",
                     TMPL_MAX_DEPTH);
            break;
        }
        case N_IF:
        case N_WITH: {
            struct val v = eval_pipe(s, dot, p, true);
            if (val_truth(&v))
                walk(s, nd->k == N_WITH ? v : dot, nd->body);
            else if (nd->alt)
                walk(s, dot, nd->alt);
            s->nvars = scope;
            break;
        }
        case N_RANGE: range(s, dot, nd); break;
        case N_TEXT: break;
        }
    }
}

int tmpl_exec(const struct tmpl *t, yajl_val data, const struct tmpl_opts *o, char **out,
              size_t *len, rbox_err **err)
{
    static const struct tmpl_opts none = { 0 };
    struct tstate *s = xzalloc(sizeof(*s));
    s->t = t;
    s->o = o ? o : &none;
    s->err = err;
    struct val root = val_of_json(data);
    var_push(s, "$", root);
    int r = 0;
    if (setjmp(s->jb) == 0) {
        walk(s, root, t->root);
        if (s->out.over)
            r = rbox_error(err, 0, "template: output larger than %u bytes", TMPL_MAX_OUTPUT);
    } else {
        r = -1;
    }
    if (r < 0 && ts_is_header(s)) { /* docker ignores the header's errors */
        rbox_err_free(*err);
        *err = NULL;
        r = 0;
    }
    if (r == 0) {
        *len = s->out.n;
        *out = s->out.p ? s->out.p : xstrdup("");
        s->out.p = NULL;
    }
    free(s->out.p);
    free(s->vars);
    arena_free(&s->a);
    free(s);
    return r;
}
