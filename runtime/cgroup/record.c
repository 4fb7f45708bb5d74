/* record.c - the cgroup of a create that never wrote state.json (see cgroup_record.h). */
#define _GNU_SOURCE
#include "cgroup_record.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

int cgroup_record_write(int dirfd, struct cgroup *cg, rbox_err **err)
{
    _cleanup_free_ int *saved = xcalloc(cg->n + 1, sizeof(int));
    for (size_t i = 0; i < cg->n; i++) {
        struct stat st;
        saved[i] = cg->h[i].created;
        if (stat(cg->h[i].dir, &st) < 0 && errno == ENOENT)
            cg->h[i].created = 1;
    }
    json_w w;
    jw_init(&w, false);
    cgroup_to_json(cg, &w);
    size_t len;
    const char *text = jw_text(&w, &len);
    int r = write_file_atomic_at(dirfd, CGROUP_RECORD, text, len, 0600, false);
    int e = errno;
    jw_free(&w);
    for (size_t i = 0; i < cg->n; i++)
        cg->h[i].created = saved[i];
    return r < 0 ? rbox_error(err, e, "writing %s", CGROUP_RECORD) : 0;
}

int cgroup_record_destroy(int dirfd, rbox_err **err)
{
    _cleanup_free_ char *text = NULL;
    if (read_file_at(dirfd, CGROUP_RECORD, &text, NULL) < 0)
        return errno == ENOENT ? 0 : rbox_error(err, errno, "reading %s", CGROUP_RECORD);
    yajl_val v = NULL;
    if (json_parse(text, CGROUP_RECORD, &v, err) < 0)
        return -1;
    _cleanup_cgroup_ struct cgroup *cg = NULL;
    int r = cgroup_from_json(v, &cg, err);
    yajl_tree_free(v);
    if (r < 0)
        return -1;
    if (!cgroup_is_empty(cg))
        cgroup_kill_all(cg, SIGKILL, NULL);
    return cgroup_destroy(cg, err);
}
