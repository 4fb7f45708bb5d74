/* template_parse.c - Go's text/template syntax: the lexer (text and actions, trim markers,
 * comments, literals) and the parser (pipelines, commands, operands, if/else/range/with/end).
 * Errors are Go's words: "template: :LINE: MESSAGE"; they unwind by longjmp, the arena frees. */
#define _GNU_SOURCE
#include "template_int.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *arena_alloc(struct arena *a, size_t n)
{
    if (a->n == a->cap)
        a->p = xrealloc(a->p, (a->cap = a->cap ? a->cap * 2 : 64) * sizeof(*a->p));
    void *p = xzalloc(n ? n : 1);
    a->p[a->n++] = p;
    return p;
}

void arena_free(struct arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->p[i]);
    free(a->p);
    a->p = NULL;
    a->n = a->cap = 0;
}

enum tok {
    T_TEXT,
    T_LEFT,
    T_RIGHT,
    T_SPACE,
    T_FIELD,
    T_DOT,
    T_VAR,
    T_STR,
    T_RAW,
    T_NUM,
    T_CHAR,
    T_BOOL,
    T_IDENT,
    T_KEYWORD,
    T_PIPE,
    T_LPAREN,
    T_RPAREN,
    T_DECL,
    T_ASSIGN,
    T_COMMA,
    T_OTHER,
    T_ERR, /* a lexer error, reported when the parser reaches it (as Go's lexer runs ahead) */
    T_EOF
};

struct token {
    enum tok t;
    int pos, len, line;
};

struct parser {
    struct tmpl *t;
    const char *src;
    size_t srclen;
    struct token *tok;
    size_t ntok, cap, i;
    jmp_buf jb, ljb;
    const char *lerr; /* T_ERR's message */
    rbox_err **err;
    int depth;
    /* variables in scope (names point into the source or the arena) */
    const char **vars;
    size_t nvars, capvars;
};

static NORETURN PRINTF(3, 4) void perr(struct parser *p, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        abort();
    va_end(ap);
    rbox_error(p->err, 0, "template: :%d: %s", line, m);
    free(m);
    longjmp(p->jb, 1);
}

static void *grow(struct parser *p, void *old, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return old;
    size_t nc = *cap ? *cap * 2 : 8;
    void *v = arena_alloc(&p->t->a, nc * size);
    if (n)
        memcpy(v, old, n * size);
    *cap = nc;
    return v;
}

static int line_at(const char *src, int pos)
{
    int line = 1;
    for (int i = 0; i < pos; i++)
        line += src[i] == '\n';
    return line;
}

static void emit(struct parser *p, enum tok t, int pos, int len)
{
    if (p->ntok == p->cap)
        p->tok = xrealloc(p->tok, (p->cap = p->cap ? p->cap * 2 : 64) * sizeof(*p->tok));
    p->tok[p->ntok++] = (struct token){ t, pos, len, line_at(p->src, pos) };
}

