/* cgroup.c - layout detection, placement, and the parts common to v1 and v2. */
#define _GNU_SOURCE
#include "cgroup.h"
#include "cgroup_internal.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

const char *cgroup_root = "/sys/fs/cgroup";

int cgroup_detect_layout(enum cgroup_layout *out, rbox_err **err)
{
    struct statfs sfs;
    if (statfs(cgroup_root, &sfs) < 0)
        return rbox_error(err, errno, "statfs %s", cgroup_root);
    if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
        *out = CG_LAYOUT_V2;
        return 0;
    }
    if (sfs.f_type != TMPFS_MAGIC)
        return rbox_error(err, 0, "%s is neither a cgroup2 mount nor a tmpfs of v1 hierarchies",
                          cgroup_root);
    _cleanup_free_ char *unified = xasprintf("%s/unified", cgroup_root);
    if (statfs(unified, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
        *out = CG_LAYOUT_HYBRID;
    else
        *out = CG_LAYOUT_V1;
    return 0;
}

const char *cgroup_layout_name(enum cgroup_layout l)
{
    switch (l) {
    case CG_LAYOUT_V1: return "v1";
    case CG_LAYOUT_HYBRID: return "hybrid";
    case CG_LAYOUT_V2: return "v2";
    }
    return "unknown";
}

/* Join two cgroup paths ("/a" + "b/c" -> "/a/b/c"), normalizing duplicate slashes. */
char *cg_path_join(const char *a, const char *b)
{
    _cleanup_free_ char *joined = xasprintf("/%s/%s", a, b);
    char *r = xmalloc(strlen(joined) + 1);
    size_t n = 0;
    for (const char *s = joined; *s; s++)
        if (*s != '/' || n == 0 || r[n - 1] != '/')
            r[n++] = *s;
    while (n > 1 && r[n - 1] == '/')
        n--;
    r[n] = '\0';
    return r;
}

/* systemd "slice:prefix:name" -> plain path, without systemd: "/slice-a.slice/.../prefix-name".
 * A slice "a-b.slice" nests as a.slice/a-b.slice, as systemd does. */
static int systemd_to_path(const char *spec, const char *id, char **out, rbox_err **err)
{
    _cleanup_free_ char *copy = xstrdup(spec);
    char *slice = copy, *prefix = NULL, *name = NULL;
    char *c1 = strchr(copy, ':');
    if (c1 == NULL)
        return rbox_error(err, 0,
                          "linux.cgroupsPath: \"%s\": expected slice:prefix:name with "
                          "--systemd-cgroup",
                          spec);
    *c1 = '\0';
    prefix = c1 + 1;
    char *c2 = strchr(prefix, ':');
    if (c2 == NULL || strchr(c2 + 1, ':'))
        return rbox_error(err, 0,
                          "linux.cgroupsPath: \"%s\": expected slice:prefix:name with "
                          "--systemd-cgroup",
                          spec);
    *c2 = '\0';
    name = c2 + 1;
    if (*slice == '\0')
        slice = (char *)"system.slice";
    if (!str_has_suffix(slice, ".slice") || strchr(slice, '/'))
        return rbox_error(err, 0, "linux.cgroupsPath: \"%s\": invalid slice name", spec);
    const char *unit = *name ? name : id;
    /* one path component, that does not climb: "system.slice::.." was the slice's parent */
    if (strchr(prefix, '/') || strchr(unit, '/') ||
        (*prefix == '\0' && (strcmp(unit, ".") == 0 || strcmp(unit, "..") == 0)))
        return rbox_error(err, 0, "linux.cgroupsPath: \"%s\": invalid prefix or name", spec);
    /* Expand "a-b-c.slice" into "/a.slice/a-b.slice/a-b-c.slice". */
    char *path = xstrdup("");
    if (strcmp(slice, "-.slice") != 0) {
        size_t stem_len = strlen(slice) - strlen(".slice");
        for (size_t i = 0; i <= stem_len; i++) {
            if (i == stem_len || slice[i] == '-') {
                char *next = xasprintf("%s/%.*s.slice", path, (int)i, slice);
                free(path);
                path = next;
            }
        }
    }
    char *full =
        *prefix ? xasprintf("%s/%s-%s.scope", path, prefix, unit) : xasprintf("%s/%s", path, unit);
    free(path);
    *out = full;
    return 0;
}

#define DEFAULT_PARENT "rbox-runtime"

int cgroup_path_parse(const char *cgroups_path, const char *id, bool systemd, char **rel,
                      bool *absolute, rbox_err **err)
{
    if (cgroups_path == NULL || *cgroups_path == '\0') {
        *rel = xasprintf(DEFAULT_PARENT "/%s", id);
        *absolute = false;
        return 0;
    }
    if (systemd) {
        if (systemd_to_path(cgroups_path, id, rel, err) < 0)
            return -1;
        *absolute = true;
        return 0;
    }
    /* Refuse ".." components: a cgroup path must not climb out of where it is placed. */
    _cleanup_free_ char *copy = xstrdup(cgroups_path);
    char *save = NULL;
    for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save))
        if (strcmp(t, "..") == 0 || strcmp(t, ".") == 0)
            return rbox_error(err, 0, "linux.cgroupsPath: \"%s\": \".\" and \"..\" are not allowed",
                              cgroups_path);
    *absolute = cgroups_path[0] == '/';
    *rel = xstrdup(cgroups_path);
    return 0;
}

