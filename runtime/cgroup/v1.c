/* v1.c - the v1 backend (one directory per mounted hierarchy), also used on hybrid hosts
 * where the cgroup2 mount at /sys/fs/cgroup/unified is joined as one more hierarchy. */
#define _GNU_SOURCE
#include "cgroup_internal.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Does the comma list `a` hold the same names as `b` (any order)? */
static bool same_set(const char *a, const char *b)
{
    size_t na = 1, nb = 1;
    for (const char *s = a; *s; s++)
        na += *s == ',';
    for (const char *s = b; *s; s++)
        nb += *s == ',';
    if (na != nb)
        return false;
    _cleanup_free_ char *copy = xstrdup(a);
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t lt = strlen(t);
        bool found = false;
        for (const char *s = b; s && *s;) {
            if (strncmp(s, t, lt) == 0 && (s[lt] == ',' || s[lt] == '\0'))
                found = true;
            s = strchr(s, ',');
            if (s)
                s++;
        }
        if (!found)
            return false;
    }
    return true;
}

int cg_own_path(const char *controllers, char **out, rbox_err **err)
{
    /* read once per process: every hierarchy of a v1 host asks (10 reads on this kind of
     * host), and a runtime process does not move between cgroups while it resolves them */
    static char *own;
    if (own == NULL && read_file_at(AT_FDCWD, "/proc/self/cgroup", &own, NULL) < 0)
        return rbox_error(err, errno, "reading /proc/self/cgroup");
    _cleanup_free_ char *buf = xstrdup(own);
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c2 = '\0';
        const char *ctrls = c1 + 1;
        bool match = *controllers == '\0' ? *ctrls == '\0' && strncmp(line, "0:", 2) == 0
                                          : same_set(ctrls, controllers);
        if (match) {
            *out = xstrdup(c2 + 1);
            return 0;
        }
    }
    return rbox_error(err, ENOENT, "own cgroup for \"%s\" not found in /proc/self/cgroup",
                      *controllers ? controllers : "cgroup2");
}

/* Controller names from a v1 mount's super options ("rw,cpu,cpuacct" -> "cpu,cpuacct"). */
static char *v1_controllers(const char *opts)
{
    static const char *skip[] = { "rw",          "ro",    "clone_children",
                                  "noprefix",    "xattr", "cpuset_v2_mode",
                                  "favordynmods" };
    _cleanup_free_ char *copy = xstrdup(opts);
    char *out = xstrdup("");
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool skipped = str_has_prefix(t, "release_agent=");
        for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
            skipped |= strcmp(t, skip[i]) == 0;
        if (skipped)
            continue;
        char *next = xasprintf("%s%s%s", out, *out ? "," : "", t);
        free(out);
        out = next;
    }
    return out;
}

static int add_hierarchy(struct cgroup *cg, const char *ctrls, const char *mnt, const char *root,
                         const char *rel, bool absolute, bool v2, rbox_err **err)
{
    _cleanup_free_ char *own = NULL;
    if (!absolute && cg_own_path(v2 ? "" : ctrls, &own, err) < 0)
        return -1;
    const char *base = "/";
    if (!absolute) {
        base = own;
        /* The mount may show a subtree (root != "/"): strip it. */
        if (strcmp(root, "/") != 0 && str_has_prefix(own, root))
            base = own + strlen(root);
    }
    _cleanup_free_ char *inner = cg_path_join(base, rel);
    cg_hier_add(cg, v2 ? "unified" : ctrls, cg_path_join(mnt, inner), v2);
    return 0;
}

int cg_v1_resolve(struct cgroup *cg, const char *rel, bool absolute, bool hybrid, rbox_err **err)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    if (f == NULL)
        return rbox_error(err, errno, "reading /proc/self/mountinfo");
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
        char root[4096], mnt[4096];
        if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
            continue;
        char *sep = strstr(line, " - ");
        if (sep == NULL)
            continue;
        char fstype[64], super[1024];
        if (sscanf(sep + 3, "%63s %*s %1023s", fstype, super) != 2)
            continue;
        bool is_v2 = strcmp(fstype, "cgroup2") == 0;
        if (strcmp(fstype, "cgroup") != 0 && !(is_v2 && hybrid))
            continue;
        if (!str_has_prefix(mnt, cgroup_root))
            continue;
        _cleanup_free_ char *ctrls = is_v2 ? xstrdup("") : v1_controllers(super);
        if (!is_v2 && *ctrls == '\0')
            continue;
        if (add_hierarchy(cg, ctrls, mnt, root, rel, absolute, is_v2, err) < 0)
            return -1;
    }
    if (cg->n == 0)
        return rbox_error(err, ENOENT, "no cgroup v1 hierarchy is mounted under %s", cgroup_root);
    return 0;
}

