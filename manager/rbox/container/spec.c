/* spec.c - the user's container request: flag parsing, resolution against the image, and its
 * config.json in the store. */
#define _GNU_SOURCE
#include "spec.h"
#include "json.h"
#include "passwd.h"
#include "path.h"
#include "signals.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void spec_clear(struct ctr_spec *s)
{
    free(s->name);
    free(s->image);
    free(s->image_id);
    strv_free(s->entrypoint);
    strv_free(s->cmd);
    strv_free(s->env);
    free(s->workdir);
    free(s->user);
    free(s->hostname);
    strv_free(s->cap_add);
    strv_free(s->cap_drop);
    free(s->network);
    net_req_clear(&s->net);
    ns_flags_clear(&s->ns);
    free(s->stop_signal);
    free(s->cgroup_parent);
    free(s->groups);
    free(s->home);
    sbx_clear(&s->sbx);
    rf_clear(&s->rf);
    health_clear(&s->health);
    blkio_clear(&s->blkio);
    memset(s, 0, sizeof(*s));
}

int parse_memory(const char *v, int64_t *out, rbox_err **err)
{
    int64_t bytes;
    if (rf_parse_size(v, "--memory", &bytes, err) < 0)
        return -1;
    if (bytes != 0 && bytes < 6 * 1024 * 1024)
        return rbox_error(err, 0, "invalid value \"%s\" for --memory: the minimum is 6m", v);
    *out = bytes;
    return 0;
}

int parse_cpus(const char *v, int64_t *nano, rbox_err **err)
{
    char *end;
    errno = 0;
    double c = strtod(v, &end);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1)
        ncpu = 1;
    if (end == v || *end || errno || !isfinite(c))
        return rbox_error(err, 0, "invalid value \"%s\" for --cpus: expected a number such as 0.5",
                          v);
    if (c == 0) {
        *nano = 0;
        return 0;
    }
    if (c < 0.01 || c > (double)ncpu)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --cpus: the range is from 0.01 to %ld.00 "
                          "(%ld CPUs available)",
                          v, ncpu, ncpu);
    *nano = llround(c * 1e9);
    return 0;
}

int parse_pids_limit(const char *v, int64_t *out, rbox_err **err)
{
    int64_t n;
    if (parse_i64(v, &n) < 0)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --pids-limit: expected an integer (0 or -1 "
                          "for no limit)",
                          v);
    *out = n > 0 ? n : 0;
    return 0;
}

static const char *const cap_names[] = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};

size_t cap_count(void)
{
    return ARRAY_SIZE(cap_names);
}

const char *cap_name_at(size_t i)
{
    return cap_names[i];
}

int parse_capability(const char *v, const char *flag, char **out, rbox_err **err)
{
    const char *name = strncasecmp(v, "CAP_", 4) == 0 ? v + 4 : v;
    if (strcasecmp(name, "ALL") == 0) {
        *out = xstrdup("ALL");
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
        if (strcasecmp(name, cap_names[i]) == 0) {
            *out = xasprintf("CAP_%s", cap_names[i]);
            return 0;
        }
    return rbox_error(err, 0, "invalid value \"%s\" for %s: unknown capability", v, flag);
}

int parse_env_arg(const char *v, char ***env, size_t *n, rbox_err **err)
{
    const char *eq = strchr(v, '=');
    size_t klen = eq ? (size_t)(eq - v) : strlen(v);
    if (klen == 0)
        return rbox_error(err, 0, "invalid environment variable \"%s\": empty name", v);
    for (size_t i = 0; i < klen; i++)
        if (isspace((unsigned char)v[i]))
            return rbox_error(err, 0,
                              "invalid environment variable \"%s\": the name contains "
                              "whitespace",
                              v);
    if (eq) {
        strv_push(env, n, xstrdup(v));
    } else {
        const char *val = getenv(v); /* "-e NAME": this environment's value, if any */
        if (val)
            strv_push(env, n, xasprintf("%s=%s", v, val));
    }
    return 0;
}

int parse_env_file(const char *path, char ***env, size_t *n, rbox_err **err)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (f == NULL)
        return rbox_error(err, errno, "--env-file %s", path);
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        if (parse_env_arg(p, env, n, err) < 0)
            return rbox_error_prefix(err, "--env-file %s line %d", path, lineno);
    }
    return 0;
}

