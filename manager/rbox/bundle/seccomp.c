/* seccomp.c - config.json's "linux.seccomp": the container's profile (built in, or the user's
 * file read at flag time) resolved for its capabilities, architecture and kernel into plain
 * OCI (the format is in container/seccomp_profiles.c). */
#define _GNU_SOURCE
#include "bundle.h"
#include "json.h"
#include "sandbox.h"
#include "spec.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

/* What the conditions of a profile look at on this host, read once per profile (uname). */
struct host {
    const char *scmp, *go; /* the native architecture: libseccomp's name and Go's ("arches") */
    unsigned major, minor; /* the kernel's version; 0.0 when unknown */
};

static void host_read(struct host *h)
{
    static const char *const map[][3] = {
        { "x86_64", "SCMP_ARCH_X86_64", "amd64" },
        { "aarch64", "SCMP_ARCH_AARCH64", "arm64" },
        { "i686", "SCMP_ARCH_X86", "386" },
        { "armv7l", "SCMP_ARCH_ARM", "arm" },
        { "riscv64", "SCMP_ARCH_RISCV64", "riscv64" },
        { "ppc64le", "SCMP_ARCH_PPC64LE", "ppc64le" },
        { "s390x", "SCMP_ARCH_S390X", "s390x" },
    };
    struct utsname u;
    *h = (struct host){ .scmp = "", .go = "" };
    if (uname(&u) < 0)
        return;
    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if (strcmp(u.machine, map[i][0]) == 0) {
            h->scmp = map[i][1];
            h->go = map[i][2];
        }
    if (sscanf(u.release, "%u.%u", &h->major, &h->minor) < 1)
        h->major = h->minor = 0;
}

static int cap_number(const char *name)
{
    const char *n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
    for (size_t i = 0; i < cap_count(); i++)
        if (strcasecmp(n, cap_name_at(i)) == 0)
            return (int)i;
    return -1;
}

static bool kernel_at_least(const struct host *h, const char *want)
{
    unsigned x = 0, y = 0;
    if (h->major == 0 || sscanf(want, "%u.%u", &x, &y) < 1)
        return true;
    return h->major > x || (h->major == x && h->minor >= y);
}

/* docker's rule: every "includes" condition must hold, no "excludes" one may. */
static bool holds(const struct host *h, yajl_val cond, uint64_t caps, bool all)
{
    yajl_val c = json_get(cond, "caps"), a = json_get(cond, "arches");
    const char *min = json_get_str(cond, "minKernel");
    bool any = false;
    for (size_t i = 0; YAJL_IS_ARRAY(c) && i < c->u.array.len; i++) {
        int n =
            YAJL_IS_STRING(c->u.array.values[i]) ? cap_number(c->u.array.values[i]->u.string) : -1;
        bool has = n >= 0 && (caps & (1ull << n));
        if (all && !has)
            return false;
        any = any || has;
    }
    if (YAJL_IS_ARRAY(a) && a->u.array.len) {
        bool match = false;
        for (size_t i = 0; i < a->u.array.len; i++)
            match = match || str_eq(a->u.array.values[i]->u.string, h->go);
        if (all && !match)
            return false;
        any = any || match;
    }
    if (min) {
        bool ok = kernel_at_least(h, min);
        if (all && !ok)
            return false;
        any = any || ok;
    }
    return all ? true : any;
}

static void write_rule(json_w *w, yajl_val r)
{
    jw_obj_open(w);
    yajl_val names = json_get(r, "names");
    jw_key(w, "names");
    if (names) {
        jw_value(w, names);
    } else {
        jw_arr_open(w);
        jw_str(w, json_get_str(r, "name"));
        jw_arr_close(w);
    }
    static const char *const keep[] = { "action", "errnoRet", "args", NULL };
    for (size_t i = 0; keep[i]; i++) {
        yajl_val v = json_get(r, keep[i]);
        if (v && !YAJL_IS_NULL(v)) { /* "args": null (podman's seccomp.json): none */
            jw_key(w, keep[i]);
            jw_value(w, v);
        }
    }
    jw_obj_close(w);
}

static void write_architectures(json_w *w, const struct host *h, yajl_val v)
{
    yajl_val archs = json_get(v, "architectures"), map = json_get(v, "archMap");
    jw_key(w, "architectures");
    if (archs) {
        jw_value(w, archs);
        return;
    }
    const char *scmp = h->scmp;
    jw_arr_open(w); /* the native architecture's entry of archMap (none: only the native) */
    for (size_t i = 0; YAJL_IS_ARRAY(map) && i < map->u.array.len; i++) {
        yajl_val e = map->u.array.values[i];
        if (!str_eq(json_get_str(e, "architecture"), scmp))
            continue;
        jw_str(w, scmp);
        yajl_val sub = json_get(e, "subArchitectures");
        for (size_t k = 0; YAJL_IS_ARRAY(sub) && k < sub->u.array.len; k++)
            if (YAJL_IS_STRING(sub->u.array.values[k]))
                jw_str(w, sub->u.array.values[k]->u.string);
    }
    jw_arr_close(w);
}

void bundle_seccomp_profile(json_w *w, const char *text, uint64_t caps)
{
    yajl_val v;
    if (json_parse(text, "seccomp profile", &v, NULL) < 0)
        return; /* checked at flag time */
    struct host h;
    host_read(&h);
    jw_key(w, "seccomp");
    jw_obj_open(w);
    jw_kstr(w, "defaultAction", json_get_str(v, "defaultAction"));
    yajl_val e = json_get(v, "defaultErrnoRet");
    if (e) {
        jw_key(w, "defaultErrnoRet");
        jw_value(w, e);
    }
    write_architectures(w, &h, v);
    static const char *const keep[] = { "flags", "listenerPath", "listenerMetadata", NULL };
    for (size_t i = 0; keep[i]; i++) {
        yajl_val k = json_get(v, keep[i]);
        if (k) {
            jw_key(w, keep[i]);
            jw_value(w, k);
        }
    }
    jw_key(w, "syscalls");
    jw_arr_open(w);
    yajl_val sys = json_get(v, "syscalls");
    for (size_t i = 0; YAJL_IS_ARRAY(sys) && i < sys->u.array.len; i++) {
        yajl_val r = sys->u.array.values[i];
        yajl_val inc = json_get(r, "includes"), exc = json_get(r, "excludes");
        if ((inc && !holds(&h, inc, caps, true)) || (exc && holds(&h, exc, caps, false)))
            continue;
        write_rule(w, r);
    }
    jw_arr_close(w);
    jw_obj_close(w);
    yajl_tree_free(v);
}

void bundle_seccomp(json_w *w, const struct sbx_opts *o, uint64_t caps)
{
    if (str_eq(o->seccomp, "unconfined"))
        return;
    const char *text = o->seccomp_text;
    if (text == NULL)
        text = seccomp_profile_builtin(o->seccomp ? o->seccomp : "default");
    if (text)
        bundle_seccomp_profile(w, text, caps);
}
