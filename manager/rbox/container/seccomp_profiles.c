/* seccomp_profiles.c - --security-opt seccomp=: the built-in profiles (profiles/NAME.json,
 * compiled into rbox) and the user's JSON files, checked at flag time; the bundle's writer
 * (bundle/seccomp.c) turns them into linux.seccomp.
 *
 * A profile is OCI's linux.seccomp object plus docker's extensions: "archMap" (the
 * architectures to add, per native architecture) and, per rule, "includes"/"excludes"
 * conditions on the container's capabilities ("caps"), the native architecture ("arches", Go
 * names as docker uses: amd64, arm64, ...) and the kernel version ("minKernel"). They are
 * resolved at create: the bundle gets plain OCI. "comment" keys are dropped. */
#define _GNU_SOURCE
#include "sandbox.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The profiles, embedded as NUL-terminated strings (the Makefile makes this object depend on
 * the JSON files). */
#define EMBED(sym, file)                                                                     \
    __asm__(".section .rodata\n.global " #sym "\n.type " #sym ", @object\n.balign 16\n" #sym \
            ":\n.incbin \"" file "\"\n.byte 0\n.previous\n");                                \
    extern const char sym[]
EMBED(rbox_profile_default, "manager/rbox/container/profiles/default.json");
EMBED(rbox_profile_minimal, "manager/rbox/container/profiles/minimal.json");
EMBED(rbox_profile_io_heavy, "manager/rbox/container/profiles/io-heavy.json");
EMBED(rbox_profile_compute, "manager/rbox/container/profiles/compute.json");
EMBED(rbox_profile_network, "manager/rbox/container/profiles/network.json");

static const struct {
    const char *name;
    const char *text;
    bool graded;
} builtins[] = {
    { "default", rbox_profile_default, false },  { "minimal", rbox_profile_minimal, true },
    { "io-heavy", rbox_profile_io_heavy, true }, { "compute", rbox_profile_compute, true },
    { "network", rbox_profile_network, true },
};

const char *seccomp_profile_builtin(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(builtins); i++)
        if (strcmp(builtins[i].name, name) == 0)
            return builtins[i].text;
    return NULL;
}

bool seccomp_profile_graded(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_SIZE(builtins); i++)
        if (strcmp(builtins[i].name, name) == 0)
            return builtins[i].graded;
    return false;
}

/* ---- checking a profile (at flag time: a bad file is one line, before anything exists) --- */

static bool in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static const char *const actions[] = { "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
                                       "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                                       "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
                                       "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
                                       "SCMP_ACT_NOTIFY",      NULL };
static const char *const operators[] = { "SCMP_CMP_NE",        "SCMP_CMP_LT", "SCMP_CMP_LE",
                                         "SCMP_CMP_EQ",        "SCMP_CMP_GE", "SCMP_CMP_GT",
                                         "SCMP_CMP_MASKED_EQ", NULL };

static int check_strings(yajl_val a, const char *what, rbox_err **err)
{
    if (!YAJL_IS_ARRAY(a))
        return rbox_error(err, 0, "%s: expected an array of strings", what);
    for (size_t i = 0; i < a->u.array.len; i++)
        if (!YAJL_IS_STRING(a->u.array.values[i]))
            return rbox_error(err, 0, "%s[%zu]: expected a string", what, i);
    return 0;
}

static int check_condition(yajl_val c, const char *what, rbox_err **err)
{
    if (c == NULL)
        return 0;
    if (!YAJL_IS_OBJECT(c))
        return rbox_error(err, 0, "%s: expected an object", what);
    for (size_t i = 0; i < c->u.object.len; i++) {
        const char *k = c->u.object.keys[i];
        yajl_val v = c->u.object.values[i];
        char sub[96];
        snprintf(sub, sizeof(sub), "%s.%s", what, k);
        if (strcmp(k, "caps") == 0 || strcmp(k, "arches") == 0) {
            if (check_strings(v, sub, err) < 0)
                return -1;
        } else if (strcmp(k, "minKernel") == 0) {
            if (!YAJL_IS_STRING(v))
                return rbox_error(err, 0, "%s: expected a string such as \"5.8\"", sub);
        } else {
            return rbox_error(err, 0, "%s: unknown condition (rbox knows caps, arches, minKernel)",
                              sub);
        }
    }
    return 0;
}