int cgroup_resolve(const char *cgroups_path, const char *id, bool systemd, struct cgroup **out,
                   rbox_err **err)
{
    enum cgroup_layout layout;
    if (cgroup_detect_layout(&layout, err) < 0)
        return -1;
    _cleanup_free_ char *rel = NULL;
    bool absolute = false;
    if (cgroup_path_parse(cgroups_path, id, systemd, &rel, &absolute, err) < 0)
        return -1;
    if (systemd && cgroups_path && *cgroups_path && access("/run/systemd/system", F_OK) != 0)
        log_warn("--systemd-cgroup: systemd is not running; using cgroupfs path for %s",
                 cgroups_path);
    _cleanup_cgroup_ struct cgroup *cg = xzalloc(sizeof(*cg));
    cg->layout = layout;
    cg->path = xstrdup(rel);
    cg->default_parent = cgroups_path == NULL || *cgroups_path == '\0';
    if (layout == CG_LAYOUT_V2) {
        if (cg_v2_resolve(cg, rel, absolute, err) < 0)
            return -1;
    } else if (cg_v1_resolve(cg, rel, absolute, layout == CG_LAYOUT_HYBRID, err) < 0) {
        return -1;
    }
    *out = steal_pointer(&cg);
    return 0;
}

void cg_hier_add(struct cgroup *cg, const char *name, char *dir, bool v2)
{
    cg->h = xrealloc(cg->h, (cg->n + 1) * sizeof(*cg->h));
    cg->h[cg->n++] = (struct cg_hier){ .name = xstrdup(name), .dir = dir, .v2 = v2 };
}

/* mkdir -p of dir, counting the components created. An existing leaf is used as it is (never
 * removed: created stays 0); cgroup_create warns when it has processes. */
int cg_mkdir(struct cg_hier *h, rbox_err **err)
{
    size_t len = strlen(h->dir);
    _cleanup_free_ char *p = xstrdup(h->dir);
    /* Find the deepest existing ancestor. */
    size_t depth_missing = 0;
    char *cut = p + len;
    for (;;) {
        struct stat st;
        if (stat(p, &st) == 0)
            break;
        if (errno != ENOENT)
            return rbox_error(err, errno, "cgroup %s", p);
        char *slash = strrchr(p, '/');
        if (slash == NULL || slash == p)
            return rbox_error(err, ENOENT, "cgroup hierarchy %s", h->dir);
        *slash = '\0';
        cut = slash;
        depth_missing++;
    }
    if (depth_missing == 0)
        return 0; /* an existing cgroup: used, but not ours to remove */
    /* Create the missing components, top down. A concurrent delete may remove a shared parent
     * between our steps: retry from the top when mkdir says ENOENT. Many containers starting
     * and ending at once under one fresh parent (50 clients of the API service) can make it
     * vanish several times in a row, so retry long enough, backing off a little each time
     * (at most ~1 s in all). */
    for (int attempt = 0; attempt < 100; attempt++) {
        if (attempt > 0)
            usleep(attempt < 50 ? 100u * (unsigned)attempt : 10000u);
        strcpy(p, h->dir);
        int made = 0, again = 0;
        for (char *s = p + (cut - p) + 1;; s++) {
            if (*s != '/' && *s != '\0')
                continue;
            char saved = *s;
            *s = '\0';
            if (mkdir(p, 0755) == 0) {
                made++;
            } else if (errno == ENOENT) {
                again = 1;
                break;
            } else if (errno != EEXIST) {
                return rbox_error(err, errno, "creating cgroup %s", p);
            }
            *s = saved;
            if (saved == '\0')
                break;
        }
        if (!again) {
            /* Only the components below the deepest pre-existing one can be ours. */
            h->created = made < (int)depth_missing ? made : (int)depth_missing;
            return 0;
        }
    }
    return rbox_error(err, EAGAIN, "creating cgroup %s: parent kept disappearing", h->dir);
}

