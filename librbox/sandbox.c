/* sandbox.c - librbox: the sandbox description and its setters, the error type. */
#define _GNU_SOURCE
#include "internal.h"
#include "sandbox.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RBOX_VERSION
#define RBOX_VERSION "0.0.0"
#endif

static void fill(struct rbox_error *out, int errnum, const char *msg)
{
    if (out == NULL)
        return;
    out->errnum = errnum;
    snprintf(out->message, sizeof(out->message), "%s", msg);
}

int lib_fail(struct rbox_error *out, rbox_err *err)
{
    /* a bad value without an errno behind it is EINVAL: errnum is never 0 on failure */
    fill(out, err && err->errnum ? err->errnum : EINVAL,
         err && err->msg ? err->msg : "unknown error");
    rbox_err_free(err);
    errno = out ? out->errnum : EINVAL;
    return -1;
}

int lib_failf(struct rbox_error *out, int errnum, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (errnum) {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof(buf) - n, ": %s", rbox_strerror(errnum));
    }
    fill(out, errnum ? errnum : EINVAL, buf);
    errno = errnum ? errnum : EINVAL;
    return -1;
}

RBOX_API const char *rbox_version(void)
{
    return RBOX_VERSION;
}

static const char default_path[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

RBOX_API rbox_sandbox *rbox_sandbox_new(const char *rootfs, struct rbox_error *err)
{
    if (rootfs == NULL || *rootfs == '\0') {
        lib_failf(err, 0, "rbox_sandbox_new: no rootfs");
        return NULL;
    }
    char *real = realpath(rootfs, NULL);
    if (real == NULL) {
        lib_failf(err, errno, "rootfs %s", rootfs);
        return NULL;
    }
    rbox_sandbox *sb = xzalloc(sizeof(*sb));
    sb->rootfs = real;
    char *argv[] = { (char *)"/bin/true", NULL };
    sb->argv = strv_dup(argv);
    strv_push(&sb->env, &sb->n_env, xstrdup(default_path));
    sb->cwd = xstrdup("/");
    sb->in_fd = -1;
    sb->out_fd = sb->err_fd = -2;
    const char *v = getenv("RBOX_CGROUP_PARENT");
    sb->cgroup_parent = xstrdup(v && *v ? v : "/librbox");
    v = getenv("RBOX_LIB_ROOT");
    sb->workdir = xstrdup(v && *v ? v : "/run/librbox");
    v = getenv("RBOX_RUNTIME");
    sb->runtime = xstrdup(v && *v ? v : RBOX_LIB_RUNTIME);
    lib_pool_init(sb);
    return sb;
}

RBOX_API void rbox_sandbox_free(rbox_sandbox *sb)
{
    if (sb == NULL)
        return;
    lib_pool_free(sb);
    free(sb->rootfs);
    strv_free(sb->argv);
    strv_free(sb->env);
    free(sb->cwd);
    free(sb->seccomp);
    free(sb->seccomp_text);
    for (size_t i = 0; i < sb->n_mounts; i++) {
        free(sb->mounts[i].source);
        free(sb->mounts[i].dest);
        free(sb->mounts[i].options);
    }
    free(sb->mounts);
    free(sb->cgroup_parent);
    free(sb->workdir);
    free(sb->runtime);
    free(sb);
}

static void replace(char **field, const char *v)
{
    free(*field);
    *field = xstrdup(v);
}

RBOX_API int rbox_sandbox_set_command(rbox_sandbox *sb, const char *const *argv,
                                      struct rbox_error *err)
{
    if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
        return lib_failf(err, 0, "command: empty");
    strv_free(sb->argv);
    sb->argv = strv_dup((char *const *)argv);
    return 0;
}

RBOX_API int rbox_sandbox_setenv(rbox_sandbox *sb, const char *name_value, struct rbox_error *err)
{
    const char *eq = name_value ? strchr(name_value, '=') : NULL;
    if (eq == NULL || eq == name_value)
        return lib_failf(err, 0, "environment: \"%s\" is not NAME=VALUE",
                         name_value ? name_value : "(null)");
    size_t klen = (size_t)(eq - name_value) + 1;
    for (size_t i = 0; i < sb->n_env; i++)
        if (strncmp(sb->env[i], name_value, klen) == 0) {
            replace(&sb->env[i], name_value);
            return 0;
        }
    strv_push(&sb->env, &sb->n_env, xstrdup(name_value));
    return 0;
}

RBOX_API void rbox_sandbox_clearenv(rbox_sandbox *sb)
{
    strv_free(sb->env);
    sb->env = NULL;
    sb->n_env = 0;
}

/* An absolute path inside the sandbox, without ".." (dest "/" refused when not_root). */
static int check_inside(const char *what, const char *p, bool not_root, struct rbox_error *err)
{
    if (p == NULL || p[0] != '/')
        return lib_failf(err, 0, "%s: \"%s\" is not an absolute path", what, p ? p : "(null)");
    for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
        if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
            return lib_failf(err, 0, "%s: \"%s\" contains \"..\"", what, p);
    if (not_root && p[strspn(p, "/")] == '\0')
        return lib_failf(err, 0, "%s: \"%s\" is the root", what, p);
    return 0;
}

RBOX_API int rbox_sandbox_set_cwd(rbox_sandbox *sb, const char *cwd, struct rbox_error *err)
{
    if (check_inside("cwd", cwd, false, err) < 0)
        return -1;
    replace(&sb->cwd, cwd);
    return 0;
}

RBOX_API int rbox_sandbox_set_user(rbox_sandbox *sb, uid_t uid, gid_t gid, struct rbox_error *err)
{
    if (uid == (uid_t)-1 || gid == (gid_t)-1)
        return lib_failf(err, 0, "user: %d:%d is not a valid uid:gid", (int)uid, (int)gid);
    sb->uid = uid;
    sb->gid = gid;
    return 0;
}

static int non_negative(const char *what, int64_t v, struct rbox_error *err)
{
    return v < 0 ? lib_failf(err, 0, "%s: %lld is negative", what, (long long)v) : 0;
}

RBOX_API int rbox_sandbox_set_memory(rbox_sandbox *sb, int64_t bytes, struct rbox_error *err)
{
    if (non_negative("memory", bytes, err) < 0)
        return -1;
    if (bytes > 0 && bytes < 6 * 1024 * 1024)
        return lib_failf(err, 0, "memory: %lld bytes is below the minimum of 6 MiB",
                         (long long)bytes);
    sb->memory = bytes;
    return 0;
}

RBOX_API int rbox_sandbox_set_cpu_quota(rbox_sandbox *sb, int64_t quota_us, int64_t period_us,
                                        struct rbox_error *err)
{
    if (quota_us == 0) {
        sb->cpu_quota = sb->cpu_period = 0;
        return 0;
    }
    if (quota_us < 1000 || period_us < 1000 || period_us > 1000000)
        return lib_failf(err, 0,
                         "cpu: quota %lld us per %lld us (each at least 1000 us, the period at "
                         "most 1 s)",
                         (long long)quota_us, (long long)period_us);
    sb->cpu_quota = quota_us;
    sb->cpu_period = period_us;
    return 0;
}

RBOX_API int rbox_sandbox_set_cpu_percent(rbox_sandbox *sb, double percent, struct rbox_error *err)
{
    if (percent == 0)
        return rbox_sandbox_set_cpu_quota(sb, 0, 0, err);
    if (!(percent >= 1 && percent <= 100000))
        return lib_failf(err, 0, "cpu: %g%% is not between 1 and 100000", percent);
    return rbox_sandbox_set_cpu_quota(sb, (int64_t)(percent * 1000), 100000, err);
}

RBOX_API int rbox_sandbox_set_pids(rbox_sandbox *sb, int64_t max, struct rbox_error *err)
{
    if (non_negative("pids", max, err) < 0)
        return -1;
    sb->pids = max;
    return 0;
}

RBOX_API int rbox_sandbox_set_timeout(rbox_sandbox *sb, int64_t ns, struct rbox_error *err)
{
    if (non_negative("timeout", ns, err) < 0)
        return -1;
    sb->timeout_ns = ns;
    return 0;
}

RBOX_API int rbox_sandbox_set_seccomp(rbox_sandbox *sb, const char *name_or_file,
                                      struct rbox_error *err)
{
    rbox_err *e = NULL;
    char *name = NULL, *text = NULL;
    if (name_or_file == NULL)
        name_or_file = "default";
    /* the manager's check: built-in names, or a file validated by the runtime's rules */
    if (seccomp_profile_check(str_eq(name_or_file, "unrestricted") ? "unconfined" : name_or_file,
                              &name, &text, &e) < 0)
        return lib_fail(err, e);
    free(sb->seccomp);
    free(sb->seccomp_text);
    sb->seccomp = text ? NULL : name;
    sb->seccomp_text = text;
    if (text)
        free(name);
    return 0;
}

RBOX_API int rbox_sandbox_set_network(rbox_sandbox *sb, enum rbox_network net,
                                      struct rbox_error *err)
{
    if (net != RBOX_NET_NONE && net != RBOX_NET_HOST)
        return lib_failf(err, 0, "network: unknown mode %d", (int)net);
    sb->net = net;
    return 0;
}

static void add_mount(rbox_sandbox *sb, struct lib_mount m)
{
    sb->mounts = xrealloc(sb->mounts, (sb->n_mounts + 1) * sizeof(*sb->mounts));
    sb->mounts[sb->n_mounts++] = m;
}

RBOX_API int rbox_sandbox_add_bind(rbox_sandbox *sb, const char *source, const char *dest,
                                   int readonly, struct rbox_error *err)
{
    if (check_inside("bind mount destination", dest, true, err) < 0)
        return -1;
    char *real = source ? realpath(source, NULL) : NULL;
    if (real == NULL)
        return lib_failf(err, source ? errno : EINVAL, "bind mount source %s",
                         source ? source : "(null)");
    add_mount(sb, (struct lib_mount){
                      .source = real, .dest = xstrdup(dest), .bind = true, .ro = readonly != 0 });
    return 0;
}

RBOX_API int rbox_sandbox_add_tmpfs(rbox_sandbox *sb, const char *dest, const char *options,
                                    struct rbox_error *err)
{
    if (check_inside("tmpfs destination", dest, true, err) < 0)
        return -1;
    if (options && (strchr(options, '"') || strchr(options, '\n')))
        return lib_failf(err, 0, "tmpfs %s: bad options \"%s\"", dest, options);
    add_mount(sb, (struct lib_mount){ .dest = xstrdup(dest),
                                      .options = options && *options ? xstrdup(options) : NULL });
    return 0;
}

RBOX_API int rbox_sandbox_set_readonly_root(rbox_sandbox *sb, int readonly, struct rbox_error *err)
{
    (void)err;
    sb->readonly_root = readonly != 0;
    return 0;
}

RBOX_API int rbox_sandbox_set_prestart(rbox_sandbox *sb, int n, struct rbox_error *err)
{
    if (n < 0 || n > 64)
        return lib_failf(err, 0, "prestart: %d is not between 0 and 64", n);
    sb->prestart = n;
    return 0;
}

RBOX_API int rbox_sandbox_set_stdio(rbox_sandbox *sb, int in_fd, int out_fd, int err_fd,
                                    struct rbox_error *err)
{
    if (in_fd < -1 || out_fd < -1 || err_fd < -1)
        return lib_failf(err, EBADF, "stdio: %d %d %d", in_fd, out_fd, err_fd);
    sb->in_fd = in_fd;
    sb->out_fd = out_fd;
    sb->err_fd = err_fd;
    return 0;
}

RBOX_API int rbox_sandbox_set_cgroup_parent(rbox_sandbox *sb, const char *path,
                                            struct rbox_error *err)
{
    if (path == NULL || *path == '\0' || strstr(path, "..") || strchr(path, ':'))
        return lib_failf(err, 0, "cgroup parent: \"%s\" is not a cgroup path",
                         path ? path : "(null)");
    replace(&sb->cgroup_parent, path);
    return 0;
}

RBOX_API int rbox_sandbox_set_workdir(rbox_sandbox *sb, const char *dir, struct rbox_error *err)
{
    if (dir == NULL || dir[0] != '/')
        return lib_failf(err, 0, "work directory: \"%s\" is not an absolute path",
                         dir ? dir : "(null)");
    replace(&sb->workdir, dir);
    return 0;
}

RBOX_API int rbox_sandbox_set_runtime(rbox_sandbox *sb, const char *path, struct rbox_error *err)
{
    if (path == NULL || *path == '\0')
        return lib_failf(err, 0, "runtime: no path");
    replace(&sb->runtime, path);
    return 0;
}
