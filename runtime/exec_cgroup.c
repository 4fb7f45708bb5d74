/* exec_cgroup.c - `exec --cgroup [CONTROLLER[,CONTROLLER...]:]PATH`: an existing sub-cgroup of
 * the container's cgroup that the exec'd process joins instead (runc's SubCgroupPaths).
 *
 * PATH alone applies to every hierarchy (on v2 the only one); CONTROLLER:PATH to the v1
 * hierarchy holding that controller, and takes precedence over a PATH alone for it. The other
 * hierarchies keep the container's own cgroup. PATH is relative to the container's cgroup, may
 * not climb out of it ("." and ".." are refused), and must exist: exec never creates it. */
#define _GNU_SOURCE
#include "cgroup_internal.h"
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int check_path(const char *spec, const char *path, rbox_err **err)
{
    _cleanup_free_ char *copy = xstrdup(path);
    char *save = NULL;
    for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save))
        if (strcmp(t, "..") == 0 || strcmp(t, ".") == 0)
            return rbox_error(err, 0,
                              "exec: --cgroup %s: not a sub-cgroup (\".\" and \"..\" are not "
                              "allowed)",
                              spec);
    return 0;
}

/* CONTROLLER[,CONTROLLER...]:PATH into sub[] (one slot per hierarchy). */
static int add_controllers(struct cgroup *cg, const char *spec, size_t ctrl_len, const char *path,
                           const char **sub, rbox_err **err)
{
    if (cg->layout == CG_LAYOUT_V2)
        return rbox_error(err, 0,
                          "exec: --cgroup %s: cgroup v2 has one hierarchy: give the path without "
                          "a controller",
                          spec);
    _cleanup_free_ char *ctrls = xstrndup(spec, ctrl_len);
    char *save = NULL;
    if (*ctrls == '\0' || ctrls[ctrl_len - 1] == ',' || ctrls[0] == ',')
        return rbox_error(err, 0, "exec: --cgroup %s: empty controller name", spec);
    for (char *t = strtok_r(ctrls, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const char *dir = cgroup_dir(cg, t);
        size_t i = 0;
        while (i < cg->n && cg->h[i].dir != dir)
            i++;
        if (dir == NULL || i == cg->n)
            return rbox_error(err, 0, "exec: --cgroup %s: the container has no \"%s\" hierarchy",
                              spec, t);
        if (sub[i])
            return rbox_error(err, 0, "exec: --cgroup %s: hierarchy \"%s\" is given twice", spec,
                              cg->h[i].name);
        sub[i] = path;
    }
    return 0;
}

int exec_cgroup_targets(struct cgroup *cg, char *const *specs, char ***out, rbox_err **err)
{
    *out = NULL;
    if (specs == NULL || specs[0] == NULL)
        return 0;
    _cleanup_free_ const char **sub = xcalloc(cg->n + 1, sizeof(*sub));
    const char *all = NULL;
    for (size_t k = 0; specs[k]; k++) {
        const char *spec = specs[k], *colon = strchr(spec, ':');
        const char *path = colon ? colon + 1 : spec;
        if (check_path(spec, path, err) < 0)
            return -1;
        if (colon && add_controllers(cg, spec, (size_t)(colon - spec), path, sub, err) < 0)
            return -1;
        if (!colon && all)
            return rbox_error(err, 0,
                              "exec: --cgroup %s: a path for every hierarchy is given "
                              "twice",
                              spec);
        if (!colon)
            all = path;
    }
    _cleanup_strv_ char **dirs = xcalloc(cg->n + 1, sizeof(char *));
    for (size_t i = 0; i < cg->n; i++) {
        const char *s = sub[i] ? sub[i] : all;
        dirs[i] = s ? cg_path_join(cg->h[i].dir, s) : xstrdup(cg->h[i].dir);
        struct stat st;
        if (s && (stat(dirs[i], &st) < 0 || !S_ISDIR(st.st_mode)))
            return rbox_error(err, 0,
                              "exec: --cgroup: %s does not exist (exec joins an existing "
                              "sub-cgroup, it does not create one)",
                              dirs[i]);
    }
    *out = steal_pointer(&dirs);
    return 0;
}

int exec_cgroup_enter(char *const *dirs, pid_t pid, rbox_err **err)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    for (size_t i = 0; dirs[i]; i++) {
        _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dirs[i]);
        if (write_file_at(AT_FDCWD, procs, buf) < 0)
            return rbox_error(err, errno, "joining cgroup %s", dirs[i]);
    }
    return 0;
}
