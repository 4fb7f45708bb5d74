/* seccomp_check.c - the one seccomp profile validator (see seccomp_check.h). Its messages are
 * the runtime's config.json ones, so that rbox and rbox-runtime word a problem the same way. */
#define _GNU_SOURCE
#include "seccomp_check.h"
#include "json.h"
#include "util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const seccomp_action_names[SECCOMP_ACTION_COUNT] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY",
};
const char *const seccomp_op_names[SECCOMP_OPERATOR_COUNT] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

/* clang-format off */
const char *const seccomp_arch_names[SECCOMP_ARCH_COUNT] = {
    "SCMP_ARCH_X86",        "SCMP_ARCH_X86_64",     "SCMP_ARCH_X32",        "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",    "SCMP_ARCH_MIPS",       "SCMP_ARCH_MIPS64",     "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",     "SCMP_ARCH_MIPSEL64",   "SCMP_ARCH_MIPSEL64N32","SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",      "SCMP_ARCH_PPC64LE",    "SCMP_ARCH_S390",       "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",     "SCMP_ARCH_PARISC64",   "SCMP_ARCH_RISCV64",
};
/* clang-format on */

const char *const seccomp_flag_names[SECCOMP_FLAG_COUNT] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

#define ACT_ERRNO  4
#define ACT_TRACE  5
#define ACT_NOTIFY 8

/* The path being looked at, and the problem once found. */
struct chk {
    struct seccomp_problem *p;
    size_t len;
    bool docker;
};

static size_t push_key(struct chk *c, const char *key)
{
    size_t mark = c->len;
    c->len = path_append(c->p->path, sizeof(c->p->path), c->len, c->len ? "." : "", key);
    return mark;
}

static size_t push_index(struct chk *c, size_t i)
{
    size_t mark = c->len;
    c->len = path_append_index(c->p->path, sizeof(c->p->path), c->len, i);
    return mark;
}

static void pop(struct chk *c, size_t mark)
{
    c->len = mark;
    c->p->path[mark] = '\0';
}

static int fail(struct chk *c, const char *fmt, ...) PRINTF(2, 3);
static int fail(struct chk *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->p->msg, sizeof(c->p->msg), fmt, ap);
    va_end(ap);
    return -1;
}

/* `unknown <noun> "<value>"`, the value quoted as JSON */
static int fail_unknown(struct chk *c, const char *noun, const char *value)
{
    _cleanup_free_ char *q = json_quote(value);
    return fail(c, "unknown %s %s", noun, q);
}