/* A lexer error: the token stream ends with it. */
static NORETURN PRINTF(3, 4) void lerr(struct parser *p, int pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        abort();
    va_end(ap);
    p->lerr = arena_alloc(&p->t->a, strlen(m) + 1);
    strcpy((char *)p->lerr, m);
    free(m);
    emit(p, T_ERR, pos, 0);
    longjmp(p->ljb, 1);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum(unsigned char c)
{
    return c == '_' || isalnum(c) || c >= 0x80;
}

/* " -}}" or "}}" at i: its length (0: neither); *trim for the marker */
static int at_right(const char *s, size_t i, bool *trim)
{
    if (is_space(s[i]) && s[i + 1] == '-' && s[i + 2] == '}' && s[i + 3] == '}') {
        *trim = true;
        return 4;
    }
    *trim = false;
    return s[i] == '}' && s[i + 1] == '}' ? 2 : 0;
}

static const char *const keywords[] = { "if",     "else",     "end",   "range", "with",
                                        "define", "template", "block", "break", "continue" };

static size_t lex_quoted(struct parser *p, size_t i, char q)
{
    size_t j = i + 1;
    for (;;) {
        char c = p->src[j];
        if (c == '\\' && q != '`') {
            if (p->src[j + 1] == '\0' || p->src[j + 1] == '\n')
                lerr(p, (int)j,
                     q == '"' ? "unterminated quoted string" : "unterminated character constant");
            j += 2;
            continue;
        }
        if (c == '\0' || (c == '\n' && q != '`'))
            lerr(p, (int)i,
                 q == '"'   ? "unterminated quoted string"
                 : q == '`' ? "unterminated raw quoted string"
                            : "unterminated character constant");
        j++;
        if (c == q)
            return j;
    }
}

/* One action, from after its left delimiter; returns the index after the right one, and
 * whether it trims the text after it. */
static size_t lex_action(struct parser *p, size_t i, bool *trim_after)
{
    const char *s = p->src;
    int parens = 0;
    for (;;) {
        int r = at_right(s, i, trim_after);
        if (r) {
            if (parens > 0)
                lerr(p, (int)i, "unclosed left paren");
            if (*trim_after)
                emit(p, T_SPACE, (int)i, 1);
            emit(p, T_RIGHT, (int)i + r - 2, 2);
            return i + r;
        }
        unsigned char c = (unsigned char)s[i];
        size_t j = i + 1;
        if (c == '\0') {
            lerr(p, (int)i, "unclosed action");
        } else if (is_space((char)c)) {
            while (is_space(s[j]) && !(s[j + 1] == '-' && s[j + 2] == '}' && s[j + 3] == '}'))
                j++;
            emit(p, T_SPACE, (int)i, (int)(j - i));
        } else if (c == '=') {
            emit(p, T_ASSIGN, (int)i, 1);
        } else if (c == ':') {
            if (s[j] != '=')
                lerr(p, (int)i, "expected :=");
            emit(p, T_DECL, (int)i, 2);
            j++;
        } else if (c == '|') {
            emit(p, T_PIPE, (int)i, 1);
        } else if (c == '(') {
            emit(p, T_LPAREN, (int)i, 1);
            parens++;
        } else if (c == ')') {
            if (--parens < 0)
                lerr(p, (int)i, "unexpected right paren U+0029 ')'");
            emit(p, T_RPAREN, (int)i, 1);
        } else if (c == ',') {
            emit(p, T_COMMA, (int)i, 1);
        } else if (c == '"' || c == '`' || c == '\'') {
            j = lex_quoted(p, i, (char)c);
            emit(p, c == '"' ? T_STR : c == '`' ? T_RAW : T_CHAR, (int)i, (int)(j - i));
        } else if (c == '$') {
            while (is_alnum((unsigned char)s[j]))
                j++;
            emit(p, T_VAR, (int)i, (int)(j - i));
        } else if (isdigit(c) ||
                   ((c == '-' || c == '+' || c == '.') && isdigit((unsigned char)s[j]))) {
            while (is_alnum((unsigned char)s[j]) || s[j] == '.' ||
                   ((s[j] == '+' || s[j] == '-') && strchr("eEpP", s[j - 1]) &&
                    !(s[i + 1] == 'x' || s[i + 1] == 'X')))
                j++;
            emit(p, T_NUM, (int)i, (int)(j - i));
        } else if (c == '.') {
            if (is_alnum((unsigned char)s[j])) {
                while (is_alnum((unsigned char)s[j]))
                    j++;
                emit(p, T_FIELD, (int)i, (int)(j - i));
            } else {
                emit(p, T_DOT, (int)i, 1);
            }
        } else if (is_alnum(c)) {
            while (is_alnum((unsigned char)s[j]))
                j++;
            size_t n = j - i;
            enum tok t = T_IDENT;
            for (size_t k = 0; k < ARRAY_SIZE(keywords); k++)
                if (strlen(keywords[k]) == n && memcmp(keywords[k], s + i, n) == 0)
                    t = T_KEYWORD;
            if ((n == 4 && memcmp(s + i, "true", 4) == 0) ||
                (n == 5 && memcmp(s + i, "false", 5) == 0))
                t = T_BOOL;
            emit(p, t, (int)i, (int)n);
        } else if (c < 0x80 && isprint(c)) {
            emit(p, T_OTHER, (int)i, 1);
        } else {
            lerr(p, (int)i, "unrecognized character in action: U+%04X", c);
        }
        i = j;
    }
}

static void lex_all(struct parser *p)
{
    const char *s = p->src;
    size_t i = 0;
    bool trim_next = false;
    for (;;) {
        const char *l = strstr(s + i, "{{");
        size_t j = l ? (size_t)(l - s) : p->srclen;
        size_t a = i, b = j;
        bool trim_left = l && s[j + 2] == '-' && is_space(s[j + 3]);
        if (trim_next)
            while (a < b && is_space(s[a]))
                a++;
        if (trim_left)
            while (b > a && is_space(s[b - 1]))
                b--;
        if (b > a)
            emit(p, T_TEXT, (int)a, (int)(b - a));
        if (!l)
            break;
        i = j + 2 + (trim_left ? 2 : 0);
        /* a comment is the whole action */
        if (s[i] == '/' && s[i + 1] == '*') {
            const char *e = strstr(s + i + 2, "*/");
            if (!e)
                lerr(p, (int)j, "unclosed comment");
            i = (size_t)(e - s) + 2;
            int r = at_right(s, i, &trim_next);
            if (!r)
                lerr(p, (int)i, "comment ends before closing delimiter");
            i += (size_t)r;
            continue;
        }
        emit(p, T_LEFT, (int)j, 2);
        i = lex_action(p, i, &trim_next);
    }
    emit(p, T_EOF, (int)p->srclen, 0);
}

static void lex(struct parser *p)
{
    if (setjmp(p->ljb) == 0)
        lex_all(p);
}

/* ---- the parser ---- */

static struct token *peek(struct parser *p)
{
    struct token *t = &p->tok[p->i];
    if (t->t == T_ERR)
        perr(p, t->line, "%s", p->lerr);
    return t;
}

static struct token *next(struct parser *p)
{
    struct token *t = peek(p);
    if (t->t != T_EOF)
        p->i++;
    return t;
}

static struct token *peek_ns(struct parser *p)
{
    while (peek(p)->t == T_SPACE)
        p->i++;
    return peek(p);
}

static struct token *next_ns(struct parser *p)
{
    peek_ns(p);
    return next(p);
}

static char *tok_text(struct parser *p, const struct token *t)
{
    char *s = arena_alloc(&p->t->a, (size_t)t->len + 1);
    memcpy(s, p->src + t->pos, (size_t)t->len);
    return s;
}

/* Go's item.String() in "unexpected X in Y" */
static NORETURN void unexpected(struct parser *p, const struct token *t, const char *ctx)
{
    if (t->t == T_EOF)
        perr(p, t->line, "unexpected EOF in %s", ctx);
    if (t->t == T_KEYWORD)
        perr(p, t->line, "unexpected <%.*s> in %s", t->len, p->src + t->pos, ctx);
    if (t->len > 10)
        perr(p, t->line, "unexpected \"%.10s\"... in %s", p->src + t->pos, ctx);
    perr(p, t->line, "unexpected \"%.*s\" in %s", t->len, p->src + t->pos, ctx);
}

static void deeper(struct parser *p, const struct token *t)
{
    if (++p->depth > TMPL_MAX_DEPTH)
        perr(p, t->line, "nesting deeper than %d", TMPL_MAX_DEPTH);
}

static void var_push(struct parser *p, const char *name)
{
    if (p->nvars == p->capvars)
        p->vars =
            xrealloc(p->vars, (p->capvars = p->capvars ? p->capvars * 2 : 16) * sizeof(*p->vars));
    p->vars[p->nvars++] = name;
}

static bool var_known(struct parser *p, const char *name, size_t n)
{
    for (size_t k = p->nvars; k-- > 0;)
        if (strlen(p->vars[k]) == n && memcmp(p->vars[k], name, n) == 0)
            return true;
    return false;
}

/* Go's unquoting of "..." and '...' (the common escapes, \x, \u, \U, octal). */
static char *unquote(struct parser *p, const struct token *t, size_t *len)
{
    const char *s = p->src + t->pos + 1, *e = p->src + t->pos + t->len - 1;
    char *out = arena_alloc(&p->t->a, (size_t)t->len * 2 + 8), *o = out;
    if (p->src[t->pos] == '`') {
        memcpy(out, s, (size_t)(e - s));
        *len = (size_t)(e - s);
        return out;
    }
    while (s < e) {
        if (*s != '\\') {
            *o++ = *s++;
            continue;
        }
        s++;
        char c = *s++;
        const char *simple = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"''";
        const char *m = strchr(simple, c);
        if (m && ((m - simple) % 2) == 0 && c) {
            *o++ = m[1];
            continue;
        }
        int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : (c >= '0' && c <= '7') ? 3 : 0;
        if (!digits)
            perr(p, t->line, "invalid syntax: %.*s", t->len, p->src + t->pos);
        if (c >= '0' && c <= '7')
            s--;
        uint32_t v = 0;
        for (int k = 0; k < digits; k++, s++) {
            if (s >= e || !isxdigit((unsigned char)*s) || (digits == 3 && (*s < '0' || *s > '7')))
                perr(p, t->line, "invalid syntax: %.*s", t->len, p->src + t->pos);
            v = v * (digits == 3 ? 8 : 16) +
                (uint32_t)(isdigit((unsigned char)*s) ? *s - '0'
                                                      : (tolower((unsigned char)*s) - 'a' + 10));
        }
        if (c == 'x' || digits == 3) {
            if (v > 255)
                perr(p, t->line, "invalid syntax: %.*s", t->len, p->src + t->pos);
            *o++ = (char)v;
        } else if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) {
            perr(p, t->line, "invalid syntax: %.*s", t->len, p->src + t->pos);
        } else if (v < 0x80) {
            *o++ = (char)v;
        } else if (v < 0x800) {
            *o++ = (char)(0xC0 | (v >> 6));
            *o++ = (char)(0x80 | (v & 0x3F));
        } else if (v < 0x10000) {
            *o++ = (char)(0xE0 | (v >> 12));
            *o++ = (char)(0x80 | ((v >> 6) & 0x3F));
            *o++ = (char)(0x80 | (v & 0x3F));
        } else {
            *o++ = (char)(0xF0 | (v >> 18));
            *o++ = (char)(0x80 | ((v >> 12) & 0x3F));
            *o++ = (char)(0x80 | ((v >> 6) & 0x3F));
            *o++ = (char)(0x80 | (v & 0x3F));
        }
    }
    *len = (size_t)(o - out);
    return out;
}

