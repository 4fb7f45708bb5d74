/* template_funcs.c - the functions a template may call: Go's built-ins (and, or, not, len,
 * index, slice, print, printf, println, eq, ne, lt, le, gt, ge) and docker's (json, join,
 * split, lower, upper, title, pad, truncate); printf with Go's verbs and its %!v(...) marks.
 * A function fails by returning -1 with *msg (malloc'd); the caller adds "error calling X". */
#define _GNU_SOURCE
#include "template_int.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PRINTF(2, 3) int fail(char **msg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    return -1;
}

/* a value printed with %v into the arena */
static const char *printed(struct tstate *s, const struct val *v)
{
    struct tbuf b = { 0 };
    val_print(s, &b, v, 0);
    char *out = ts_alloc(s, b.n + 1);
    if (b.n)
        memcpy(out, b.p, b.n);
    free(b.p);
    return out;
}

static struct val from_buf(struct tstate *s, struct tbuf *b)
{
    struct val v = val_str(s, b->p ? b->p : "", b->n);
    free(b->p);
    return v;
}

/* a float that is an int64 (the range first: casting one outside it is undefined) */
static bool integral(const struct val *v)
{
    return v->k == V_FLOAT && v->f >= -9223372036854775808.0 && v->f < 9223372036854775808.0 &&
           v->f == (double)(int64_t)v->f;
}

static int want_str(const struct val *v, char **msg)
{
    if (v->k != V_STR)
        return fail(msg, "wrong type for value; expected string; got %s", val_type(v));
    return 0;
}

static int want_int(const struct val *v, int64_t *out, char **msg)
{
    if (v->k == V_INT) {
        *out = v->i;
        return 0;
    }
    if (integral(v)) {
        *out = (int64_t)v->f;
        return 0;
    }
    return fail(msg, "wrong type for value; expected int; got %s", val_type(v));
}

static int f_not(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)s, (void)n, (void)msg;
    *out = (struct val){ .k = V_BOOL, .b = !val_truth(&a[0]) };
    return 0;
}

static int f_len(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)s, (void)n;
    if (a[0].k != V_STR && a[0].k != V_MAP && a[0].k != V_ARR && a[0].k != V_LIST)
        return fail(msg, "len of %s", a[0].k == V_NIL ? "nil pointer" : "type int");
    *out = (struct val){ .k = V_INT, .i = (int64_t)val_len(&a[0]) };
    return 0;
}

static int f_index(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    struct val v = a[0];
    for (size_t k = 1; k < n; k++) {
        if (v.k == V_NIL)
            return fail(msg, "index of untyped nil");
        if (v.k == V_MAP) {
            if (a[k].k != V_STR)
                return fail(msg, "value has type %s; should be string", val_type(&a[k]));
            yajl_val m = v.j, found = NULL;
            bool hit = false;
            for (size_t i = 0; i < m->u.object.len && !hit; i++)
                if (strcmp(m->u.object.keys[i], a[k].s) == 0)
                    found = m->u.object.values[i], hit = true;
            v = val_of_json(found);
            continue;
        }
        if (v.k != V_ARR && v.k != V_LIST && v.k != V_STR)
            return fail(msg, "can't index item of type %s", val_type(&v));
        int64_t i;
        if (a[k].k != V_INT && !integral(&a[k]))
            return fail(msg, "cannot index slice/array with type %s", val_type(&a[k]));
        want_int(&a[k], &i, msg);
        if (i < 0 || (uint64_t)i >= val_len(&v))
            return fail(msg, "index out of range: %lld", (long long)i);
        if (v.k == V_STR)
            v = (struct val){ .k = V_INT, .i = (unsigned char)v.s[i] };
        else
            v = val_item(&v, (size_t)i);
    }
    (void)s;
    *out = v;
    return 0;
}