int validate_hostname(const char *h, rbox_err **err)
{
    size_t len = strlen(h);
    bool ok = len >= 1 && len <= 64 && h[0] != '-' && h[0] != '.';
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)h[i]) || h[i] == '-' || h[i] == '.';
    if (!ok)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --hostname: use 1-64 characters of "
                          "[A-Za-z0-9.-]",
                          h);
    return 0;
}

/* "/proc/self/fd/N" of a file inside the image, opened without leaving its root. */
static int image_file(int rootfd, const char *path, char buf[64])
{
    int fd = open_in_root(rootfd, path, O_RDONLY, 0);
    if (fd >= 0)
        snprintf(buf, 64, "/proc/self/fd/%d", fd);
    return fd;
}

static int resolve_group(int rootfd, const char *g, uint32_t *gid, rbox_err **err)
{
    uint64_t n;
    if (parse_u64(g, &n) == 0 && n <= INT32_MAX) {
        *gid = (uint32_t)n;
        return 0;
    }
    char path[64];
    _cleanup_close_ int fd = image_file(rootfd, "/etc/group", path);
    gid_t found;
    if (fd < 0 || group_lookup(path, g, &found) < 0)
        return rbox_error(err, 0, "unable to find group %s: no matching entries in group file", g);
    *gid = found;
    return 0;
}

/* --group-add: more supplementary groups, names from the image's /etc/group. */
static int add_groups(struct ctr_spec *s, int rootfd, rbox_err **err)
{
    size_t n = strv_len(s->rf.group_add);
    if (n == 0)
        return 0;
    s->groups = xrealloc(s->groups, (s->n_groups + n + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        uint32_t gid;
        if (resolve_group(rootfd, s->rf.group_add[i], &gid, err) < 0)
            return rbox_error_prefix(err, "invalid value \"%s\" for --group-add",
                                     s->rf.group_add[i]);
        bool dup = false;
        for (size_t k = 0; k < s->n_groups; k++)
            dup = dup || s->groups[k] == gid;
        if (!dup)
            s->groups[s->n_groups++] = gid;
    }
    return 0;
}

static int resolve_user(struct ctr_spec *s, int rootfd, rbox_err **err)
{
    const char *spec = s->user ? s->user : "0";
    _cleanup_free_ char *user = xstrdup(spec);
    char *group = strchr(user, ':');
    if (group)
        *group++ = '\0';
    char path[64];
    _cleanup_close_ int fd = image_file(rootfd, "/etc/passwd", path);
    struct pw_entry pw = { 0 };
    uint64_t num;
    bool numeric = parse_u64(user, &num) == 0;
    if (*user == '\0' || (numeric && num > INT32_MAX))
        return rbox_error(err, 0, "invalid value \"%s\" for --user", spec);
    bool found = fd >= 0 && passwd_lookup(path, numeric ? NULL : user, (uid_t)num, &pw) == 0;
    if (!found && !numeric)
        return rbox_error(err, 0, "unable to find user %s: no matching entries in passwd file",
                          user);
    s->uid = found ? pw.uid : (uint32_t)num;
    s->gid = found ? pw.gid : 0;
    s->home = xstrdup(found && pw.home && *pw.home ? pw.home : "/");
    if (group && resolve_group(rootfd, group, &s->gid, err) < 0) {
        pw_entry_clear(&pw);
        return -1;
    }
    if (found && !group) {
        /* supplementary groups: those listing the user */
        char gpath[64];
        _cleanup_close_ int gfd = image_file(rootfd, "/etc/group", gpath);
        gid_t *gids = NULL;
        size_t n = 0;
        if (gfd >= 0 && group_members_of(gpath, pw.name, &gids, &n) == 0) {
            s->groups = xcalloc(n + 1, sizeof(uint32_t));
            for (size_t i = 0; i < n; i++)
                s->groups[i] = gids[i];
            s->n_groups = n;
        }
        free(gids);
    }
    pw_entry_clear(&pw);
    return add_groups(s, rootfd, err);
}

/* K=V lists: the image's entries whose key the flags do not set, then the flags'. */
static char **merge_kv(char *const *image, char *const *flags)
{
    char **v = xcalloc(1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; image && image[i]; i++) {
        size_t klen = strcspn(image[i], "=");
        bool set = false;
        for (size_t k = 0; !set && flags && flags[k]; k++)
            set = strncmp(flags[k], image[i], klen) == 0 &&
                  (flags[k][klen] == '=' || flags[k][klen] == '\0');
        if (!set)
            strv_push(&v, &n, xstrdup(image[i]));
    }
    for (size_t i = 0; flags && flags[i]; i++)
        strv_push(&v, &n, xstrdup(flags[i]));
    return v;
}

int spec_resolve(struct ctr_spec *s, struct store *st, const struct image *img, rbox_err **err)
{
    /* docker: --entrypoint drops the image's Cmd; a command replaces only Cmd */
    if (s->entrypoint == NULL) {
        s->entrypoint = strv_dup(img->entrypoint);
        if (s->cmd == NULL)
            s->cmd = strv_dup(img->cmd);
    }
    _cleanup_strv_ char **args = spec_args(s);
    if (args[0] == NULL)
        return rbox_error(err, 0, "no command specified (image %s has no default command)",
                          s->image);
    if (img->env) {
        char **env = merge_kv(img->env, s->env);
        strv_free(s->env);
        s->env = env;
    }
    if (img->labels) {
        char **labels = merge_kv(img->labels, s->rf.labels);
        strv_free(s->rf.labels);
        s->rf.labels = labels;
    }
    health_resolve(&s->health, img->config);
    if (s->workdir == NULL && img->workdir)
        s->workdir = xstrdup(img->workdir);
    if (s->user == NULL && img->user)
        s->user = xstrdup(img->user);
    if (s->stop_signal == NULL) {
        int sig = img->stop_signal ? signal_parse(img->stop_signal) : -1;
        s->stop_signal = xstrdup(sig > 0 && signal_name(sig) ? signal_name(sig) : "SIGTERM");
    }
    if (s->workdir && s->workdir[0] != '/')
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --workdir: the working directory must be "
                          "an absolute path",
                          s->workdir);
    _cleanup_close_ int rootfd = image_root_open(st, img, err);
    if (rootfd < 0)
        return rbox_error_prefix(err, "opening the image %s", s->image);
    return resolve_user(s, rootfd, err);
}