static int find(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

static bool is_integer(yajl_val v)
{
    return YAJL_IS_NUMBER(v) && strpbrk(v->u.number.r, ".eE") == NULL;
}

/* An unsigned integer at most hi (the runtime's pv_u64 with lo 0). */
static int check_u64(struct chk *c, yajl_val v, uint64_t hi)
{
    uint64_t x;
    if (!is_integer(v) || v->u.number.r[0] == '-')
        return fail(c, "expected a non-negative integer");
    if (parse_u64(v->u.number.r, &x) < 0 || x > hi)
        return fail(c, "must be at most %" PRIu64, hi);
    return 0;
}

/* One name of a table: its index, or -1 with the problem set. */
static int check_name(struct chk *c, yajl_val v, const char *const *names, size_t n,
                      const char *noun)
{
    if (!YAJL_IS_STRING(v))
        return fail(c, "expected a string");
    int i = find(names, n, v->u.string);
    return i < 0 ? fail_unknown(c, noun, v->u.string) : i;
}

static int check_strings(struct chk *c, yajl_val v, const char *const *names, size_t n,
                         const char *noun)
{
    if (!YAJL_IS_ARRAY(v))
        return fail(c, "expected an array of strings");
    for (size_t i = 0; i < v->u.array.len; i++) {
        size_t mark = push_index(c, i);
        yajl_val e = v->u.array.values[i];
        if (names ? check_name(c, e, names, n, noun) < 0 : !YAJL_IS_STRING(e))
            return names ? -1 : fail(c, "expected a string");
        pop(c, mark);
    }
    return 0;
}

/* An optional key: 0 when absent or valid. expr checks its value, val, with the key pushed. */
#define OPTIONAL(c, obj, key, expr)              \
    do {                                         \
        yajl_val v_ = json_get((obj), (key));    \
        if (v_) {                                \
            size_t mark_ = push_key((c), (key)); \
            yajl_val val = v_;                   \
            if ((expr) < 0)                      \
                return -1;                       \
            pop((c), mark_);                     \
        }                                        \
    } while (0)

/* A required key: "missing" when absent. */
#define REQUIRED(c, obj, key, expr)           \
    do {                                      \
        if (json_get((obj), (key)) == NULL) { \
            push_key((c), (key));             \
            return fail((c), "missing");      \
        }                                     \
        OPTIONAL(c, obj, key, expr);          \
    } while (0)

/* in the runtime's order: index, value, valueTwo, op */
static int check_arg(struct chk *c, yajl_val a)
{
    if (!YAJL_IS_OBJECT(a))
        return fail(c, "expected an object");
    REQUIRED(c, a, "index", check_u64(c, val, 5));
    REQUIRED(c, a, "value", check_u64(c, val, UINT64_MAX));
    OPTIONAL(c, a, "valueTwo", check_u64(c, val, UINT64_MAX));
    REQUIRED(c, a, "op", check_name(c, val, seccomp_op_names, SECCOMP_OPERATOR_COUNT, "operator"));
    return 0;
}

/* docker's "includes"/"excludes": caps, arches (arrays of strings), minKernel ("5.8"). */
static int check_condition(struct chk *c, yajl_val v)
{
    if (!YAJL_IS_OBJECT(v))
        return fail(c, "expected an object");
    for (size_t i = 0; i < v->u.object.len; i++) {
        const char *k = v->u.object.keys[i];
        yajl_val e = v->u.object.values[i];
        size_t mark = push_key(c, k);
        if (strcmp(k, "caps") == 0 || strcmp(k, "arches") == 0) {
            if (check_strings(c, e, NULL, 0, NULL) < 0)
                return -1;
        } else if (strcmp(k, "minKernel") == 0) {
            unsigned a;
            if (!YAJL_IS_STRING(e) || sscanf(e->u.string, "%u", &a) != 1)
                return fail(c, "expected a string such as \"5.8\"");
        } else {
            return fail(c, "unknown condition (rbox knows caps, arches, minKernel)");
        }
        pop(c, mark);
    }
    return 0;
}

static int check_rule(struct chk *c, yajl_val r, int *action)
{
    if (!YAJL_IS_OBJECT(r))
        return fail(c, "expected an object");
    yajl_val names = json_get(r, "names");
    if (names == NULL && !(c->docker && YAJL_IS_STRING(json_get(r, "name")))) {
        push_key(c, "names");
        return fail(c, "missing");
    }
    if (names) {
        size_t mark = push_key(c, "names");
        if (check_strings(c, names, NULL, 0, NULL) < 0)
            return -1;
        if (names->u.array.len == 0)
            return fail(c, "must not be empty");
        pop(c, mark);
    }
    yajl_val act = json_get(r, "action");
    size_t mark = push_key(c, "action");
    if (act == NULL)
        return fail(c, "missing");
    if ((*action = check_name(c, act, seccomp_action_names, SECCOMP_ACTION_COUNT, "action")) < 0)
        return -1;
    pop(c, mark);
    OPTIONAL(c, r, "errnoRet", check_u64(c, val, 65535));
    yajl_val args = json_get(r, "args");
    if (args && c->docker && YAJL_IS_NULL(args))
        args = NULL; /* podman's and docker's own profiles write null for no arguments */
    if (args) {
        mark = push_key(c, "args");
        if (!YAJL_IS_ARRAY(args))
            return fail(c, "expected an array");
        for (size_t k = 0; k < args->u.array.len; k++) {
            size_t m = push_index(c, k);
            if (check_arg(c, args->u.array.values[k]) < 0)
                return -1;
            pop(c, m);
        }
        pop(c, mark);
    }
    if (json_get(r, "errnoRet") && *action != ACT_ERRNO && *action != ACT_TRACE) {
        push_key(c, "errnoRet");
        return fail(c, "%s takes no errno", seccomp_action_names[*action]);
    }
    if (c->docker) {
        OPTIONAL(c, r, "includes", check_condition(c, val));
        OPTIONAL(c, r, "excludes", check_condition(c, val));
    }
    return 0;
}

/* docker's "archMap": [{"architecture": A, "subArchitectures": [B, ...]}, ...] */
static int check_arch_map(struct chk *c, yajl_val v)
{
    if (!YAJL_IS_ARRAY(v))
        return fail(c, "expected an array");
    for (size_t i = 0; i < v->u.array.len; i++) {
        size_t mark = push_index(c, i);
        yajl_val e = v->u.array.values[i];
        if (!YAJL_IS_OBJECT(e))
            return fail(c, "expected an object");
        if (json_get(e, "architecture") == NULL) {
            push_key(c, "architecture");
            return fail(c, "missing");
        }
        OPTIONAL(c, e, "architecture",
                 check_name(c, val, seccomp_arch_names, SECCOMP_ARCH_COUNT, "architecture"));
        OPTIONAL(c, e, "subArchitectures", /* docker's own profile has null for none */
                 YAJL_IS_NULL(val) ? 0
                                   : check_strings(c, val, seccomp_arch_names, SECCOMP_ARCH_COUNT,
                                                   "architecture"));
        pop(c, mark);
    }
    return 0;
}

static int check(struct chk *c, yajl_val v)
{
    if (!YAJL_IS_OBJECT(v))
        return fail(c, "expected an object");
    yajl_val def = json_get(v, "defaultAction");
    size_t mark = push_key(c, "defaultAction");
    if (def == NULL)
        return fail(c, "missing");
    int action = check_name(c, def, seccomp_action_names, SECCOMP_ACTION_COUNT, "action");
    if (action < 0)
        return -1;
    pop(c, mark);
    bool notify = action == ACT_NOTIFY;
    OPTIONAL(c, v, "defaultErrnoRet", check_u64(c, val, 65535));
    OPTIONAL(c, v, "architectures",
             check_strings(c, val, seccomp_arch_names, SECCOMP_ARCH_COUNT, "architecture"));
    OPTIONAL(c, v, "flags",
             check_strings(c, val, seccomp_flag_names, SECCOMP_FLAG_COUNT, "seccomp flag"));
    OPTIONAL(c, v, "listenerPath", YAJL_IS_STRING(val) ? 0 : fail(c, "expected a string"));
    OPTIONAL(c, v, "listenerMetadata", YAJL_IS_STRING(val) ? 0 : fail(c, "expected a string"));
    if (c->docker)
        OPTIONAL(c, v, "archMap", check_arch_map(c, val));
    yajl_val sys = json_get(v, "syscalls");
    if (sys) {
        mark = push_key(c, "syscalls");
        if (!YAJL_IS_ARRAY(sys))
            return fail(c, "expected an array");
        for (size_t i = 0; i < sys->u.array.len; i++) {
            size_t m = push_index(c, i);
            int a = -1;
            if (check_rule(c, sys->u.array.values[i], &a) < 0)
                return -1;
            notify = notify || a == ACT_NOTIFY;
            pop(c, m);
        }
        pop(c, mark);
    }
    const char *listener = json_get_str(v, "listenerPath");
    if (notify && (listener == NULL || *listener == '\0')) {
        push_key(c, "listenerPath");
        return fail(c, "missing (SCMP_ACT_NOTIFY needs a listener socket)");
    }
    if (json_get(v, "defaultErrnoRet") && action != ACT_ERRNO && action != ACT_TRACE) {
        push_key(c, "defaultErrnoRet");
        return fail(c, "%s takes no errno", seccomp_action_names[action]);
    }
    return 0;
}

int seccomp_check(yajl_val v, bool docker, struct seccomp_problem *p)
{
    struct chk c = { .p = p, .docker = docker };
    p->path[0] = p->msg[0] = '\0';
    return check(&c, v);
}