static int f_slice(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    struct val v = a[0];
    if (v.k == V_NIL)
        return fail(msg, "slice of untyped nil");
    if (v.k != V_STR && v.k != V_ARR && v.k != V_LIST)
        return fail(msg, "can't slice item of type %s", val_type(&v));
    if (n > 3)
        return fail(msg, "too many slice indexes: %zu", n - 1);
    int64_t ix[2] = { 0, (int64_t)val_len(&v) };
    for (size_t k = 1; k < n; k++) {
        if (want_int(&a[k], &ix[k - 1], msg) < 0)
            return -1;
        if (ix[k - 1] < 0 || ix[k - 1] > (int64_t)val_len(&v))
            return fail(msg, "index out of range: %lld", (long long)ix[k - 1]);
    }
    if (ix[0] > ix[1])
        return fail(msg, "invalid slice index: %lld > %lld", (long long)ix[0], (long long)ix[1]);
    if (v.k == V_STR) {
        *out = val_str(s, v.s + ix[0], (size_t)(ix[1] - ix[0]));
        return 0;
    }
    size_t m = (size_t)(ix[1] - ix[0]);
    struct val *items = ts_alloc(s, (m ? m : 1) * sizeof(*items));
    for (size_t k = 0; k < m; k++)
        items[k] = val_item(&v, (size_t)ix[0] + k);
    *out = (struct val){ .k = V_LIST, .items = items, .n = m };
    return 0;
}

/* fmt.Sprint (spaces between operands when neither is a string) and fmt.Sprintln */
static int sprint(struct tstate *s, struct val *a, size_t n, struct val *out, bool ln)
{
    struct tbuf b = { 0 };
    for (size_t k = 0; k < n; k++) {
        if (k && (ln || (a[k - 1].k != V_STR && a[k].k != V_STR)))
            tb_char(&b, ' ');
        val_print(s, &b, &a[k], 0);
    }
    if (ln)
        tb_char(&b, '\n');
    *out = from_buf(s, &b);
    return 0;
}

static int f_print(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)msg;
    return sprint(s, a, n, out, false);
}

static int f_println(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)msg;
    return sprint(s, a, n, out, true);
}

static int f_printf(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    if (want_str(&a[0], msg) < 0)
        return -1;
    struct tbuf b = { 0 };
    go_sprintf(s, &b, a[0].s, a[0].slen, a + 1, n - 1, msg);
    *out = from_buf(s, &b);
    return 0;
}

/* Comparison: numbers as numbers (JSON does not keep Go's int/float apart), strings, bools. */
static bool is_num(const struct val *v)
{
    return v->k == V_INT || v->k == V_FLOAT;
}

static int cmp(const struct val *x, const struct val *y, int *out, char **msg)
{
    if (is_num(x) && is_num(y)) {
        if (x->k == V_INT && y->k == V_INT)
            *out = x->i < y->i ? -1 : x->i > y->i;
        else {
            double a = x->k == V_INT ? (double)x->i : x->f, b = y->k == V_INT ? (double)y->i : y->f;
            *out = a < b ? -1 : a > b;
        }
        return 0;
    }
    if (x->k != y->k)
        return fail(msg, "incompatible types for comparison");
    if (x->k == V_STR) {
        size_t m = x->slen < y->slen ? x->slen : y->slen;
        int c = memcmp(x->s, y->s, m);
        *out = c ? (c < 0 ? -1 : 1) : x->slen < y->slen ? -1 : x->slen > y->slen;
        return 0;
    }
    if (x->k == V_BOOL) {
        *out = x->b != y->b ? 2 : 0; /* ordered: no */
        return 0;
    }
    if (x->k == V_NIL) {
        *out = 0;
        return 0;
    }
    return fail(msg, "invalid type for comparison");
}

static int f_eq(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)s;
    bool eq = false;
    for (size_t k = 1; k < n && !eq; k++) {
        int c;
        if ((a[0].k == V_NIL) != (a[k].k == V_NIL))
            continue;
        if (cmp(&a[0], &a[k], &c, msg) < 0)
            return -1;
        eq = c == 0;
    }
    *out = (struct val){ .k = V_BOOL, .b = eq };
    return 0;
}

static int f_ne(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    if (f_eq(s, a, n, out, msg) < 0)
        return -1;
    out->b = !out->b;
    return 0;
}

static int order(struct val *a, struct val *out, char **msg, int want_lo, int want_hi)
{
    int c;
    if (a[0].k == V_BOOL || a[0].k == V_NIL || cmp(&a[0], &a[1], &c, msg) < 0)
        return *msg ? -1 : fail(msg, "invalid type for comparison");
    *out = (struct val){ .k = V_BOOL, .b = c >= want_lo && c <= want_hi };
    return 0;
}

static int f_lt(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)s, (void)n;
    return order(a, out, msg, -1, -1);
}

static int f_le(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)s, (void)n;
    return order(a, out, msg, -1, 0);
}

