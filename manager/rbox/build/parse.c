/* parse.c - the Containerfile parser (parse.h): directives, comments, continuations, flags,
 * exec forms. The word lexer (expansion) is in lex.c. */
#define _GNU_SOURCE
#include "parse.h"
#include "json.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    enum bf_kind kind;
    const char *flags; /* allowed flags, "|from|chown|" */
    bool json;         /* has an exec form */
} kinds[] = {
    { "FROM", BF_FROM, "|platform|", false },
    { "RUN", BF_RUN, "||", true },
    { "CMD", BF_CMD, "||", true },
    { "ENTRYPOINT", BF_ENTRYPOINT, "||", true },
    { "COPY", BF_COPY, "|from|chown|chmod|link|", true },
    { "ADD", BF_ADD, "|chown|chmod|link|", true },
    { "ENV", BF_ENV, "||", false },
    { "ARG", BF_ARG, "||", false },
    { "WORKDIR", BF_WORKDIR, "||", false },
    { "USER", BF_USER, "||", false },
    { "LABEL", BF_LABEL, "||", false },
    { "EXPOSE", BF_EXPOSE, "||", false },
    { "VOLUME", BF_VOLUME, "||", true },
    { "STOPSIGNAL", BF_STOPSIGNAL, "||", false },
    { "SHELL", BF_SHELL, "||", true },
    { "ONBUILD", BF_ONBUILD, "||", false },
    { "MAINTAINER", BF_MAINTAINER, "||", false },
    { "HEALTHCHECK", BF_HEALTHCHECK, "|interval|timeout|start-period|retries|start-interval|",
      false },
};

const char *bf_kind_name(enum bf_kind k)
{
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        if (kinds[i].kind == k)
            return kinds[i].name;
    return "?";
}

void bf_instr_clear(struct bf_instr *in)
{
    free(in->text);
    strv_free(in->flags);
    strv_free(in->args);
    if (in->sub) {
        bf_instr_clear(in->sub);
        free(in->sub);
    }
    memset(in, 0, sizeof(*in));
}