/* The first code point of a UTF-8 string, or -1. */
static int32_t first_rune(const unsigned char *s, size_t n, size_t *used)
{
    if (n == 0)
        return -1;
    int len = s[0] < 0x80         ? 1
              : (s[0] >> 5) == 6  ? 2
              : (s[0] >> 4) == 14 ? 3
              : (s[0] >> 3) == 30 ? 4
                                  : 0;
    if (len == 0 || (size_t)len > n)
        return -1;
    int32_t v = len == 1 ? s[0] : s[0] & (0x7F >> len);
    for (int k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return -1;
        v = (v << 6) | (s[k] & 0x3F);
    }
    *used = (size_t)len;
    return v;
}

static void number(struct parser *p, const struct token *t, struct operand *o)
{
    char buf[128];
    size_t n = 0;
    if (t->len >= (int)sizeof(buf))
        perr(p, t->line, "bad number syntax: \"%.*s\"", t->len, p->src + t->pos);
    for (int k = 0; k < t->len; k++)
        if (p->src[t->pos + k] != '_')
            buf[n++] = p->src[t->pos + k];
    buf[n] = '\0';
    const char *d = buf + (buf[0] == '+' || buf[0] == '-');
    bool hex = d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
    if (!hex && strpbrk(buf, ".eEpP")) {
        char *end;
        errno = 0;
        o->f = strtod(buf, &end);
        if (*end || errno || buf[0] == '.' || end == buf)
            perr(p, t->line, "bad number syntax: \"%.*s\"", t->len, p->src + t->pos);
        o->k = OP_FLOAT;
        return;
    }
    int base = 10;
    if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O'))
        base = 8, d += 2;
    else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B'))
        base = 2, d += 2;
    else if (hex)
        base = 16, d += 2;
    else if (d[0] == '0' && d[1])
        base = 8, d += 1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(d, &end, base);
    if (*end || end == d || errno || !isalnum((unsigned char)*d) ||
        v > (buf[0] == '-' ? (unsigned long long)INT64_MAX + 1 : (unsigned long long)INT64_MAX))
        perr(p, t->line, "bad number syntax: \"%.*s\"", t->len, p->src + t->pos);
    o->k = OP_INT;
    o->i = buf[0] == '-' ? (int64_t)(0 - v) : (int64_t)v;
}

