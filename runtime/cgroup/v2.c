/* v2.c - the unified (cgroup2) backend. */
#define _GNU_SOURCE
#include "cgroup_internal.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cg_v2_resolve(struct cgroup *cg, const char *rel, bool absolute, rbox_err **err)
{
    _cleanup_free_ char *own = NULL;
    if (!absolute && cg_own_path("", &own, err) < 0)
        return -1;
    _cleanup_free_ char *inner = cg_path_join(absolute ? "/" : own, rel);
    cg_hier_add(cg, "unified", cg_path_join(cgroup_root, inner), true);
    return 0;
}

/* Enable every available controller in the subtree_control of the directories we created above
 * the leaf, so that the leaf gets them. Pre-existing parents are never written to. */
int cg_unified_enable_controllers(struct cg_hier *h, rbox_err **err)
{
    _cleanup_free_ char *p = xstrdup(h->dir);
    char *dirs[64];
    int n = 0;
    /* h->created components end at the leaf; the parents among them are all but the leaf. */
    for (int i = 0; i < h->created && n < 64; i++) {
        char *slash = strrchr(p, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        if (i + 1 < h->created)
            dirs[n++] = xstrdup(p);
    }
    int ret = 0;
    for (int i = n - 1; i >= 0 && ret == 0; i--) {
        _cleanup_free_ char *cf = xasprintf("%s/cgroup.controllers", dirs[i]);
        _cleanup_free_ char *avail = NULL;
        if (read_file_at(AT_FDCWD, cf, &avail, NULL) < 0) {
            ret = rbox_error(err, errno, "reading %s", cf);
            break;
        }
        _cleanup_free_ char *req = xstrdup("");
        char *save = NULL;
        for (char *t = strtok_r(avail, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
            char *next = xasprintf("%s%s+%s", req, *req ? " " : "", t);
            free(req);
            req = next;
        }
        _cleanup_free_ char *sc = xasprintf("%s/cgroup.subtree_control", dirs[i]);
        if (*req && write_file_at(AT_FDCWD, sc, req) < 0)
            ret = rbox_error(err, errno, "enabling controllers in %s", sc);
    }
    for (int i = 0; i < n; i++)
        free(dirs[i]);
    return ret;
}

/* A parent that a concurrent create has just made (seconds old, with an empty subtree_control
 * while controllers are available) is about to get its controllers enabled by that create: wait
 * for it, 5 s at most, rather than write to a cgroup this create did not make. Eight creates
 * under a fresh shared parent raced here on pure v2 (five leaves came without memory and their
 * limits failed). An older parent with nothing enabled is somebody's choice: no wait. */
static void wait_parent_controllers(const struct cg_hier *h)
{
    _cleanup_free_ char *parent = xstrdup(h->dir);
    char *slash = strrchr(parent, '/');
    if (slash == NULL || slash == parent)
        return;
    *slash = '\0';
    struct stat st;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (stat(parent, &st) < 0 || now.tv_sec - st.st_ctim.tv_sec > 10)
        return;
    _cleanup_free_ char *cf = xasprintf("%s/cgroup.controllers", parent);
    _cleanup_free_ char *sc = xasprintf("%s/cgroup.subtree_control", parent);
    for (int i = 0; i < 1000; i++) {
        _cleanup_free_ char *avail = NULL, *on = NULL;
        if (read_file_at(AT_FDCWD, cf, &avail, NULL) < 0 ||
            read_file_at(AT_FDCWD, sc, &on, NULL) < 0)
            return;
        if (strspn(avail, " \n") == strlen(avail) || strspn(on, " \n") != strlen(on))
            return; /* nothing to enable, or enabled already */
        usleep(5000);
    }
}

int cg_v2_prepare(struct cgroup *cg, rbox_err **err)
{
    if (cg->h[0].created == 1)
        wait_parent_controllers(&cg->h[0]);
    return cg_unified_enable_controllers(&cg->h[0], err);
}

static int wait_frozen(const char *dir, bool want, rbox_err **err)
{
    _cleanup_free_ char *events = xasprintf("%s/cgroup.events", dir);
    for (int i = 0; i < 2000; i++) {
        _cleanup_free_ char *buf = NULL;
        if (read_file_at(AT_FDCWD, events, &buf, NULL) < 0)
            return rbox_error(err, errno, "reading %s", events);
        char *f = strstr(buf, "frozen ");
        if (f && (f[7] == '1') == want)
            return 0;
        struct timespec ts = { 0, 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return rbox_error(err, ETIMEDOUT, "waiting for %s to %s", dir, want ? "freeze" : "thaw");
}

int cg_v2_freeze(struct cgroup *cg, bool freeze, rbox_err **err)
{
    const char *dir = cg->h[0].dir;
    _cleanup_free_ char *f = xasprintf("%s/cgroup.freeze", dir);
    if (write_file_at(AT_FDCWD, f, freeze ? "1" : "0") < 0)
        return rbox_error(err, errno, "writing %s", f);
    return wait_frozen(dir, freeze, err);
}

bool cg_v2_is_frozen(struct cgroup *cg)
{
    _cleanup_free_ char *f = xasprintf("%s/cgroup.freeze", cg->h[0].dir);
    _cleanup_free_ char *buf = NULL;
    if (read_file_at(AT_FDCWD, f, &buf, NULL) < 0)
        return false;
    return buf[0] == '1';
}