void bf_file_clear(struct bf_file *f)
{
    for (size_t i = 0; i < f->n; i++)
        bf_instr_clear(&f->v[i]);
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* A JSON array of strings -> args; false when text is not one. */
static bool parse_json_array(const char *text, char ***args, size_t *n)
{
    yajl_val v = NULL;
    rbox_err *e = NULL;
    if (json_parse(text, "exec form", &v, &e) < 0) {
        rbox_err_free(e);
        return false;
    }
    bool ok = YAJL_IS_ARRAY(v);
    for (size_t i = 0; ok && i < v->u.array.len; i++)
        ok = YAJL_IS_STRING(v->u.array.values[i]);
    if (ok) {
        *args = xcalloc(v->u.array.len + 1, sizeof(char *));
        for (size_t i = 0; i < v->u.array.len; i++)
            (*args)[i] = xstrdup(YAJL_GET_STRING(v->u.array.values[i]));
        *n = v->u.array.len;
    }
    yajl_tree_free(v);
    return ok;
}

/* `<<EOF`, `<<-EOF`, `<<"EOF"`: buildkit reads these as heredocs, which are not supported. */
static bool has_heredoc(const char *s)
{
    for (const char *p = strstr(s, "<<"); p; p = strstr(p + 2, "<<")) {
        const char *q = p + 2;
        if (*q == '-')
            q++;
        if (*q == '"' || *q == '\'')
            q++;
        if (isalpha((unsigned char)*q) || *q == '_')
            return true;
    }
    return false;
}

static int check_flags(const struct bf_instr *in, const char *allowed, const char *name,
                       rbox_err **err)
{
    for (char **f = in->flags; *f; f++) {
        const char *k = *f + 2;
        size_t klen = strcspn(k, "=");
        _cleanup_free_ char *key = xasprintf("|%.*s|", (int)klen, k);
        if (klen && strstr(allowed, key))
            continue;
        if (in->kind == BF_RUN && klen == 5 && strncmp(k, "mount", 5) == 0)
            return rbox_error(err, 0, "%s:%d: RUN --mount is not supported", name, in->line);
        return rbox_error(err, 0, "%s:%d: unknown flag %.*s for %s", name, in->line, (int)klen + 2,
                          *f, bf_kind_name(in->kind));
    }
    return 0;
}

static int check_args(const struct bf_instr *in, char escape, const char *name, rbox_err **err)
{
    const char *kn = bf_kind_name(in->kind);
    if (in->nargs == 0 || (!in->json && in->args[0][0] == '\0'))
        return rbox_error(err, 0, "%s:%d: %s requires at least one argument", name, in->line, kn);
    if (in->kind == BF_SHELL && !in->json)
        return rbox_error(err, 0, "%s:%d: SHELL requires the arguments in JSON form", name,
                          in->line);
    if ((in->kind == BF_COPY || in->kind == BF_ADD) && in->json && in->nargs < 2)
        return rbox_error(err, 0, "%s:%d: %s requires at least two arguments", name, in->line, kn);
    if (in->json)
        return 0;
    if ((in->kind == BF_RUN || in->kind == BF_COPY || in->kind == BF_ADD) &&
        has_heredoc(in->args[0]))
        return rbox_error(err, 0, "%s:%d: heredocs (<<) are not supported", name, in->line);
    _cleanup_strv_ char **w = NULL;
    size_t nw = 0;
    switch (in->kind) {
    case BF_FROM:
        if (bf_words(in->args[0], escape, &w, err) < 0)
            return rbox_error_prefix(err, "%s:%d", name, in->line);
        nw = strv_len(w);
        if (nw != 1 && !(nw == 3 && strcasecmp(w[1], "as") == 0))
            return rbox_error(err, 0, "%s:%d: FROM takes IMAGE [AS NAME]", name, in->line);
        return 0;
    case BF_COPY:
    case BF_ADD:
        if (bf_words(in->args[0], escape, &w, err) < 0)
            return rbox_error_prefix(err, "%s:%d", name, in->line);
        if (strv_len(w) < 2)
            return rbox_error(err, 0, "%s:%d: %s requires at least two arguments", name, in->line,
                              kn);
        return 0;
    case BF_ENV:
    case BF_LABEL:
    case BF_ARG: {
        char **k = NULL, **v = NULL;
        size_t n = 0;
        if (bf_pairs(in, escape, &k, &v, &n, err) < 0)
            return rbox_error_prefix(err, "%s:%d", name, in->line);
        bf_pairs_free(k, v, n);
        return 0;
    }
    case BF_HEALTHCHECK: {
        /* the flags' values are checked by healthcheck.c when the step runs */
        const char *a = in->args[0];
        size_t l = strcspn(a, " \t");
        if ((l == 4 && strncasecmp(a, "NONE", 4) == 0 && a[4] == '\0') ||
            (l == 3 && strncasecmp(a, "CMD", 3) == 0 && a[3 + strspn(a + 3, " \t")] != '\0'))
            return 0;
        return rbox_error(err, 0, "%s:%d: HEALTHCHECK takes CMD COMMAND or NONE", name, in->line);
    }
    case BF_WORKDIR:
    case BF_USER:
    case BF_STOPSIGNAL:
        if (bf_words(in->args[0], escape, &w, err) < 0)
            return rbox_error_prefix(err, "%s:%d", name, in->line);
        if (strv_len(w) != 1)
            return rbox_error(err, 0, "%s:%d: %s requires exactly one argument", name, in->line,
                              kn);
        return 0;
    default:
        if (bf_words(in->args[0], escape, &w, err) < 0)
            return rbox_error_prefix(err, "%s:%d", name, in->line);
        return 0;
    }
}

int bf_parse_line(const char *line, int lineno, char escape, const char *name, struct bf_instr *out,
                  rbox_err **err)
{
    memset(out, 0, sizeof(*out));
    out->line = lineno;
    while (blank(*line))
        line++;
    size_t wl = strcspn(line, " \t\r\f\v");
    int k = -1;
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        if (strlen(kinds[i].name) == wl && strncasecmp(kinds[i].name, line, wl) == 0)
            k = (int)i;
    if (k < 0) {
        return rbox_error(err, 0, "%s:%d: unknown instruction %.*s", name, lineno,
                          (int)(wl > 40 ? 40 : wl), line);
    }
    out->kind = kinds[k].kind;
    const char *rest = line + wl;
    while (blank(*rest))
        rest++;
    size_t rlen = strlen(rest);
    while (rlen && blank(rest[rlen - 1]))
        rlen--;
    out->text = xasprintf("%s %.*s", kinds[k].name, (int)rlen, rest);
    size_t nf = 0;
    out->flags = xcalloc(1, sizeof(char *));
    const char *p = rest;
    while (out->kind != BF_ONBUILD && p[0] == '-' && p[1] == '-') {
        size_t fl = strcspn(p, " \t\r\f\v");
        if (fl == 2) /* "--" alone is an argument */
            break;
        strv_push(&out->flags, &nf, xstrndup(p, fl));
        p += fl;
        while (blank(*p))
            p++;
    }
    size_t plen = rlen - (size_t)(p - rest);
    _cleanup_free_ char *args = xstrndup(p, p > rest + rlen ? 0 : plen);
    if (kinds[k].json && args[0] == '[' && parse_json_array(args, &out->args, &out->nargs))
        out->json = true;
    else {
        out->args = xcalloc(2, sizeof(char *));
        out->args[0] = steal_pointer(&args);
        out->nargs = 1;
    }
    int r = check_flags(out, kinds[k].flags, name, err);
    if (r == 0)
        r = check_args(out, escape, name, err);
    if (r == 0 && out->kind == BF_ONBUILD) {
        struct bf_instr sub;
        if (bf_parse_line(out->args[0], lineno, escape, name, &sub, err) < 0)
            r = -1;
        else if (sub.kind == BF_ONBUILD || sub.kind == BF_FROM || sub.kind == BF_MAINTAINER) {
            r = rbox_error(err, 0, "%s:%d: ONBUILD %s is not allowed", name, lineno,
                           bf_kind_name(sub.kind));
            bf_instr_clear(&sub);
        } else {
            out->sub = xmalloc(sizeof(sub));
            *out->sub = sub;
        }
    }
    if (r < 0)
        bf_instr_clear(out);
    return r;
}

/* "# key=value" at the top: 1 a directive (key, value filled), 0 not one. */
static int directive(const char *line, size_t len, char *key, size_t ksz, char *val, size_t vsz)
{
    size_t i = 0;
    while (i < len && blank(line[i]))
        i++;
    if (i >= len || line[i] != '#')
        return 0;
    i++;
    while (i < len && blank(line[i]))
        i++;
    size_t ks = i;
    while (i < len && (isalnum((unsigned char)line[i])))
        i++;
    size_t ke = i;
    while (i < len && blank(line[i]))
        i++;
    if (ke == ks || ke - ks >= ksz || i >= len || line[i] != '=')
        return 0;
    i++;
    while (i < len && blank(line[i]))
        i++;
    size_t ve = len;
    while (ve > i && blank(line[ve - 1]))
        ve--;
    if (ve - i >= vsz)
        return 0;
    memcpy(key, line + ks, ke - ks);
    key[ke - ks] = '\0';
    memcpy(val, line + i, ve - i);
    val[ve - i] = '\0';
    return 1;
}

static bool comment_or_blank(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && blank(line[i]))
        i++;
    return i == len || line[i] == '#';
}