static struct tpipe *pipeline(struct parser *p, const char *ctx, enum tok end, bool decls);

static void add_chain(struct parser *p, struct operand *o, const struct token *t, size_t *cap)
{
    o->chain = grow(p, o->chain, o->nchain, cap, sizeof(*o->chain));
    struct token name = { t->t, t->pos + 1, t->len - 1, t->line };
    o->chain[o->nchain++] = tok_text(p, &name);
}

static void operand(struct parser *p, struct operand *o)
{
    struct token *t = next(p);
    size_t cap = 0;
    o->pos = o->start = t->pos;
    o->end = t->pos + t->len;
    switch (t->t) {
    case T_FIELD:
        o->k = OP_FIELD;
        add_chain(p, o, t, &cap);
        break;
    case T_DOT: o->k = OP_DOT; break;
    case T_VAR:
        o->k = OP_VAR;
        o->s = tok_text(p, t);
        if (!var_known(p, o->s, strlen(o->s)))
            perr(p, t->line, "undefined variable \"%s\"", o->s);
        break;
    case T_STR:
    case T_RAW:
        o->k = OP_STR;
        o->s = unquote(p, t, &o->slen);
        break;
    case T_CHAR: {
        size_t n, used = 0;
        char *s = unquote(p, t, &n);
        int32_t r = first_rune((const unsigned char *)s, n, &used);
        if (r < 0 || used != n)
            perr(p, t->line, "malformed character constant: %.*s", t->len, p->src + t->pos);
        o->k = OP_INT;
        o->i = r;
        break;
    }
    case T_NUM: number(p, t, o); break;
    case T_BOOL:
        o->k = OP_BOOL;
        o->i = p->src[t->pos] == 't';
        break;
    case T_IDENT:
        o->s = tok_text(p, t);
        if (strcmp(o->s, "nil") == 0) {
            o->k = OP_NIL;
            break;
        }
        if (!tfunc_find(o->s))
            perr(p, t->line, "function \"%s\" not defined", o->s);
        o->k = OP_FUNC;
        break;
    case T_LPAREN:
        deeper(p, t);
        o->k = OP_PIPE;
        o->sub = pipeline(p, "parenthesized pipeline", T_RPAREN, false);
        o->end = peek(p)[-1].pos + 1;
        p->depth--;
        break;
    default: unexpected(p, t, "operand");
    }
    /* a chain: .A.B, $x.A, (pipe).A */
    bool chained = false;
    while (peek(p)->t == T_FIELD) {
        t = next(p);
        if (o->k == OP_DOT || o->k == OP_STR || o->k == OP_INT || o->k == OP_FLOAT ||
            o->k == OP_BOOL || o->k == OP_FUNC)
            unexpected(p, t, "operand");
        if (o->k == OP_NIL)
            perr(p, t->line, "nil is not a command");
        if (!chained)
            o->pos = t->pos;
        chained = true;
        add_chain(p, o, t, &cap);
        o->end = t->pos + t->len;
    }
}