static int check_rule(yajl_val r, size_t i, rbox_err **err)
{
    char what[64];
    snprintf(what, sizeof(what), "syscalls[%zu]", i);
    if (!YAJL_IS_OBJECT(r))
        return rbox_error(err, 0, "%s: expected an object", what);
    yajl_val names = json_get(r, "names");
    if (names == NULL && !YAJL_IS_STRING(json_get(r, "name")))
        return rbox_error(err, 0, "%s: no \"names\"", what);
    if (names && check_strings(names, "names", err) < 0)
        return rbox_error_prefix(err, "%s", what);
    const char *action = json_get_str(r, "action");
    if (action == NULL || !in_list(action, actions))
        return rbox_error(err, 0, "%s.action: unknown action \"%s\"", what,
                          action ? action : "(none)");
    yajl_val args = json_get(r, "args");
    for (size_t k = 0; YAJL_IS_ARRAY(args) && k < args->u.array.len; k++) {
        yajl_val a = args->u.array.values[k];
        const char *op = json_get_str(a, "op");
        int64_t index = -1;
        json_get_i64(a, "index", &index);
        if (index < 0 || index > 5)
            return rbox_error(err, 0, "%s.args[%zu].index: expected 0 to 5", what, k);
        if (op == NULL || !in_list(op, operators))
            return rbox_error(err, 0, "%s.args[%zu].op: unknown operator \"%s\"", what, k,
                              op ? op : "(none)");
    }
    char cond[80];
    snprintf(cond, sizeof(cond), "%s.includes", what);
    if (check_condition(json_get(r, "includes"), cond, err) < 0)
        return -1;
    snprintf(cond, sizeof(cond), "%s.excludes", what);
    return check_condition(json_get(r, "excludes"), cond, err);
}

static int check_text(const char *text, rbox_err **err)
{
    yajl_val v;
    if (json_parse(text, "JSON", &v, err) < 0)
        return -1;
    int r = 0;
    const char *def = json_get_str(v, "defaultAction");
    yajl_val sys = json_get(v, "syscalls");
    if (!YAJL_IS_OBJECT(v))
        r = rbox_error(err, 0, "expected a JSON object");
    else if (def == NULL || !in_list(def, actions))
        r = rbox_error(err, 0, "defaultAction: unknown action \"%s\"", def ? def : "(none)");
    else if (sys && !YAJL_IS_ARRAY(sys))
        r = rbox_error(err, 0, "syscalls: expected an array");
    for (size_t i = 0; r == 0 && sys && i < sys->u.array.len; i++)
        r = check_rule(sys->u.array.values[i], i, err);
    yajl_tree_free(v);
    return r;
}

int seccomp_profile_check(const char *value, char **name_or_path, char **text, rbox_err **err)
{
    *name_or_path = *text = NULL;
    if (strcmp(value, "unconfined") == 0 || seccomp_profile_builtin(value)) {
        *name_or_path = xstrdup(value);
        return 0;
    }
    if (!strchr(value, '/') && !str_has_suffix(value, ".json"))
        return rbox_error(err, 0,
                          "unknown seccomp profile \"%s\" (use default, minimal, io-heavy, "
                          "compute, network, unconfined, or a .json file)",
                          value);
    char *real = realpath(value, NULL);
    if (real == NULL)
        return rbox_error(err, errno, "seccomp profile %s", value);
    char *content = NULL;
    if (read_file_at(AT_FDCWD, real, &content, NULL) < 0) {
        int saved = errno;
        free(real);
        return rbox_error(err, saved, "seccomp profile %s", value);
    }
    if (check_text(content, err) < 0) {
        free(real);
        free(content);
        return rbox_error_prefix(err, "seccomp profile %s", value);
    }
    *name_or_path = real;
    *text = content;
    return 0;
}
