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
#include "seccomp_check.h"
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

int seccomp_profile_validate(const char *text, rbox_err **err)
{
    yajl_val v;
    if (json_parse(text, "JSON", &v, err) < 0)
        return -1;
    /* the runtime's own validator (lib/seccomp_check.c), with docker's extensions: a profile
     * accepted here is never refused by rbox-runtime at create */
    struct seccomp_problem p;
    int r = seccomp_check(v, true, &p);
    yajl_tree_free(v);
    if (r < 0)
        return p.path[0] ? rbox_error(err, 0, "%s: %s", p.path, p.msg)
                         : rbox_error(err, 0, "%s", p.msg);
    return 0;
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
    if (seccomp_profile_validate(content, err) < 0) {
        free(real);
        free(content);
        return rbox_error_prefix(err, "seccomp profile %s", value);
    }
    *name_or_path = real;
    *text = content;
    return 0;
}