static int f_gt(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)s, (void)n;
    return order(a, out, msg, 1, 1);
}

static int f_ge(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)s, (void)n;
    return order(a, out, msg, 0, 1);
}

static int f_json(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)n;
    struct tbuf b = { 0 };
    if (val_json(s, &b, &a[0], 0) < 0) {
        free(b.p);
        return fail(msg, "value nested deeper than %d levels", TMPL_MAX_DEPTH);
    }
    *out = from_buf(s, &b);
    return 0;
}

static int f_join(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)n;
    if (a[0].k != V_ARR && a[0].k != V_LIST)
        return fail(msg, "wrong type for value; expected []string; got %s", val_type(&a[0]));
    if (want_str(&a[1], msg) < 0)
        return -1;
    struct tbuf b = { 0 };
    for (size_t k = 0; k < val_len(&a[0]); k++) {
        if (k)
            tb_add(&b, a[1].s, a[1].slen);
        struct val e = val_item(&a[0], k);
        val_print(s, &b, &e, 0);
    }
    *out = from_buf(s, &b);
    return 0;
}

static int f_split(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)n;
    if (want_str(&a[0], msg) < 0 || want_str(&a[1], msg) < 0)
        return -1;
    const char *p = a[0].s, *end = a[0].s + a[0].slen;
    size_t cap = 8, m = 0;
    struct val *items = xmalloc(cap * sizeof(*items));
    for (;;) {
        const char *hit = NULL;
        if (a[1].slen == 0) {
            /* no separator: one element per UTF-8 sequence */
            if (p == end)
                break;
            hit = p + 1;
            while (hit < end && ((unsigned char)*hit & 0xC0) == 0x80)
                hit++;
        } else {
            hit = memmem(p, (size_t)(end - p), a[1].s, a[1].slen);
        }
        if (m == cap)
            items = xrealloc(items, (cap *= 2) * sizeof(*items));
        if (!hit) {
            items[m++] = val_str(s, p, (size_t)(end - p));
            break;
        }
        items[m++] = val_str(s, p, (size_t)(hit - p));
        p = hit + a[1].slen;
    }
    struct val *v = ts_alloc(s, m * sizeof(*v) + 1);
    memcpy(v, items, m * sizeof(*v));
    free(items);
    *out = (struct val){ .k = V_LIST, .items = v, .n = m };
    return 0;
}

/* ASCII case mapping (other letters are left as they are) */
static int change_case(struct tstate *s, struct val *a, struct val *out, char **msg, int how)
{
    if (want_str(&a[0], msg) < 0)
        return -1;
    *out = val_str(s, a[0].s, a[0].slen);
    char *p = (char *)out->s;
    bool sep = true;
    for (size_t i = 0; i < out->slen; i++) {
        unsigned char c = (unsigned char)p[i];
        bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z';
        if ((how == 1 || (how == 2 && sep)) && lower)
            p[i] = (char)(c - 32);
        else if (how == 0 && upper)
            p[i] = (char)(c + 32);
        /* strings.Title: a letter starts a word after a separator */
        sep = !(lower || upper || (c >= '0' && c <= '9') || c == '_' || c >= 0x80);
    }
    return 0;
}

static int f_lower(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)n;
    return change_case(s, a, out, msg, 0);
}

static int f_upper(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)n;
    return change_case(s, a, out, msg, 1);
}

static int f_title(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)n;
    return change_case(s, a, out, msg, 2);
}

static int f_pad(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)n;
    int64_t pre = 0, post = 0;
    if (want_str(&a[0], msg) < 0 || want_int(&a[1], &pre, msg) < 0 ||
        want_int(&a[2], &post, msg) < 0)
        return -1;
    if (pre < 0 || post < 0)
        return fail(msg, "strings: negative Repeat count");
    if (pre > (int64_t)TMPL_MAX_OUTPUT || post > (int64_t)TMPL_MAX_OUTPUT)
        return fail(msg, "padding larger than %u bytes", TMPL_MAX_OUTPUT);
    size_t len = (size_t)pre + a[0].slen + (size_t)post;
    char *p = ts_alloc(s, len + 1);
    memset(p, ' ', len);
    memcpy(p + pre, a[0].s, a[0].slen);
    *out = (struct val){ .k = V_STR, .s = p, .slen = len };
    return 0;
}