static int add_line(struct bf_file *f, const char *text, int lineno, const char *name,
                    rbox_err **err)
{
    struct bf_instr in;
    if (bf_parse_line(text, lineno, f->escape, name, &in, err) < 0)
        return -1;
    f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
    f->v[f->n++] = in;
    return 0;
}

static int check_stages(const struct bf_file *f, const char *name, rbox_err **err)
{
    bool from = false;
    for (size_t i = 0; i < f->n; i++) {
        if (f->v[i].kind == BF_FROM)
            from = true;
        else if (!from && f->v[i].kind != BF_ARG)
            return rbox_error(err, 0, "%s:%d: %s before the first FROM", name, f->v[i].line,
                              bf_kind_name(f->v[i].kind));
    }
    if (!from)
        return rbox_error(err, 0, "%s: no FROM instruction", name);
    return 0;
}

int bf_parse(const char *text, const char *name, struct bf_file *out, rbox_err **err)
{
    struct bf_file f = { .escape = '\\' };
    bool directives = true, seen_escape = false;
    char *acc = NULL; /* the logical line being joined */
    size_t acclen = 0;
    int accline = 0, lineno = 0;
    const char *p = text;
    int r = 0;
    while (r == 0 && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *line = p;
        p = nl ? nl + 1 : p + len;
        lineno++;
        if (directives) {
            char key[32], val[32];
            if (directive(line, len, key, sizeof(key), val, sizeof(val))) {
                if (strcasecmp(key, "escape") == 0) {
                    if (seen_escape) {
                        r = rbox_error(err, 0, "%s:%d: only one escape directive is allowed", name,
                                       lineno);
                        break;
                    }
                    if (strcmp(val, "\\") != 0 && strcmp(val, "`") != 0) {
                        r = rbox_error(err, 0, "%s:%d: invalid escape character %s (\\ or `)", name,
                                       lineno, val);
                        break;
                    }
                    f.escape = val[0];
                    seen_escape = true;
                    continue;
                }
                if (strcasecmp(key, "syntax") == 0 || strcasecmp(key, "check") == 0)
                    continue;
            }
            directives = false;
        }
        if (comment_or_blank(line, len))
            continue; /* also inside a continuation (docker drops them) */
        size_t end = len;
        while (end && blank(line[end - 1]))
            end--;
        bool cont = end && line[end - 1] == f.escape;
        if (cont)
            end--;
        if (!acc)
            accline = lineno;
        acc = xrealloc(acc, acclen + end + 1);
        memcpy(acc + acclen, line, end);
        acclen += end;
        acc[acclen] = '\0';
        if (cont)
            continue;
        r = add_line(&f, acc, accline, name, err);
        free(acc);
        acc = NULL;
        acclen = 0;
    }
    if (r == 0 && acc)
        r = add_line(&f, acc, accline, name, err);
    free(acc);
    if (r == 0)
        r = check_stages(&f, name, err);
    if (r < 0) {
        bf_file_clear(&f);
        return -1;
    }
    *out = f;
    return 0;
}