char **spec_args(const struct ctr_spec *s)
{
    char **v = xcalloc(1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; s->entrypoint && s->entrypoint[i]; i++)
        strv_push(&v, &n, xstrdup(s->entrypoint[i]));
    for (size_t i = 0; s->cmd && s->cmd[i]; i++)
        strv_push(&v, &n, xstrdup(s->cmd[i]));
    return v;
}

char *spec_command_line(const struct ctr_spec *s)
{
    _cleanup_strv_ char **args = spec_args(s);
    size_t len = 1;
    for (size_t i = 0; args[i]; i++)
        len += strlen(args[i]) + 1;
    char *out = xzalloc(len);
    for (size_t i = 0; args[i]; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, args[i]);
    }
    return out;
}

int spec_save(int ctrfd, const struct ctr_spec *s, rbox_err **err)
{
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    jw_kstr(&w, "id", s->id);
    jw_kstr(&w, "name", s->name);
    jw_kstr(&w, "image", s->image);
    jw_kstr(&w, "image_id", s->image_id);
    jw_kint(&w, "created", s->created_ns);
    jw_kstrv(&w, "entrypoint", s->entrypoint);
    jw_kstrv(&w, "cmd", s->cmd);
    jw_kstrv(&w, "env", s->env);
    jw_kstr(&w, "workdir", s->workdir);
    jw_kstr(&w, "user", s->user);
    jw_kstr(&w, "hostname", s->hostname);
    jw_kint(&w, "memory", s->memory);
    jw_kint(&w, "nano_cpus", s->nano_cpus);
    jw_kint(&w, "pids_limit", s->pids_limit);
    jw_kbool(&w, "read_only", s->read_only);
    jw_kbool(&w, "auto_remove", s->auto_remove);
    jw_kstrv(&w, "cap_add", s->cap_add);
    jw_kstrv(&w, "cap_drop", s->cap_drop);
    jw_kstr(&w, "network", s->network);
    jw_kstr(&w, "stop_signal", s->stop_signal);
    jw_kint(&w, "stop_timeout", s->stop_timeout);
    jw_kstr(&w, "cgroup_parent", s->cgroup_parent);
    jw_kuint(&w, "uid", s->uid);
    jw_kuint(&w, "gid", s->gid);
    jw_key(&w, "groups");
    jw_arr_open(&w);
    for (size_t i = 0; i < s->n_groups; i++)
        jw_uint(&w, s->groups[i]);
    jw_arr_close(&w);
    jw_kstr(&w, "home", s->home);
    sbx_save(&w, &s->sbx);
    rf_save(&w, &s->rf);
    net_req_save(&w, &s->net);
    ns_flags_save(&w, &s->ns);
    log_opts_save(&w, &s->log);
    health_save(&w, &s->health);
    blkio_save(&w, &s->blkio);
    jw_kbool(&w, "tty", s->tty);
    jw_kbool(&w, "open_stdin", s->open_stdin);
    jw_kbool(&w, "stdin_once", s->stdin_once);
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    /* --rm containers are volatile (as podman makes them): not worth an fsync, they go anyway */
    int r = write_file_atomic_at(ctrfd, "config.json", text, len, 0600, !s->auto_remove);
    int saved = errno;
    jw_free(&w);
    if (r < 0)
        return rbox_error(err, saved, "writing the container's config.json");
    return 0;
}