static void command(struct parser *p, struct tcmd *c, enum tok end)
{
    struct token *t = peek_ns(p);
    c->pos = c->start = t->pos;
    struct operand *v = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        t = peek_ns(p);
        if (t->t == end || t->t == T_PIPE)
            break;
        if (t->t == T_RIGHT || t->t == T_RPAREN || t->t == T_EOF)
            unexpected(p, t, "operand");
        v = grow(p, v, n, &cap, sizeof(*v));
        memset(&v[n], 0, sizeof(*v));
        operand(p, &v[n]);
        n++;
        t = peek(p);
        if (t->t != T_SPACE && t->t != end && t->t != T_PIPE)
            unexpected(p, t, "operand");
    }
    if (n == 0)
        perr(p, t->line, "missing value for command");
    c->args = v;
    c->nargs = n;
    c->end = c->args[n - 1].end;
}

static struct tpipe *pipeline(struct parser *p, const char *ctx, enum tok end, bool decls)
{
    struct tpipe *pp = arena_alloc(&p->t->a, sizeof(*pp));
    struct token *t = peek_ns(p);
    pp->pos = pp->start = t->pos;
    /* $x := / $x = / $i, $v := */
    size_t save = p->i;
    if (t->t == T_VAR) {
        struct token *v1 = next(p), *v2 = NULL;
        struct token *op = next_ns(p);
        if (op->t == T_COMMA && decls) {
            v2 = next_ns(p);
            if (v2->t != T_VAR)
                perr(p, v2->line, "range can only initialize variables");
            op = next_ns(p);
        }
        if (op->t == T_DECL || (op->t == T_ASSIGN && !v2)) {
            pp->assign = op->t == T_ASSIGN;
            pp->decl[pp->ndecl++] = tok_text(p, v1);
            if (v2)
                pp->decl[pp->ndecl++] = tok_text(p, v2);
            for (size_t k = 0; k < pp->ndecl; k++) {
                if (pp->assign && !var_known(p, pp->decl[k], strlen(pp->decl[k])))
                    perr(p, v1->line, "undefined variable \"%s\"", pp->decl[k]);
            }
        } else if (v2) {
            unexpected(p, op, ctx);
        } else {
            p->i = save;
        }
    }
    struct tcmd *v = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        t = peek_ns(p);
        if (t->t == end) {
            next(p);
            break;
        }
        if (t->t == T_EOF || t->t == T_RIGHT || t->t == T_RPAREN)
            unexpected(p, t, ctx);
        if (n > 0) {
            if (t->t != T_PIPE)
                unexpected(p, t, ctx);
            next(p);
            if (peek_ns(p)->t == end)
                perr(p, t->line, "missing command after |");
        }
        v = grow(p, v, n, &cap, sizeof(*v));
        memset(&v[n], 0, sizeof(*v));
        command(p, &v[n], end);
        n++;
    }
    if (n == 0)
        perr(p, t->line, "missing value for %s", ctx);
    pp->cmds = v;
    pp->ncmds = n;
    pp->end = pp->cmds[n - 1].end;
    /* a literal cannot take the value piped into it */
    for (size_t k = 1; k < n; k++) {
        enum op_kind ok = pp->cmds[k].args[0].k;
        if (ok != OP_FUNC && ok != OP_FIELD && ok != OP_VAR && ok != OP_PIPE && ok != OP_DOT)
            perr(p, t->line, "non executable command in pipeline stage %zu", k + 1);
    }
    for (size_t k = 0; k < pp->ndecl && !pp->assign; k++)
        var_push(p, pp->decl[k]);
    return pp;
}

