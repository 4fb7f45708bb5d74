/* state.c - the per-container state directory and state.json. */
#define _GNU_SOURCE
#include "state.h"
#include "json.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

const char *status_name(enum container_status s)
{
    static const char *names[] = { "creating", "created", "running", "paused", "stopped" };
    return names[s];
}

const char *state_default_root(void)
{
    static char *root;
    if (root)
        return root;
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (geteuid() != 0 && xdg && *xdg)
        root = xasprintf("%s/rbox-runtime", xdg);
    else
        root = xstrdup("/run/rbox-runtime");
    return root;
}

int validate_id(const char *id, rbox_err **err)
{
    size_t len = strlen(id);
    if (len == 0)
        return rbox_error(err, 0, "container id must not be empty");
    if (len > 1024)
        return rbox_error(err, 0, "container id is longer than 1024 characters");
    if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return rbox_error(err, 0, "invalid container id \"%s\"", id);
    for (const char *p = id; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.' || c == '+';
        if (!ok)
            return rbox_error(err, 0,
                              "invalid container id \"%s\": only [A-Za-z0-9_+.-] are allowed", id);
    }
    return 0;
}

/* The temporary dir of a create: ".new.<pid>.<start time>.<random>" */
#define NEW_PREFIX ".new."

void state_sweep(const char *root)
{
    _cleanup_closedir_ DIR *d = opendir(root);
    if (d == NULL)
        return;
    int rfd = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int pid;
        unsigned long long start;
        if (!str_has_prefix(de->d_name, NEW_PREFIX) ||
            sscanf(de->d_name + strlen(NEW_PREFIX), "%d.%llu.", &pid, &start) != 2)
            continue;
        if (pid > 0 && proc_start_time(pid) == start)
            continue; /* its create is still running */
        rm_rf_at(rfd, de->d_name);
    }
}

int state_dir_create(const char *root, const char *id, const struct rbox_state *st, int *dirfd,
                     rbox_err **err)
{
    if (mkdir_p(root, 0700) < 0)
        return rbox_error(err, errno, "creating state root %s", root);
    _cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rfd < 0)
        return rbox_error(err, errno, "opening state root %s", root);
    if (faccessat(rfd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return rbox_error(err, 0, "container \"%s\" already exists", id);
    state_sweep(root);
    char tmp[96];
    snprintf(tmp, sizeof(tmp), NEW_PREFIX "%d.%llu.%lx", (int)getpid(), proc_start_time(getpid()),
             (unsigned long)random());
    if (mkdirat(rfd, tmp, 0700) < 0)
        return rbox_error(err, errno, "creating state dir %s/%s", root, tmp);
    int fd = openat(rfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        int saved = errno;
        unlinkat(rfd, tmp, AT_REMOVEDIR);
        return rbox_error(err, saved, "opening state dir %s/%s", root, tmp);
    }
    if (state_write(fd, st, err) < 0) {
        close(fd);
        rm_rf_at(rfd, tmp);
        return -1;
    }
    /* (a syscall: musl's headers may lack renameat2) */
    if (syscall(SYS_renameat2, rfd, tmp, rfd, id, RENAME_NOREPLACE) < 0) {
        int saved = errno;
        close(fd);
        rm_rf_at(rfd, tmp);
        if (saved == EEXIST)
            return rbox_error(err, 0, "container \"%s\" already exists", id);
        return rbox_error(err, saved, "creating state dir %s/%s", root, id);
    }
    *dirfd = fd;
    return 0;
}

int state_dir_open(const char *root, const char *id, int *dirfd, rbox_err **err)
{
    if (validate_id(id, err) < 0)
        return -1;
    _cleanup_free_ char *path = xasprintf("%s/%s", root, id);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return rbox_error(err, 0, "container \"%s\" does not exist", id);
        return rbox_error(err, errno, "opening state dir %s", path);
    }
    *dirfd = fd;
    return 0;
}

int state_dir_remove(const char *root, const char *id)
{
    _cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rfd < 0)
        return errno == ENOENT ? 0 : -1;
    return rm_rf_at(rfd, id);
}