static int f_truncate(struct tstate *s, struct val *a, size_t n, struct val *out, char **msg)
{
    (void)n;
    int64_t len = 0;
    if (want_str(&a[0], msg) < 0 || want_int(&a[1], &len, msg) < 0)
        return -1;
    if (len < 0 && (size_t)0 < a[0].slen)
        return fail(msg, "runtime error: slice bounds out of range [:%lld]", (long long)len);
    *out = (size_t)len < a[0].slen ? val_str(s, a[0].s, (size_t)len) : a[0];
    return 0;
}

static const struct tfunc_def funcs[] = {
    { "and", 1, -1, NULL },
    { "or", 1, -1, NULL },
    { "not", 1, 1, f_not },
    { "len", 1, 1, f_len },
    { "index", 1, -1, f_index },
    { "slice", 1, -1, f_slice },
    { "print", 0, -1, f_print },
    { "printf", 1, -1, f_printf },
    { "println", 0, -1, f_println },
    { "eq", 1, -1, f_eq },
    { "ne", 2, 2, f_ne },
    { "lt", 2, 2, f_lt },
    { "le", 2, 2, f_le },
    { "gt", 2, 2, f_gt },
    { "ge", 2, 2, f_ge },
    { "json", 1, 1, f_json },
    { "join", 2, 2, f_join },
    { "split", 2, 2, f_split },
    { "lower", 1, 1, f_lower },
    { "upper", 1, 1, f_upper },
    { "title", 1, 1, f_title },
    { "pad", 3, 3, f_pad },
    { "truncate", 2, 2, f_truncate },
};

const struct tfunc_def *tfunc_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
        if (strcmp(funcs[i].name, name) == 0)
            return &funcs[i];
    return NULL;
}

/* ---- printf ---- */

struct spec {
    bool minus, plus, space, zero, sharp;
    int width, prec; /* -1: none */
    char verb;
};

static size_t runes(const char *p, size_t n)
{
    size_t r = 0;
    for (size_t i = 0; i < n; i++)
        r += ((unsigned char)p[i] & 0xC0) != 0x80;
    return r;
}

/* bytes of the first k runes */
static size_t rune_prefix(const char *p, size_t n, size_t k)
{
    size_t i = 0;
    for (size_t r = 0; i < n; i++) {
        if (((unsigned char)p[i] & 0xC0) != 0x80 && r++ == k)
            break;
    }
    return i;
}

/* text padded to the width (in runes); zero padding goes after a sign */
static void padded(struct tbuf *b, const struct spec *sp, const char *p, size_t n, bool num)
{
    size_t w = runes(p, n);
    size_t fill = sp->width > 0 && (size_t)sp->width > w ? (size_t)sp->width - w : 0;
    if (sp->minus) {
        tb_add(b, p, n);
        for (size_t i = 0; i < fill; i++)
            tb_char(b, ' ');
        return;
    }
    if (sp->zero && num) {
        size_t sign = n && (p[0] == '-' || p[0] == '+' || p[0] == ' ');
        tb_add(b, p, sign);
        for (size_t i = 0; i < fill; i++)
            tb_char(b, '0');
        tb_add(b, p + sign, n - sign);
        return;
    }
    for (size_t i = 0; i < fill; i++)
        tb_char(b, ' ');
    tb_add(b, p, n);
}

static void bad_verb(struct tstate *s, struct tbuf *b, char verb, const struct val *v)
{
    if (v->k == V_NIL)
        tb_fmt(b, "%%!%c(<nil>)", verb);
    else
        tb_fmt(b, "%%!%c(%s=%s)", verb, val_type(v), printed(s, v));
}

static void fmt_int(struct tbuf *b, const struct spec *sp, int64_t i)
{
    char digits[96];
    unsigned long long u = i < 0 ? 0ull - (unsigned long long)i : (unsigned long long)i;
    int prec = sp->prec < 0 ? 1 : sp->prec > 64 ? 64 : sp->prec;
    switch (sp->verb) {
    case 'x': snprintf(digits, sizeof(digits), sp->sharp ? "%#.*llx" : "%.*llx", prec, u); break;
    case 'X': snprintf(digits, sizeof(digits), sp->sharp ? "%#.*llX" : "%.*llX", prec, u); break;
    case 'o': snprintf(digits, sizeof(digits), sp->sharp ? "%#.*llo" : "%.*llo", prec, u); break;
    case 'b': {
        char tmp[65];
        int n = 0;
        do
            tmp[n++] = (char)('0' + (u & 1));
        while (u >>= 1);
        int k = 0;
        for (; n < prec && k < 64 - n; k++)
            digits[k] = '0';
        for (int j = n; j-- > 0;)
            digits[k++] = tmp[j];
        digits[k] = '\0';
        break;
    }
    default: snprintf(digits, sizeof(digits), "%.*llu", prec, u); break;
    }
    if (sp->prec == 0 && i == 0)
        digits[0] = '\0';
    char out[100];
    snprintf(out, sizeof(out), "%s%s", i < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "", digits);
    struct spec z = *sp;
    z.zero = sp->zero && sp->prec < 0;
    padded(b, &z, out, strlen(out), true);
}