int cgroup_missing_depth(const char *dir)
{
    _cleanup_free_ char *p = xstrdup(dir);
    int depth = 0;
    for (struct stat st; stat(p, &st) < 0 && errno == ENOENT; depth++) {
        char *slash = strrchr(p, '/');
        if (slash == NULL || slash == p)
            break;
        *slash = '\0';
    }
    return depth;
}

bool cg_dir_is_empty(const char *dir)
{
    _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
    _cleanup_free_ char *buf = NULL;
    if (read_file_at(AT_FDCWD, procs, &buf, NULL) < 0)
        return true;
    return buf[0] == '\0';
}

/* rmdir, waiting up to ~1 s for processes that are still exiting (EBUSY). */
static int rmdir_wait(const char *dir)
{
    for (int tries = 0; rmdir(dir) < 0; tries++) {
        if (errno != EBUSY || tries >= 200)
            return -1;
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* The sub-cgroups that processes of the container made below its cgroup, deepest first: a
 * cgroup with children cannot be removed. */
static int rmdir_children(const char *dir, rbox_err **err)
{
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : rbox_error(err, errno, "reading cgroup %s", dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
        if (rmdir_children(sub, err) < 0)
            return -1;
        if (rmdir_wait(sub) < 0 && errno != ENOENT)
            return rbox_error(err, errno, "removing cgroup %s", sub);
    }
    return 0;
}

/* rmdir p, the component `from` of the n the runtime created (0: the leaf), and the ones
 * above it; wait up to ~1 s for processes of the leaf that are still exiting. */
static int cg_rmdir_up(char *p, int from, int n, rbox_err **err)
{
    for (int i = from; i < n; i++) {
        int tries = 0;
        while (rmdir(p) < 0) {
            if (errno == ENOENT)
                break;
            if (i > 0 && (errno == EBUSY || errno == ENOTEMPTY))
                return 0; /* a shared parent still used by another container */
            if (errno != EBUSY || ++tries > 200)
                return rbox_error(err, errno, "removing cgroup %s", p);
            struct timespec ts = { 0, 5 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
        char *slash = strrchr(p, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
    }
    return 0;
}

/* rmdir the container's directory (with any sub-cgroups made in it) and the parents we created;
 * wait up to ~1 s for processes that are still exiting. */
int cg_rmdir(struct cg_hier *h, rbox_err **err)
{
    if (h->created <= 0)
        return 0;
    _cleanup_free_ char *p = xstrdup(h->dir);
    /* the common case, a cgroup without sub-cgroups, needs no directory listing: rmdir says
     * EBUSY when it has some (or processes still exiting) */
    if (rmdir(p) == 0 || errno == ENOENT) {
        char *slash = strrchr(p, '/');
        if (h->created == 1 || slash == NULL)
            return 0;
        *slash = '\0';
        return cg_rmdir_up(p, 1, h->created, err);
    }
    if (rmdir_children(p, err) < 0)
        return -1;
    return cg_rmdir_up(p, 0, h->created, err);
}

/* The hierarchy of h is frozen there (v1 freezer: FROZEN or FREEZING, also through a frozen
 * ancestor; cgroup2: cgroup.freeze, or cgroup.events says frozen through an ancestor). */
static bool hier_frozen(struct cgroup *cg, const struct cg_hier *h)
{
    _cleanup_free_ char *buf = NULL;
    if (!h->v2) {
        buf = cgroup_dir(cg, "freezer") == h->dir ? cg_read(h->dir, "freezer.state") : NULL;
        return buf && !str_has_prefix(buf, "THAWED");
    }
    buf = cg_read(h->dir, "cgroup.freeze");
    if (buf && buf[0] == '1')
        return true;
    free(buf);
    buf = cg_read(h->dir, "cgroup.events");
    const char *f = buf ? strstr(buf, "frozen ") : NULL;
    return f && f[7] == '1';
}

/* What an existing cgroup may hold: refuse a frozen one (the init would hang in it, so would
 * the runtime waiting for it), warn about processes in it (the container joins them, as runc
 * does: one line, not one per hierarchy). */
static int check_existing(struct cgroup *cg, rbox_err **err)
{
    for (size_t i = 0; i < cg->n; i++)
        if (hier_frozen(cg, &cg->h[i]))
            return rbox_error(err, EBUSY,
                              "cgroup %s is frozen: thaw it or choose another linux.cgroupsPath",
                              cg->h[i].dir);
    for (size_t i = 0; i < cg->n; i++) {
        if (cg->h[i].created > 0 || cg_dir_is_empty(cg->h[i].dir))
            continue;
        log_warn("cgroup %s already has processes: the container joins them (they are signalled "
                 "by kill --all and delete --force too)",
                 cg->h[i].dir);
        break;
    }
    return 0;
}

/* Remove what cgroup_create made in the first n hierarchies (and forget it). */
static void undo_mkdirs(struct cgroup *cg, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        cg_rmdir(&cg->h[j], NULL);
        cg->h[j].created = 0;
    }
}

int cgroup_create(struct cgroup *cg, rbox_err **err)
{
    for (size_t i = 0; i < cg->n; i++) {
        if (cg_mkdir(&cg->h[i], err) < 0) {
            undo_mkdirs(cg, i);
            return -1;
        }
    }
    if (check_existing(cg, err) < 0) {
        undo_mkdirs(cg, cg->n);
        return -1;
    }
    if (cg->layout == CG_LAYOUT_V2)
        return cg_v2_prepare(cg, err);
    return cg_v1_prepare(cg, err);
}

int cgroup_enter(struct cgroup *cg, pid_t pid, rbox_err **err)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    for (size_t i = 0; i < cg->n; i++) {
        _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", cg->h[i].dir);
        if (write_file_at(AT_FDCWD, procs, buf) < 0)
            return rbox_error(err, errno, "joining cgroup %s", cg->h[i].dir);
    }
    return 0;
}

int cgroup_enter_self(struct cgroup *cg, bool skip_v2, rbox_err **err)
{
    for (size_t i = 0; i < cg->n; i++) {
        if (cg->h[i].v2 && skip_v2)
            continue;
        _cleanup_free_ char *f =
            xasprintf("%s/%s", cg->h[i].dir, cg->h[i].v2 ? "cgroup.procs" : "tasks");
        if (write_file_at(AT_FDCWD, f, "0") < 0)
            return rbox_error(err, errno, "joining cgroup %s", cg->h[i].dir);
    }
    return 0;
}

int cgroup_v2_dirfd(struct cgroup *cg)
{
    for (size_t i = 0; i < cg->n; i++)
        if (cg->h[i].v2)
            return open(cg->h[i].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return -1;
}

int cgroup_destroy(struct cgroup *cg, rbox_err **err)
{
    int ret = 0;
    /* Children first: on a hybrid host remove the v1 dirs and the unified one alike. */
    for (size_t i = 0; i < cg->n; i++) {
        if (cg_rmdir(&cg->h[i], ret < 0 ? NULL : err) < 0) {
            ret = -1;
            continue;
        }
        /* The shared default parent belongs to whichever container created it, which may have
         * gone while others still used it: the last one out removes it (rmdir only succeeds
         * when it is empty; a concurrent create that loses it retries, see cg_mkdir). */
        if (cg->default_parent && cg->h[i].created > 0) {
            _cleanup_free_ char *parent = xstrdup(cg->h[i].dir);
            char *slash = strrchr(parent, '/');
            if (slash && strcmp(slash + 1, "") != 0) {
                *slash = '\0';
                if (str_has_suffix(parent, "/" DEFAULT_PARENT))
                    rmdir(parent);
            }
        }
    }
    return ret;
}

const char *cgroup_dir(struct cgroup *cg, const char *controller)
{
    for (size_t i = 0; i < cg->n; i++) {
        if (cg->h[i].v2 && cg->layout == CG_LAYOUT_V2)
            return cg->h[i].dir;
        if (strcmp(controller, "unified") == 0 && cg->h[i].v2)
            return cg->h[i].dir;
        /* "cpu,cpuacct" matches "cpu" and "cpuacct" */
        const char *n = cg->h[i].name;
        size_t lc = strlen(controller);
        for (const char *s = n; s && *s;) {
            if (strncmp(s, controller, lc) == 0 && (s[lc] == ',' || s[lc] == '\0'))
                return cg->h[i].dir;
            s = strchr(s, ',');
            if (s)
                s++;
        }
    }
    return NULL;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return x < y ? -1 : x > y;
}

/* Append the pids of dir/cgroup.procs and of every sub-cgroup. */
static void collect_pids(const char *dir, pid_t **pids, size_t *n)
{
    _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
    _cleanup_free_ char *buf = NULL;
    if (read_file_at(AT_FDCWD, procs, &buf, NULL) == 0) {
        char *save = NULL;
        for (char *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
            int pid;
            if (parse_int(t, &pid) == 0) {
                *pids = xrealloc(*pids, (*n + 1) * sizeof(pid_t));
                (*pids)[(*n)++] = pid;
            }
        }
    }
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
        collect_pids(sub, pids, n);
    }
}

/* The hierarchy used to list processes: pids/memory on v1, the only one on v2. */
const char *cg_procs_dir(struct cgroup *cg)
{
    const char *order[] = { "pids", "memory", "freezer", "cpu", "devices" };
    if (cg->layout == CG_LAYOUT_V2)
        return cg->n ? cg->h[0].dir : NULL;
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
        const char *d = cgroup_dir(cg, order[i]);
        if (d)
            return d;
    }
    return cg->n ? cg->h[0].dir : NULL;
}

int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, rbox_err **err)
{
    const char *dir = cg_procs_dir(cg);
    *pids = NULL;
    *n = 0;
    if (dir == NULL)
        return rbox_error(err, 0, "container has no cgroup");
    if (access(dir, F_OK) < 0)
        return rbox_error(err, errno, "cgroup %s", dir);
    collect_pids(dir, pids, n);
    if (*n > 1)
        qsort(*pids, *n, sizeof(pid_t), cmp_pid);
    return 0;
}

bool cgroup_is_empty(struct cgroup *cg)
{
    pid_t *pids = NULL;
    size_t n = 0;
    const char *dir = cg_procs_dir(cg);
    if (dir == NULL)
        return true;
    collect_pids(dir, &pids, &n);
    free(pids);
    return n == 0;
}

/* Signal every process of the cgroup. SIGKILL on cgroup v2 is one write to cgroup.kill; otherwise
 * the cgroup is frozen first (where it can be) so that no process forks a child the list misses,
 * and thawed again unless it was frozen before. */
int cgroup_kill_all(struct cgroup *cg, int sig, rbox_err **err)
{
    bool v2 = cg->layout == CG_LAYOUT_V2;
    if (v2 && sig == SIGKILL) {
        _cleanup_free_ char *f = xasprintf("%s/cgroup.kill", cg->h[0].dir);
        if (write_file_at(AT_FDCWD, f, "1") == 0)
            return 0;
        if (errno != ENOENT)
            return rbox_error(err, errno, "writing %s", f);
    }
    bool frozen = false;
    if ((v2 || cgroup_dir(cg, "freezer")) && !cgroup_is_frozen(cg)) {
        if (cgroup_freeze(cg, true, err) < 0)
            return -1;
        frozen = true;
    }
    pid_t *pids = NULL;
    size_t n = 0;
    int ret = cgroup_pids(cg, &pids, &n, err);
    for (size_t i = 0; ret == 0 && i < n; i++)
        if (kill(pids[i], sig) < 0 && errno != ESRCH)
            ret = rbox_error(err, errno, "signalling pid %d", (int)pids[i]);
    free(pids);
    if (frozen && cgroup_freeze(cg, false, ret < 0 ? NULL : err) < 0)
        ret = -1;
    return ret;
}

int cgroup_freeze(struct cgroup *cg, bool freeze, rbox_err **err)
{
    if (cg->layout == CG_LAYOUT_V2)
        return cg_v2_freeze(cg, freeze, err);
    return cg_v1_freeze(cg, freeze, err);
}

bool cgroup_is_frozen(struct cgroup *cg)
{
    if (cg->layout == CG_LAYOUT_V2)
        return cg_v2_is_frozen(cg);
    return cg_v1_is_frozen(cg);
}

int cgroup_apply(struct cgroup *cg, const struct rbox_resources *res, bool update, rbox_err **err)
{
    if (cg->layout == CG_LAYOUT_V2)
        return cg_v2_apply(cg, res, update, err);
    return cg_v1_apply(cg, res, update, err);
}

void cgroup_to_json(struct cgroup *cg, json_w *w)
{
    jw_obj_open(w);
    jw_kstr(w, "layout", cgroup_layout_name(cg->layout));
    jw_kstr(w, "path", cg->path);
    jw_kbool(w, "defaultParent", cg->default_parent);
    jw_key(w, "hierarchies");
    jw_arr_open(w);
    for (size_t i = 0; i < cg->n; i++) {
        jw_obj_open(w);
        jw_kstr(w, "name", cg->h[i].name);
        jw_kstr(w, "dir", cg->h[i].dir);
        jw_kint(w, "created", cg->h[i].created);
        jw_kbool(w, "v2", cg->h[i].v2);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_obj_close(w);
}

int cgroup_from_json(yajl_val v, struct cgroup **out, rbox_err **err)
{
    const char *layout = json_get_str(v, "layout");
    yajl_val hs = json_get(v, "hierarchies");
    if (layout == NULL || !YAJL_IS_ARRAY(hs))
        return rbox_error(err, 0, "state.json: cgroup: malformed");
    _cleanup_cgroup_ struct cgroup *cg = xzalloc(sizeof(*cg));
    cg->layout = strcmp(layout, "v2") == 0       ? CG_LAYOUT_V2
                 : strcmp(layout, "hybrid") == 0 ? CG_LAYOUT_HYBRID
                                                 : CG_LAYOUT_V1;
    cg->path = xstrdup(json_get_str(v, "path"));
    json_get_bool(v, "defaultParent", &cg->default_parent);
    for (size_t i = 0; i < hs->u.array.len; i++) {
        yajl_val h = hs->u.array.values[i];
        const char *name = json_get_str(h, "name"), *dir = json_get_str(h, "dir");
        int64_t created = 0;
        bool v2 = false;
        if (name == NULL || dir == NULL)
            return rbox_error(err, 0, "state.json: cgroup.hierarchies[%zu]: malformed", i);
        json_get_i64(h, "created", &created);
        json_get_bool(h, "v2", &v2);
        cg_hier_add(cg, name, xstrdup(dir), v2);
        cg->h[cg->n - 1].created = (int)created;
    }
    *out = steal_pointer(&cg);
    return 0;
}

void cgroup_free(struct cgroup *cg)
{
    if (cg == NULL)
        return;
    for (size_t i = 0; i < cg->n; i++) {
        free(cg->h[i].name);
        free(cg->h[i].dir);
    }
    free(cg->h);
    free(cg->path);
    free(cg);
}

void cleanup_cgroupp(struct cgroup **cg)
{
    cgroup_free(*cg);
}

/* --- knob access ----------------------------------------------------------------------------- */

int cg_unsupported(const char *key, const char *why, rbox_err **err)
{
    return rbox_error(err, 0, "linux.resources.%s: not supported by this host (%s)", key, why);
}

int cg_write(const char *dir, const char *file, const char *value, const char *key, rbox_err **err)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    if (write_file_at(AT_FDCWD, p, value) == 0)
        return 0;
    if (errno == ENOENT) {
        _cleanup_free_ char *why = xasprintf("no %s", p);
        return cg_unsupported(key, why, err);
    }
    return rbox_error(err, errno, "linux.resources.%s: writing \"%s\" to %s", key, value, p);
}

int cg_write_i64(const char *dir, const char *file, int64_t v, const char *key, rbox_err **err)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)v);
    return cg_write(dir, file, buf, key, err);
}

bool cg_has(const char *dir, const char *file)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    return access(p, F_OK) == 0;
}

char *cg_read(const char *dir, const char *file)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    char *buf = NULL;
    if (read_file_at(AT_FDCWD, p, &buf, NULL) < 0)
        return NULL;
    return buf;
}

bool cg_read_u64(const char *dir, const char *file, uint64_t *out)
{
    _cleanup_free_ char *buf = cg_read(dir, file);
    if (buf == NULL)
        return false;
    buf[strcspn(buf, "\n")] = '\0';
    if (strcmp(buf, "max") == 0) {
        *out = UINT64_MAX;
        return true;
    }
    return parse_u64(buf, out) == 0;
}

bool cg_read_key(const char *dir, const char *file, const char *key, uint64_t *out)
{
    _cleanup_free_ char *buf = cg_read(dir, file);
    if (buf == NULL)
        return false;
    size_t kl = strlen(key);
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ' ')
            return parse_u64(line + kl + 1, out) == 0;
    }
    return false;
}