int state_lock(int dirfd, rbox_err **err)
{
    while (flock(dirfd, LOCK_EX) < 0)
        if (errno != EINTR)
            return rbox_error(err, errno, "locking the state dir");
    return 0;
}

int state_write(int dirfd, const struct rbox_state *st, rbox_err **err)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "id", st->id);
    jw_kint(&w, "pid", st->pid);
    jw_kuint(&w, "pidStart", st->pid_start);
    jw_kstr(&w, "bundle", st->bundle);
    jw_kstr(&w, "rootfs", st->rootfs);
    jw_kstr(&w, "created", st->created);
    jw_kuint(&w, "owner", st->owner);
    jw_kbool(&w, "systemdCgroup", st->systemd_cgroup);
    jw_kbool(&w, "rootless", st->rootless);
    jw_kbool(&w, "hasPoststart", st->has_poststart);
    jw_kbool(&w, "hasPoststop", st->has_poststop);
    if (st->host_mount_id)
        jw_kuint(&w, "hostMountId", st->host_mount_id);
    if (st->creating) {
        jw_kbool(&w, "creating", true);
        jw_kint(&w, "creatorPid", st->creator_pid);
        jw_kuint(&w, "creatorStart", st->creator_start);
    }
    if (st->cgroup) {
        jw_key(&w, "cgroup");
        cgroup_to_json(st->cgroup, &w);
    }
    jw_key(&w, "annotations");
    jw_obj_open(&w);
    for (size_t i = 0; i < st->n_annotations; i++)
        jw_kstr(&w, st->annotations[i].key, st->annotations[i].value);
    jw_obj_close(&w);
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    int r = write_file_atomic_at(dirfd, STATE_FILE, text, len, 0600, false);
    int saved = errno;
    jw_free(&w);
    if (r < 0)
        return rbox_error(err, saved, "writing %s", STATE_FILE);
    return 0;
}

int state_read(int dirfd, const char *id, struct rbox_state **out, rbox_err **err)
{
    _cleanup_free_ char *text = NULL;
    if (read_file_at(dirfd, STATE_FILE, &text, NULL) < 0) {
        if (errno == ENOENT)
            return rbox_error(err, 0,
                              "container \"%s\" does not exist (it is being created or "
                              "deleted)",
                              id);
        return rbox_error(err, errno, "reading state of \"%s\"", id);
    }
    yajl_val v;
    if (json_parse(text, STATE_FILE, &v, err) < 0)
        return -1;
    _cleanup_state_ struct rbox_state *st = xzalloc(sizeof(*st));
    int64_t pid = 0;
    uint64_t u = 0;
    st->id = xstrdup(json_get_str(v, "id"));
    json_get_i64(v, "pid", &pid);
    st->pid = (pid_t)pid;
    if (json_get_u64(v, "pidStart", &u))
        st->pid_start = u;
    st->bundle = xstrdup(json_get_str(v, "bundle"));
    st->rootfs = xstrdup(json_get_str(v, "rootfs"));
    st->created = xstrdup(json_get_str(v, "created"));
    if (json_get_u64(v, "owner", &u))
        st->owner = (uid_t)u;
    json_get_bool(v, "systemdCgroup", &st->systemd_cgroup);
    json_get_bool(v, "rootless", &st->rootless);
    json_get_bool(v, "hasPoststart", &st->has_poststart);
    json_get_bool(v, "hasPoststop", &st->has_poststop);
    if (json_get_u64(v, "hostMountId", &u))
        st->host_mount_id = u;
    json_get_bool(v, "creating", &st->creating);
    if (json_get_i64(v, "creatorPid", &pid))
        st->creator_pid = (pid_t)pid;
    if (json_get_u64(v, "creatorStart", &u))
        st->creator_start = u;
    yajl_val cg = json_get(v, "cgroup");
    int ret = 0;
    if (cg && cgroup_from_json(cg, &st->cgroup, err) < 0)
        ret = -1;
    yajl_val ann = json_get(v, "annotations");
    if (YAJL_IS_OBJECT(ann)) {
        st->annotations = xcalloc(ann->u.object.len, sizeof(struct rbox_kv));
        for (size_t i = 0; i < ann->u.object.len; i++) {
            const char *val = YAJL_GET_STRING(ann->u.object.values[i]);
            st->annotations[st->n_annotations].key = xstrdup(ann->u.object.keys[i]);
            st->annotations[st->n_annotations++].value = xstrdup(val ? val : "");
        }
    }
    yajl_tree_free(v);
    if (ret == 0)
        *out = steal_pointer(&st);
    return ret;
}