static bool cpuset_empty(const char *dir, const char *file)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
    _cleanup_free_ char *val = NULL;
    if (read_file_at(AT_FDCWD, path, &val, NULL) < 0)
        return false; /* not a cpuset cgroup (the mount root's parent): stop there */
    return val[strspn(val, " \n")] == '\0';
}

/* cpuset.cpus/mems start empty in a new v1 cgroup, and no process can join it then: fill the
 * container's cgroup and every empty ancestor, top down, from the nearest non-empty one (as runc
 * does). Not only the directories this call created: a concurrent rbox-runtime may have created
 * a shared parent a moment ago and not filled it yet. A cgroup with an empty cpuset cannot hold
 * a process, so this never changes one that is in use. */
static int cpuset_init(struct cg_hier *h, rbox_err **err)
{
    static const char *files[] = { "cpuset.cpus", "cpuset.mems" };
    for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
        char *dirs[64];
        int n = 0;
        _cleanup_free_ char *p = xstrdup(h->dir);
        while (n < 64 && cpuset_empty(p, files[f])) {
            dirs[n++] = xstrdup(p);
            char *slash = strrchr(p, '/');
            if (slash == NULL || slash == p)
                break;
            *slash = '\0';
        }
        /* the nearest non-empty value, read once, goes down the empty ones (each then holds
         * it: the next one down needs no read of its parent) */
        int ret = 0;
        _cleanup_free_ char *val = NULL;
        if (n > 0) {
            _cleanup_free_ char *top = xstrdup(dirs[n - 1]);
            *strrchr(top, '/') = '\0';
            _cleanup_free_ char *src = xasprintf("%s/%s", top, files[f]);
            if (read_file_at(AT_FDCWD, src, &val, NULL) < 0)
                ret = rbox_error(err, errno, "reading %s", src);
        }
        for (int i = n - 1; i >= 0 && ret == 0; i--) {
            _cleanup_free_ char *dst = xasprintf("%s/%s", dirs[i], files[f]);
            if (write_file_at(AT_FDCWD, dst, val) < 0)
                ret = rbox_error(err, errno, "writing %s", dst);
        }
        for (int i = 0; i < n; i++)
            free(dirs[i]);
        if (ret < 0)
            return -1;
    }
    return 0;
}

int cg_v1_prepare(struct cgroup *cg, rbox_err **err)
{
    for (size_t i = 0; i < cg->n; i++) {
        if (cg->h[i].created == 0)
            continue;
        /* hybrid: the unified hierarchy holds what v1 lacks (hugetlb here) */
        if (cg->h[i].v2) {
            if (cg_unified_enable_controllers(&cg->h[i], err) < 0)
                return -1;
            continue;
        }
        if (cgroup_dir(cg, "cpuset") == cg->h[i].dir && cpuset_init(&cg->h[i], err) < 0)
            return -1;
    }
    return 0;
}

static int freezer_wait(const char *dir, const char *want, rbox_err **err)
{
    _cleanup_free_ char *state = xasprintf("%s/freezer.state", dir);
    for (int i = 0; i < 2000; i++) {
        _cleanup_free_ char *buf = NULL;
        if (read_file_at(AT_FDCWD, state, &buf, NULL) < 0)
            return rbox_error(err, errno, "reading %s", state);
        if (str_has_prefix(buf, want))
            return 0;
        /* A FREEZING cgroup may need the request repeated. */
        if (i % 50 == 49 && write_file_at(AT_FDCWD, state, want) < 0)
            return rbox_error(err, errno, "writing %s", state);
        struct timespec ts = { 0, 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return rbox_error(err, ETIMEDOUT, "waiting for %s to become %s", state, want);
}

int cg_v1_freeze(struct cgroup *cg, bool freeze, rbox_err **err)
{
    const char *dir = cgroup_dir(cg, "freezer");
    if (dir == NULL)
        return rbox_error(err, ENOTSUP, "the freezer cgroup controller is not mounted");
    const char *want = freeze ? "FROZEN" : "THAWED";
    _cleanup_free_ char *state = xasprintf("%s/freezer.state", dir);
    if (write_file_at(AT_FDCWD, state, want) < 0)
        return rbox_error(err, errno, "writing %s", state);
    return freezer_wait(dir, want, err);
}

bool cg_v1_is_frozen(struct cgroup *cg)
{
    const char *dir = cgroup_dir(cg, "freezer");
    if (dir == NULL)
        return false;
    _cleanup_free_ char *state = xasprintf("%s/freezer.state", dir);
    _cleanup_free_ char *buf = NULL;
    if (read_file_at(AT_FDCWD, state, &buf, NULL) < 0)
        return false;
    return str_has_prefix(buf, "FROZEN");
}