static void fmt_float(struct tbuf *b, const struct spec *sp, double f)
{
    char c[32], out[512];
    if ((sp->verb == 'g' || sp->verb == 'G') && sp->prec < 0) {
        struct tbuf t = { 0 };
        go_float(&t, f);
        snprintf(out, sizeof(out), "%s%s", f >= 0 && sp->plus ? "+" : "", t.p ? t.p : "");
        free(t.p);
    } else {
        snprintf(c, sizeof(c), "%%%s%s%s.%d%c", sp->plus ? "+" : "", sp->space ? " " : "",
                 sp->sharp ? "#" : "",
                 sp->prec < 0     ? 6
                 : sp->prec > 300 ? 300
                                  : sp->prec,
                 sp->verb);
        snprintf(out, sizeof(out), c, f);
    }
    padded(b, sp, out, strlen(out), true);
}

static void fmt_one(struct tstate *s, struct tbuf *b, const struct spec *sp, const struct val *v)
{
    char verb = sp->verb;
    struct tbuf t = { 0 };
    switch (verb) {
    case 'v':
    case 's':
    case 'q':
        if (v->k == V_STR) {
            size_t n = v->slen;
            if (sp->prec >= 0)
                n = rune_prefix(v->s, v->slen, (size_t)sp->prec);
            if (verb == 'q' || (verb == 'v' && sp->sharp))
                go_quote(&t, v->s, n);
            else
                tb_add(&t, v->s, n);
        } else if (verb == 'q' && v->k == V_INT && v->i >= 0x20 && v->i < 0x7f) {
            tb_fmt(&t, "'%c'", (char)v->i);
        } else if ((verb == 'v' || v->k == V_MAP || v->k == V_ARR || v->k == V_LIST) &&
                   verb != 'q') {
            if (v->k == V_FLOAT && sp->prec >= 0) {
                struct spec g = *sp;
                g.verb = 'g';
                g.width = -1;
                fmt_float(&t, &g, v->f);
            } else {
                val_print(s, &t, v, 0);
            }
        } else {
            bad_verb(s, b, verb, v);
            return;
        }
        padded(b, sp, t.p ? t.p : "", t.n, false);
        free(t.p);
        return;
    case 'd':
    case 'x':
    case 'X':
    case 'o':
    case 'b':
    case 'c':
        if (v->k == V_STR && (verb == 'x' || verb == 'X')) {
            for (size_t i = 0; i < v->slen; i++)
                tb_fmt(&t, verb == 'x' ? "%02x" : "%02X", (unsigned char)v->s[i]);
            padded(b, sp, t.p ? t.p : "", t.n, false);
            free(t.p);
            return;
        }
        if (v->k != V_INT && !integral(v)) {
            bad_verb(s, b, verb, v);
            return;
        }
        int64_t i = v->k == V_INT ? v->i : (int64_t)v->f;
        if (verb == 'c') {
            char u[5] = { 0 };
            uint32_t r = i < 0 || i > 0x10FFFF ? 0xFFFD : (uint32_t)i;
            if (r < 0x80)
                u[0] = (char)r;
            else if (r < 0x800)
                u[0] = (char)(0xC0 | (r >> 6)), u[1] = (char)(0x80 | (r & 0x3F));
            else if (r < 0x10000)
                u[0] = (char)(0xE0 | (r >> 12)), u[1] = (char)(0x80 | ((r >> 6) & 0x3F)),
                u[2] = (char)(0x80 | (r & 0x3F));
            else
                u[0] = (char)(0xF0 | (r >> 18)), u[1] = (char)(0x80 | ((r >> 12) & 0x3F)),
                u[2] = (char)(0x80 | ((r >> 6) & 0x3F)), u[3] = (char)(0x80 | (r & 0x3F));
            padded(b, sp, u, strlen(u) ? strlen(u) : 1, false);
            return;
        }
        fmt_int(b, sp, i);
        return;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
        if (!is_num(v)) {
            bad_verb(s, b, verb, v);
            return;
        }
        fmt_float(b, sp, v->k == V_INT ? (double)v->i : v->f);
        return;
    case 't':
        if (v->k != V_BOOL) {
            bad_verb(s, b, verb, v);
            return;
        }
        padded(b, sp, v->b ? "true" : "false", v->b ? 4 : 5, false);
        return;
    default: bad_verb(s, b, verb, v); return;
    }
}