void state_free(struct rbox_state *st)
{
    if (st == NULL)
        return;
    free(st->id);
    free(st->bundle);
    free(st->rootfs);
    free(st->created);
    cgroup_free(st->cgroup);
    for (size_t i = 0; i < st->n_annotations; i++) {
        free(st->annotations[i].key);
        free(st->annotations[i].value);
    }
    free(st->annotations);
    free(st);
}

void cleanup_statep(struct rbox_state **st)
{
    state_free(*st);
}

enum container_status state_status(int dirfd, const struct rbox_state *st)
{
    if (st->creating)
        return st->creator_pid > 0 && proc_start_time(st->creator_pid) == st->creator_start
                   ? ST_CREATING
                   : ST_STOPPED;
    if (st->pid <= 0)
        return ST_STOPPED;
    unsigned long long start = proc_start_time(st->pid);
    if (start == 0 || start != st->pid_start)
        return ST_STOPPED;
    if (faccessat(dirfd, START_SOCKET, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return ST_CREATED;
    if (st->cgroup && cgroup_is_frozen(st->cgroup))
        return ST_PAUSED;
    return ST_RUNNING;
}

char *state_oci_json(const struct rbox_state *st, enum container_status status, bool pretty)
{
    json_w w;
    jw_init(&w, pretty);
    jw_obj_open(&w);
    jw_kstr(&w, "ociVersion", "1.2.0");
    jw_kstr(&w, "id", st->id);
    jw_kint(&w, "pid", status == ST_STOPPED ? 0 : st->pid);
    jw_kstr(&w, "status", status_name(status));
    jw_kstr(&w, "bundle", st->bundle);
    jw_kstr(&w, "rootfs", st->rootfs);
    jw_kstr(&w, "created", st->created);
    char owner[32];
    snprintf(owner, sizeof(owner), "%u", (unsigned)st->owner);
    jw_kstr(&w, "owner", st->owner == 0 ? "" : owner);
    jw_key(&w, "annotations");
    jw_obj_open(&w);
    for (size_t i = 0; i < st->n_annotations; i++)
        jw_kstr(&w, st->annotations[i].key, st->annotations[i].value);
    jw_obj_close(&w);
    jw_obj_close(&w);
    char *out = xstrdup(jw_text(&w, NULL));
    jw_free(&w);
    return out;
}

char *state_json_from_config(const struct rbox_config *cfg, const char *id, pid_t pid,
                             enum container_status status)
{
    struct rbox_state st = {
        .id = (char *)id,
        .pid = pid,
        .bundle = cfg->bundle,
        .rootfs = cfg->rootfs,
        .annotations = cfg->annotations,
        .n_annotations = cfg->n_annotations,
    };
    return state_oci_json(&st, status, false);
}

int state_load_config(int dirfd, struct rbox_config **cfg, rbox_err **err)
{
    _cleanup_free_ char *text = NULL;
    if (read_file_at(dirfd, CONFIG_COPY, &text, NULL) < 0)
        return rbox_error(err, errno, "reading the container's saved config.json");
    return config_parse(text, "config.json", cfg, err);
}

int container_ref_open(const char *root, const char *id, bool lock, struct container_ref *ref,
                       rbox_err **err)
{
    ref->dirfd = -1;
    ref->st = NULL;
    if (state_dir_open(root, id, &ref->dirfd, err) < 0)
        return -1;
    if ((lock && state_lock(ref->dirfd, err) < 0) ||
        state_read(ref->dirfd, id, &ref->st, err) < 0) {
        container_ref_close(ref);
        return -1;
    }
    return 0;
}

void container_ref_close(struct container_ref *ref)
{
    if (ref->dirfd >= 0)
        close(ref->dirfd);
    ref->dirfd = -1;
    state_free(ref->st);
    ref->st = NULL;
}