enum term { TERM_EOF, TERM_END, TERM_ELSE };

static struct tlist *list(struct parser *p, enum term *how, struct token **at);

static bool is_kw(struct parser *p, const struct token *t, const char *kw)
{
    return t->t == T_KEYWORD && (size_t)t->len == strlen(kw) &&
           memcmp(p->src + t->pos, kw, (size_t)t->len) == 0;
}

static void expect_right(struct parser *p, const char *ctx)
{
    struct token *t = next_ns(p);
    if (t->t != T_RIGHT)
        unexpected(p, t, ctx);
}

/* if/with/range after the keyword; consumes through {{end}} */
static void control(struct parser *p, struct tnode *nd, const char *kw, struct token *kwt)
{
    deeper(p, kwt);
    size_t scope = p->nvars;
    nd->pipe = pipeline(p, kw, T_RIGHT, nd->k == N_RANGE);
    enum term how;
    struct token *at;
    nd->body = list(p, &how, &at);
    if (how == TERM_EOF)
        perr(p, at->line, "unexpected EOF");
    if (how == TERM_ELSE) {
        struct token *t = peek_ns(p);
        if ((nd->k == N_IF && is_kw(p, t, "if")) || (nd->k == N_WITH && is_kw(p, t, "with"))) {
            /* {{else if ...}}: an else branch holding one if, which takes our {{end}} */
            next(p);
            nd->alt = arena_alloc(&p->t->a, sizeof(*nd->alt));
            nd->alt->v = arena_alloc(&p->t->a, sizeof(struct tnode));
            nd->alt->n = 1;
            nd->alt->v[0].k = nd->k;
            nd->alt->v[0].pos = t->pos;
            control(p, &nd->alt->v[0], kw, t);
            p->nvars = scope;
            p->depth--;
            return;
        }
        expect_right(p, "else");
        nd->alt = list(p, &how, &at);
        if (how == TERM_EOF)
            perr(p, at->line, "unexpected EOF");
        if (how != TERM_END)
            perr(p, at->line, "unexpected {{else}}");
    }
    p->nvars = scope;
    p->depth--;
}

