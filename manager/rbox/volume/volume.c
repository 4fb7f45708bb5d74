/* volume.c - named volumes in the store (see volume.h). */
#define _GNU_SOURCE
#include "volume.h"
#include "ctr.h"
#include "events.h"
#include "json.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void volume_clear(struct volume *v)
{
    free(v->name);
    free(v->created_by);
    free(v->mountpoint);
    strv_free(v->labels);
    memset(v, 0, sizeof(*v));
}

int volume_name_validate(const char *name, rbox_err **err)
{
    size_t len = strlen(name);
    bool ok = len >= 2 && len <= 255 && isalnum((unsigned char)name[0]);
    for (size_t i = 1; ok && i < len; i++)
        ok = isalnum((unsigned char)name[i]) || strchr("_.-", name[i]);
    if (!ok)
        return rbox_error(err, 0,
                          "invalid volume name \"%s\": use 2-255 characters of "
                          "[a-zA-Z0-9][a-zA-Z0-9_.-]",
                          name);
    return 0;
}

char *volume_data_path(const struct store *s, const char *name)
{
    return xasprintf("%s/volumes/%s/_data", s->root, name);
}

static int volumes_dir(const struct store *s, rbox_err **err)
{
    if (mkdirat(s->root_fd, "volumes", 0700) < 0 && errno != EEXIST)
        return rbox_error(err, errno, "creating %s/volumes", s->root);
    int fd = openat(s->root_fd, "volumes", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rbox_error(err, errno, "opening %s/volumes", s->root);
    return fd;
}

int volume_create(const struct store *s, const char *name, const char *created_by, bool *created,
                  rbox_err **err)
{
    return volume_create_labeled(s, name, created_by, NULL, created, err);
}

int volume_create_labeled(const struct store *s, const char *name, const char *created_by,
                          char *const *labels, bool *created, rbox_err **err)
{
    if (created)
        *created = false;
    if (volume_name_validate(name, err) < 0)
        return -1;
    _cleanup_close_ int dfd = volumes_dir(s, err);
    if (dfd < 0)
        return -1;
    if (faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;
    /* built under a temporary name, renamed into place: a volume is complete or absent */
    _cleanup_free_ char *tmp = xasprintf(".new-%s", name);
    rm_rf_at(dfd, tmp);
    _cleanup_close_ int vfd = -1;
    if (mkdirat(dfd, tmp, 0755) < 0 ||
        (vfd = openat(dfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        mkdirat(vfd, "_data", 0755) < 0)
        return rbox_error(err, errno, "creating volume %s", name);
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    jw_kstr(&w, "name", name);
    jw_kint(&w, "created", now_ns_realtime());
    if (created_by)
        jw_kstr(&w, "created_by", created_by);
    if (labels && labels[0]) {
        jw_key(&w, "labels");
        jw_obj_open(&w);
        for (size_t i = 0; labels[i]; i++) {
            _cleanup_free_ char *k = xstrndup(labels[i], strcspn(labels[i], "="));
            jw_kstr(&w, k, labels[i][strlen(k)] ? labels[i] + strlen(k) + 1 : "");
        }
        jw_obj_close(&w);
    }
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    int r = write_file_atomic_at(vfd, "volume.json", text, len, 0600, true);
    int saved = errno;
    jw_free(&w);
    if (r < 0 || renameat(dfd, tmp, dfd, name) < 0) {
        saved = r < 0 ? saved : errno;
        rm_rf_at(dfd, tmp);
        return rbox_error(err, saved, "creating volume %s", name);
    }
    if (created)
        *created = true;
    event_append(s->root, "volume", "create", name, (const char *[]){ "driver", "local", NULL });
    return 0;
}

int volume_load(const struct store *s, const char *name, struct volume *v, rbox_err **err)
{
    memset(v, 0, sizeof(*v));
    if (volume_name_validate(name, err) < 0)
        return -1;
    _cleanup_free_ char *path = xasprintf("volumes/%s/volume.json", name);
    _cleanup_free_ char *text = NULL;
    if (read_file_at(s->root_fd, path, &text, NULL) < 0)
        return errno == ENOENT ? rbox_error(err, 0, "no such volume: %s", name)
                               : rbox_error(err, errno, "reading volume %s", name);
    yajl_val j;
    if (json_parse(text, path, &j, err) < 0)
        return -1;
    v->name = xstrdup(name);
    json_get_i64(j, "created", &v->created_ns);
    const char *by = json_get_str(j, "created_by");
    v->created_by = by ? xstrdup(by) : NULL;
    v->mountpoint = volume_data_path(s, name);
    v->labels = xcalloc(1, sizeof(char *));
    yajl_val l = json_get(j, "labels");
    for (size_t i = 0, n = 0; YAJL_IS_OBJECT(l) && i < l->u.object.len; i++)
        if (YAJL_IS_STRING(l->u.object.values[i]))
            strv_push(
                &v->labels, &n,
                xasprintf("%s=%s", l->u.object.keys[i], YAJL_GET_STRING(l->u.object.values[i])));
    yajl_tree_free(j);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int volume_list(const struct store *s, char ***names, size_t *n, rbox_err **err)
{
    *names = xcalloc(1, sizeof(char *));
    *n = 0;
    int fd = openat(s->root_fd, "volumes", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : rbox_error(err, errno, "opening %s/volumes", s->root);
    _cleanup_closedir_ DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return rbox_error(err, errno, "reading %s/volumes", s->root);
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.' && volume_name_validate(de->d_name, NULL) == 0)
            strv_push(names, n, xstrdup(de->d_name));
    qsort(*names, *n, sizeof(char *), cmp_str);
    return 0;
}

char **volume_names_of(const struct store *s, const char *id)
{
    _cleanup_free_ char *path = xasprintf("containers/%s/config.json", id);
    _cleanup_free_ char *text = NULL;
    char **names = xcalloc(1, sizeof(char *));
    size_t n = 0;
    yajl_val v;
    if (read_file_at(s->root_fd, path, &text, NULL) < 0 || json_parse(text, path, &v, NULL) < 0)
        return names;
    yajl_val m = json_get(json_get(v, "sandbox"), "mounts");
    for (size_t i = 0; YAJL_IS_ARRAY(m) && i < m->u.array.len; i++) {
        yajl_val e = m->u.array.values[i];
        const char *src = json_get_str(e, "source");
        if (str_eq(json_get_str(e, "type"), "volume") && src)
            strv_push(&names, &n, xstrdup(src));
    }
    yajl_tree_free(v);
    return names;
}

static bool ctr_uses(const struct store *s, const char *id, const char *name)
{
    _cleanup_strv_ char **names = volume_names_of(s, id);
    for (size_t i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

int volume_users(struct store *s, const char *name, char ***users, size_t *n, size_t *running,
                 rbox_err **err)
{
    *users = xcalloc(1, sizeof(char *));
    *n = *running = 0;
    _cleanup_strv_ char **ids = NULL;
    size_t count;
    if (ctr_list_ids(s, &ids, &count, err) < 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        struct ctr_state st;
        if (!ctr_uses(s, ids[i], name) || ctr_read(s, ids[i], &st, NULL) < 0)
            continue;
        strv_push(users, n, xstrdup(st.name));
        if (st.status == CS_RUNNING || st.status == CS_PAUSED || st.monitor_pid)
            (*running)++;
    }
    return 0;
}

static int remove_locked(struct store *s, const char *name, bool force, rbox_err **err)
{
    struct volume v;
    if (volume_load(s, name, &v, err) < 0)
        return -1;
    volume_clear(&v);
    _cleanup_strv_ char **users = NULL;
    size_t n, running;
    if (volume_users(s, name, &users, &n, &running, err) < 0)
        return -1;
    if (running || (n && !force))
        return rbox_error(err, 0, "volume %s is in use by container %s%s%s", name, users[0],
                          n > 1 ? " and others" : "",
                          running ? " (running)" : " (remove it, or use volume rm -f)");
    _cleanup_close_ int dfd = volumes_dir(s, err);
    if (dfd < 0)
        return -1;
    /* renamed away first: from now on the volume no longer exists for anyone */
    _cleanup_free_ char *tmp = xasprintf(".rm-%s", name);
    rm_rf_at(dfd, tmp);
    if (renameat(dfd, name, dfd, tmp) < 0 || rm_rf_at(dfd, tmp) < 0)
        return rbox_error(err, errno, "removing volume %s", name);
    event_append(s->root, "volume", "destroy", name, (const char *[]){ "driver", "local", NULL });
    return 0;
}

int volume_remove(struct store *s, const char *name, bool force, rbox_err **err)
{
    bool had = s->lock_fd >= 0;
    if (store_lock(s, err) < 0)
        return -1;
    int r = remove_locked(s, name, force, err);
    if (!had)
        store_unlock(s);
    return r;
}

void volumes_remove_created_by(struct store *s, const char *id, char *const *names)
{
    for (size_t i = 0; names && names[i]; i++) {
        struct volume v;
        if (volume_load(s, names[i], &v, NULL) < 0)
            continue;
        bool mine = str_eq(v.created_by, id);
        volume_clear(&v);
        rbox_err *e = NULL;
        if (mine && volume_remove(s, names[i], false, &e) < 0)
            rbox_err_free(e); /* another container uses it: it stays */
    }
}