int go_sprintf(struct tstate *s, struct tbuf *b, const char *fmt, size_t flen, struct val *args,
               size_t n, char **msg)
{
    (void)msg;
    size_t used = 0;
    for (size_t i = 0; i < flen;) {
        if (fmt[i] != '%') {
            size_t j = i;
            while (j < flen && fmt[j] != '%')
                j++;
            tb_add(b, fmt + i, j - i);
            i = j;
            continue;
        }
        i++;
        struct spec sp = { .width = -1, .prec = -1 };
        for (; i < flen && strchr("-+# 0", fmt[i]); i++) {
            sp.minus |= fmt[i] == '-';
            sp.plus |= fmt[i] == '+';
            sp.sharp |= fmt[i] == '#';
            sp.space |= fmt[i] == ' ';
            sp.zero |= fmt[i] == '0';
        }
        bool bad_width = false, bad_prec = false;
        for (int pass = 0; pass < 2; pass++) {
            int *dst = pass ? &sp.prec : &sp.width;
            if (pass) {
                if (i >= flen || fmt[i] != '.')
                    break;
                i++;
                sp.prec = 0;
            }
            if (i < flen && fmt[i] == '*') {
                i++;
                int64_t w = 0;
                char *ignored = NULL;
                if (used >= n || want_int(&args[used], &w, &ignored) < 0 || w > 1000000 ||
                    w < -1000000) {
                    free(ignored);
                    *(pass ? &bad_prec : &bad_width) = true;
                } else {
                    *dst = (int)w;
                    if (!pass && w < 0) {
                        sp.minus = true;
                        *dst = (int)-w;
                    }
                    if (pass && w < 0)
                        *dst = -1;
                }
                used++;
                continue;
            }
            long v = 0;
            bool any = false;
            while (i < flen && fmt[i] >= '0' && fmt[i] <= '9') {
                if (v <= 1000000)
                    v = v * 10 + (fmt[i] - '0');
                i++;
                any = true;
            }
            if (v > 1000000)
                *(pass ? &bad_prec : &bad_width) = true;
            else if (any || pass)
                *dst = (int)v;
        }
        if (bad_width)
            tb_str(b, "%!(BADWIDTH)");
        if (bad_prec)
            tb_str(b, "%!(BADPREC)");
        if (i >= flen) {
            tb_str(b, "%!(NOVERB)");
            break;
        }
        /* the verb: one UTF-8 sequence */
        size_t vl = 1;
        while (i + vl < flen && ((unsigned char)fmt[i + vl] & 0xC0) == 0x80)
            vl++;
        sp.verb = fmt[i];
        if (sp.verb == '%') {
            tb_char(b, '%');
            i++;
            continue;
        }
        if (vl > 1 || used >= n) {
            tb_str(b, "%!");
            tb_add(b, fmt + i, vl);
            tb_str(b, used >= n ? "(MISSING)" : "");
            if (used < n) {
                const struct val *v = &args[used++];
                if (v->k == V_NIL)
                    tb_str(b, "(<nil>)");
                else
                    tb_fmt(b, "(%s=%s)", val_type(v), printed(s, v));
            }
            i += vl;
            continue;
        }
        i++;
        fmt_one(s, b, &sp, &args[used++]);
    }
    if (used < n) {
        tb_str(b, "%!(EXTRA ");
        for (size_t k = used; k < n; k++) {
            if (k > used)
                tb_str(b, ", ");
            if (args[k].k == V_NIL)
                tb_str(b, "<nil>");
            else
                tb_fmt(b, "%s=%s", val_type(&args[k]), printed(s, &args[k]));
        }
        tb_char(b, ')');
    }
    return 0;
}