static struct tlist *list(struct parser *p, enum term *how, struct token **at)
{
    struct tlist *l = arena_alloc(&p->t->a, sizeof(*l));
    struct tnode *v = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        struct token *t = next(p);
        if (t->t == T_EOF) {
            *how = TERM_EOF;
            *at = t;
            break;
        }
        v = grow(p, v, n, &cap, sizeof(*v));
        struct tnode *nd = &v[n];
        memset(nd, 0, sizeof(*nd));
        nd->pos = t->pos;
        if (t->t == T_TEXT) {
            nd->k = N_TEXT;
            nd->text = p->src + t->pos;
            nd->len = (size_t)t->len;
            n++;
            continue;
        }
        /* T_LEFT */
        struct token *k = peek_ns(p);
        if (is_kw(p, k, "end") || is_kw(p, k, "else")) {
            next(p);
            *how = is_kw(p, k, "end") ? TERM_END : TERM_ELSE;
            *at = k;
            if (*how == TERM_END)
                expect_right(p, "end");
            break;
        }
        if (is_kw(p, k, "if") || is_kw(p, k, "with") || is_kw(p, k, "range")) {
            next(p);
            nd->k = is_kw(p, k, "if") ? N_IF : is_kw(p, k, "with") ? N_WITH : N_RANGE;
            nd->pos = k->pos;
            /* the nested list may realloc v: parse into a local node */
            struct tnode tmp = *nd;
            control(p, &tmp, nd->k == N_IF ? "if" : nd->k == N_WITH ? "with" : "range", k);
            v[n++] = tmp;
            continue;
        }
        if (k->t == T_KEYWORD)
            perr(p, k->line, "{{%.*s}} is not supported", k->len, p->src + k->pos);
        nd->k = N_ACTION;
        nd->pipe = pipeline(p, "command", T_RIGHT, false);
        n++;
    }
    l->v = v;
    l->n = n;
    return l;
}

int tmpl_parse(const char *text, struct tmpl **out, rbox_err **err)
{
    size_t n = strlen(text);
    if (n > TMPL_MAX_TEXT)
        return rbox_error(err, 0, "template: longer than %d bytes", TMPL_MAX_TEXT);
    struct tmpl *t = xzalloc(sizeof(*t));
    t->src = arena_alloc(&t->a, n + 8); /* zeroed: the lexer may look a few bytes ahead */
    memcpy(t->src, text, n);
    struct parser *p = xzalloc(sizeof(*p));
    p->t = t;
    p->src = t->src;
    p->srclen = n;
    p->err = err;
    var_push(p, "$");
    if (setjmp(p->jb)) {
        free(p->tok);
        free(p->vars);
        free(p);
        tmpl_free(t);
        return -1;
    }
    lex(p);
    enum term how;
    struct token *at;
    t->root = list(p, &how, &at);
    if (how != TERM_EOF)
        perr(p, at->line, "unexpected {{%s}}", how == TERM_END ? "end" : "else");
    free(p->tok);
    free(p->vars);
    free(p);
    *out = t;
    return 0;
}

void tmpl_free(struct tmpl *t)
{
    if (!t)
        return;
    arena_free(&t->a);
    free(t);
}