static char *get_str(yajl_val obj, const char *key)
{
    const char *s = json_get_str(obj, key);
    return s ? xstrdup(s) : NULL;
}

int spec_load(int ctrfd, struct ctr_spec *s, rbox_err **err)
{
    memset(s, 0, sizeof(*s));
    _cleanup_free_ char *text = NULL;
    if (read_file_at(ctrfd, "config.json", &text, NULL) < 0)
        return rbox_error(err, errno, "reading the container's config.json");
    yajl_val v;
    if (json_parse(text, "config.json", &v, err) < 0)
        return -1;
    CTR_SET(s->id, json_get_str(v, "id"));
    s->name = get_str(v, "name");
    s->image = get_str(v, "image");
    s->image_id = get_str(v, "image_id");
    json_get_i64(v, "created", &s->created_ns);
    s->entrypoint = json_get_strv(v, "entrypoint");
    s->cmd = json_get_strv(v, "cmd");
    s->env = json_get_strv(v, "env");
    s->workdir = get_str(v, "workdir");
    s->user = get_str(v, "user");
    s->hostname = get_str(v, "hostname");
    json_get_i64(v, "memory", &s->memory);
    json_get_i64(v, "nano_cpus", &s->nano_cpus);
    json_get_i64(v, "pids_limit", &s->pids_limit);
    json_get_bool(v, "read_only", &s->read_only);
    json_get_bool(v, "auto_remove", &s->auto_remove);
    s->cap_add = json_get_strv(v, "cap_add");
    s->cap_drop = json_get_strv(v, "cap_drop");
    s->network = get_str(v, "network");
    s->stop_signal = get_str(v, "stop_signal");
    int64_t t = 10;
    json_get_i64(v, "stop_timeout", &t);
    s->stop_timeout = (int)t;
    s->cgroup_parent = get_str(v, "cgroup_parent");
    uint64_t u = 0;
    json_get_u64(v, "uid", &u);
    s->uid = (uint32_t)u;
    u = 0;
    json_get_u64(v, "gid", &u);
    s->gid = (uint32_t)u;
    yajl_val g = json_get(v, "groups");
    if (YAJL_IS_ARRAY(g)) {
        s->groups = xcalloc(g->u.array.len + 1, sizeof(uint32_t));
        for (size_t i = 0; i < g->u.array.len; i++)
            if (YAJL_IS_INTEGER(g->u.array.values[i]))
                s->groups[s->n_groups++] = (uint32_t)YAJL_GET_INTEGER(g->u.array.values[i]);
    }
    s->home = get_str(v, "home");
    sbx_load(json_get(v, "sandbox"), &s->sbx);
    rf_load(json_get(v, "flags"), &s->rf);
    net_req_load(json_get(v, "net"), &s->net);
    ns_flags_load(json_get(v, "namespaces"), &s->ns);
    log_opts_load(json_get(v, "log"), &s->log);
    health_load(json_get(v, "health"), &s->health);
    blkio_load(json_get(v, "blkio"), &s->blkio);
    json_get_bool(v, "tty", &s->tty);
    json_get_bool(v, "open_stdin", &s->open_stdin);
    json_get_bool(v, "stdin_once", &s->stdin_once);
    yajl_tree_free(v);
    return 0;
}

void spec_stdio(const struct store *st, const char *id, bool *tty, bool *open_stdin)
{
    struct ctr_spec s;
    _cleanup_close_ int fd = ctr_open_dir(st, id, NULL);
    *tty = *open_stdin = false;
    if (fd < 0 || spec_load(fd, &s, NULL) < 0)
        return;
    *tty = s.tty;
    *open_stdin = s.open_stdin;
    spec_clear(&s);
}

int spec_resolve_user(struct ctr_spec *s, int rootfd, rbox_err **err)
{
    return resolve_user(s, rootfd, err);
}
