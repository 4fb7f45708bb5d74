/* lex.c - docker's shell-word lexer for Containerfiles (parse.h): variable substitution,
 * quotes, escapes, field splitting. Follows moby/buildkit's frontend/dockerfile/shell/lex.go:
 * an unset variable is empty, "$" not followed by a name is literal, expanded values outside
 * quotes are split into fields by bf_fields. */
#define _GNU_SOURCE
#include "parse.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_NEST 32 /* ${a:-${b:-...}} */

struct sbuf {
    char *s;
    size_t len, cap;
};

static void sb_add(struct sbuf *b, char c)
{
    if (b->len + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        b->s = xrealloc(b->s, b->cap);
    }
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

static char *sb_take(struct sbuf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    memset(b, 0, sizeof(*b));
    return s;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

struct fields {
    char **v;
    size_t n;
    struct sbuf cur;
    bool inword;
    bool split;
};

static void f_end(struct fields *f)
{
    if (f->inword)
        strv_push(&f->v, &f->n, sb_take(&f->cur));
    f->inword = false;
}

/* raw: quoted or escaped, never splits */
static void f_char(struct fields *f, char c, bool raw)
{
    if (f->split && !raw && blank(c)) {
        f_end(f);
        return;
    }
    sb_add(&f->cur, c);
    f->inword = true;
}

static void f_str(struct fields *f, const char *s, bool raw)
{
    for (; *s; s++)
        f_char(f, *s, raw);
}

static void f_clear(struct fields *f)
{
    strv_free(f->v);
    free(f->cur.s);
}

struct lex {
    const char *p;
    char esc;
    bf_lookup fn;
    void *ctx;
    int depth;
};

static int lex_until(struct lex *L, char stop, struct fields *f, rbox_err **err);

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* After "${NAME" + modifier: the word up to '}' (itself lexed, unsplit). */
static int sub_word(struct lex *L, char **out, rbox_err **err)
{
    if (++L->depth > MAX_NEST)
        return rbox_error(err, 0, "substitutions nested too deeply");
    struct fields w = { 0 };
    int r = lex_until(L, '}', &w, err);
    L->depth--;
    if (r < 0) {
        f_clear(&w);
        return -1;
    }
    *out = sb_take(&w.cur);
    f_clear(&w);
    return 0;
}

/* L->p is just after '$': the value (allocated). */
static int dollar(struct lex *L, char **out, rbox_err **err)
{
    if (*L->p != '{') {
        const char *s = L->p;
        while (name_char(*L->p))
            L->p++;
        if (L->p == s) {
            *out = xstrdup("$");
            return 0;
        }
        _cleanup_free_ char *name = xstrndup(s, (size_t)(L->p - s));
        const char *v = L->fn ? L->fn(L->ctx, name) : NULL;
        *out = xstrdup(v ? v : "");
        return 0;
    }
    L->p++;
    const char *s = L->p;
    while (name_char(*L->p))
        L->p++;
    if (L->p == s)
        return rbox_error(err, 0, "bad substitution: ${ without a variable name");
    _cleanup_free_ char *name = xstrndup(s, (size_t)(L->p - s));
    const char *v = L->fn ? L->fn(L->ctx, name) : NULL;
    if (*L->p == '}') {
        L->p++;
        *out = xstrdup(v ? v : "");
        return 0;
    }
    bool colon = *L->p == ':';
    if (colon)
        L->p++;
    char mod = *L->p;
    if (mod != '-' && mod != '+' && mod != '?') {
        if (mod == '\0')
            return rbox_error(err, 0, "missing '}' after ${%s", name);
        return rbox_error(err, 0, "unsupported modifier (%c) in substitution ${%s", mod, name);
    }
    L->p++;
    _cleanup_free_ char *word = NULL;
    if (sub_word(L, &word, err) < 0)
        return -1;
    bool set = colon ? v && *v : v != NULL;
    switch (mod) {
    case '-': *out = xstrdup(set ? v : word); return 0;
    case '+': *out = xstrdup(set ? word : ""); return 0;
    default: /* '?' */
        if (!set)
            return rbox_error(err, 0, "%s: %s", name, *word ? word : "is not allowed to be unset");
        *out = xstrdup(v);
        return 0;
    }
}

static int single_quote(struct lex *L, struct fields *f, rbox_err **err)
{
    for (;;) {
        char c = *L->p;
        if (c == '\0')
            return rbox_error(err, 0,
                              "unexpected end of statement while looking for matching "
                              "single-quote");
        L->p++;
        if (c == '\'')
            return 0;
        f_char(f, c, true);
    }
}

static int double_quote(struct lex *L, struct fields *f, rbox_err **err)
{
    f->inword = true; /* "" is an (empty) word */
    for (;;) {
        char c = *L->p;
        if (c == '\0')
            return rbox_error(err, 0,
                              "unexpected end of statement while looking for matching "
                              "double-quote");
        L->p++;
        if (c == '"')
            return 0;
        if (c == '$') {
            _cleanup_free_ char *v = NULL;
            if (dollar(L, &v, err) < 0)
                return -1;
            f_str(f, v, true);
            continue;
        }
        if (c == L->esc) {
            char n = *L->p;
            if (n == '"' || n == '$' || n == L->esc) {
                L->p++;
                c = n;
            }
        }
        f_char(f, c, true);
    }
}

static int lex_until(struct lex *L, char stop, struct fields *f, rbox_err **err)
{
    for (;;) {
        char c = *L->p;
        if (c == '\0') {
            if (stop)
                return rbox_error(err, 0, "missing '%c'", stop);
            return 0;
        }
        L->p++;
        if (stop && c == stop)
            return 0;
        if (c == '\'') {
            f->inword = true;
            if (single_quote(L, f, err) < 0)
                return -1;
        } else if (c == '"') {
            if (double_quote(L, f, err) < 0)
                return -1;
        } else if (c == L->esc) {
            if (*L->p == '\0')
                return 0;
            f_char(f, *L->p++, true);
        } else if (c == '$') {
            _cleanup_free_ char *v = NULL;
            if (dollar(L, &v, err) < 0)
                return -1;
            f_str(f, v, false);
        } else
            f_char(f, c, false);
    }
}

int bf_expand(const char *word, char escape, bf_lookup fn, void *ctx, char **out, rbox_err **err)
{
    struct lex L = { .p = word, .esc = escape, .fn = fn, .ctx = ctx };
    struct fields f = { 0 };
    if (lex_until(&L, 0, &f, err) < 0) {
        f_clear(&f);
        return -1;
    }
    *out = sb_take(&f.cur);
    f_clear(&f);
    return 0;
}

int bf_fields(const char *line, char escape, bf_lookup fn, void *ctx, char ***out, rbox_err **err)
{
    struct lex L = { .p = line, .esc = escape, .fn = fn, .ctx = ctx };
    struct fields f = { .split = true };
    if (lex_until(&L, 0, &f, err) < 0) {
        f_clear(&f);
        return -1;
    }
    f_end(&f);
    *out = f.v ? f.v : xcalloc(1, sizeof(char *));
    free(f.cur.s);
    return 0;
}

int bf_words(const char *line, char escape, char ***out, rbox_err **err)
{
    (void)err;
    char **v = xcalloc(1, sizeof(char *));
    size_t n = 0;
    const char *p = line;
    for (;;) {
        while (blank(*p))
            p++;
        if (!*p)
            break;
        const char *s = p;
        char q = 0;
        while (*p && (q || !blank(*p))) {
            if (*p == escape && p[1] && q != '\'')
                p++;
            else if (!q && (*p == '"' || *p == '\''))
                q = *p;
            else if (q && *p == q)
                q = 0;
            p++;
        }
        strv_push(&v, &n, xstrndup(s, (size_t)(p - s)));
    }
    *out = v;
    return 0;
}

void bf_pairs_free(char **keys, char **vals, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(keys[i]);
        free(vals[i]);
    }
    free(keys);
    free(vals);
}

int bf_pairs(const struct bf_instr *in, char escape, char ***keys, char ***vals, size_t *n,
             rbox_err **err)
{
    const char *what = bf_kind_name(in->kind);
    _cleanup_strv_ char **w = NULL;
    if (bf_words(in->args[0], escape, &w, err) < 0)
        return -1;
    size_t nw = strv_len(w);
    if (nw == 0)
        return rbox_error(err, 0, "%s requires at least one argument", what);
    char **k = xcalloc(nw + 1, sizeof(char *)), **v = xcalloc(nw + 1, sizeof(char *));
    *keys = k, *vals = v, *n = 0;
    if (in->kind != BF_ARG && !strchr(w[0], '=')) {
        /* the old form: ENV KEY the rest of the line */
        const char *rest = in->args[0] + strcspn(in->args[0], " \t");
        rest += strspn(rest, " \t");
        if (!*rest) {
            bf_pairs_free(k, v, nw);
            return rbox_error(err, 0, "%s %s needs a value (%s KEY=VALUE or %s KEY VALUE)", what,
                              w[0], what, what);
        }
        k[0] = xstrdup(w[0]);
        v[0] = xstrdup(rest);
        *n = 1;
        return 0;
    }
    for (size_t i = 0; i < nw; i++) {
        char *eq = strchr(w[i], '=');
        if (eq == w[i] || (!eq && in->kind != BF_ARG)) {
            bf_pairs_free(k, v, nw);
            return rbox_error(err, 0, "%s: %s is not of the form NAME=VALUE", what, w[i]);
        }
        k[i] = eq ? xstrndup(w[i], (size_t)(eq - w[i])) : xstrdup(w[i]);
        v[i] = eq ? xstrdup(eq + 1) : NULL;
    }
    *n = nw;
    return 0;
}
