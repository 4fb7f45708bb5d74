/* runflags.c - run/create flags that map onto config.json (runflags.h): parsing with one clear
 * error naming the flag, the container's config.json, inspect. The bundle/ writers use the
 * parsed struct (process.c: --init, --ulimit, --privileged caps; mounts.c: --init, --shm-size,
 * --privileged /sys; linux.c: devices, sysctl, resources). */
#define _GNU_SOURCE
#include "runflags.h"
#include "restart.h"
#include "util.h"

#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

void rf_clear(struct run_flags *f)
{
    strv_free(f->labels);
    free(f->restart);
    free(f->init_binary);
    free(f->ulimits);
    strv_free(f->sysctls);
    strv_free(f->group_add);
    for (size_t i = 0; i < f->n_devices; i++) {
        free(f->devices[i].host);
        free(f->devices[i].path);
    }
    free(f->devices);
    free(f->cpuset_cpus);
    strv_free(f->notes);
    memset(f, 0, sizeof(*f));
}

/* Set K=V in a K=V list, replacing an earlier value of K (docker's maps). */
static void kv_set(char ***list, const char *kv)
{
    size_t klen = strcspn(kv, "=");
    size_t n = strv_len(*list);
    for (size_t i = 0; i < n; i++)
        if (strncmp((*list)[i], kv, klen) == 0 && (*list)[i][klen] == '=') {
            free((*list)[i]);
            (*list)[i] = xstrdup(kv);
            return;
        }
    strv_push(list, &n, xstrdup(kv));
}

/* docker's RAMInBytes: a number with an optional unit b, k, m, g, t (binary; "kb", "kib" too). */
int rf_parse_size(const char *v, const char *flag, int64_t *out, rbox_err **err)
{
    char *end;
    errno = 0;
    double num = strtod(v, &end);
    bool ok = end != v && isdigit((unsigned char)v[0]) && errno == 0;
    double mult = 1;
    if (ok && *end) {
        switch (tolower((unsigned char)*end)) {
        case 'b': mult = 1; break;
        case 'k': mult = 1024.0; break;
        case 'm': mult = 1024.0 * 1024; break;
        case 'g': mult = 1024.0 * 1024 * 1024; break;
        case 't': mult = 1024.0 * 1024 * 1024 * 1024; break;
        default: ok = false;
        }
        if (ok && tolower((unsigned char)*end) != 'b') {
            end++;
            if (tolower((unsigned char)*end) == 'i')
                end++;
            if (tolower((unsigned char)*end) == 'b')
                end++;
        } else if (ok) {
            end++;
        }
        ok = ok && *end == '\0';
    }
    double bytes = num * mult;
    if (!ok || !isfinite(bytes) || bytes > 9.2e18)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for %s: expected a size such as 256m "
                          "(units b, k, m, g, t)",
                          v, flag);
    *out = (int64_t)bytes;
    return 0;
}

/* ---- labels ---- */

static int parse_label(struct run_flags *f, const char *flag, const char *v, rbox_err **err)
{
    size_t klen = strcspn(v, "=");
    if (klen == 0)
        return rbox_error(err, 0, "invalid value \"%s\" for %s: empty label name", v, flag);
    for (size_t i = 0; i < klen; i++)
        if (isspace((unsigned char)v[i]) || iscntrl((unsigned char)v[i]))
            return rbox_error(
                err, 0, "invalid value \"%s\" for %s: the label name contains whitespace", v, flag);
    if (v[klen] == '=') {
        kv_set(&f->labels, v);
    } else {
        _cleanup_free_ char *kv = xasprintf("%s=", v); /* "-l K": an empty value (docker) */
        kv_set(&f->labels, kv);
    }
    return 0;
}

/* --label-file: a label per line; blank lines and # comments are skipped (docker). */
static int parse_label_file(struct run_flags *f, const char *path, rbox_err **err)
{
    _cleanup_fclose_ FILE *fp = fopen(path, "re");
    if (fp == NULL)
        return rbox_error(err, errno, "invalid value \"%s\" for --label-file", path);
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    while (getline(&line, &cap, fp) >= 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        if (parse_label(f, "--label-file", p, err) < 0)
            return rbox_error_prefix(err, "%s line %d", path, lineno);
    }
    if (ferror(fp))
        return rbox_error(err, errno, "invalid value \"%s\" for --label-file", path);
    return 0;
}

/* ---- --init ---- */

/* The init runs in the container's root, where no dynamic loader may exist: only a static ELF
 * executable will do. */
static int check_static_elf(const char *path, const char *what, rbox_err **err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return rbox_error(err, errno, "--init: %s %s", what, path);
    if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
        return rbox_error(err, 0, "--init: %s %s is not an executable file", what, path);
    Elf64_Ehdr eh;
    if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_phentsize != sizeof(Elf64_Phdr))
        return rbox_error(err, 0, "--init: %s %s is not a 64-bit ELF executable", what, path);
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
            (ssize_t)sizeof(ph))
            return rbox_error(err, 0, "--init: %s %s: truncated ELF file", what, path);
        if (ph.p_type == PT_INTERP)
            return rbox_error(err, 0,
                              "--init: %s %s is dynamically linked (the container may lack its "
                              "libraries): use a static init such as catatonit or tini-static",
                              what, path);
    }
    return 0;
}

/* $RBOX_INIT_BINARY, else the first of Debian's static inits that is installed. */
static int find_init(struct run_flags *f, rbox_err **err)
{
    static const char *const candidates[] = {
        "/usr/libexec/podman/catatonit",
        "/usr/bin/catatonit",
        "/usr/bin/tini-static",
        "/usr/bin/docker-init",
    };
    const char *env = getenv("RBOX_INIT_BINARY");
    if (env && *env) {
        if (env[0] != '/')
            return rbox_error(err, 0, "--init: RBOX_INIT_BINARY=%s is not an absolute path", env);
        if (check_static_elf(env, "the init binary (RBOX_INIT_BINARY)", err) < 0)
            return -1;
        f->init_binary = xstrdup(env);
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
        if (access(candidates[i], X_OK) == 0) {
            if (check_static_elf(candidates[i], "the init binary", err) < 0)
                return -1;
            f->init_binary = xstrdup(candidates[i]);
            return 0;
        }
    return rbox_error(err, 0,
                      "--init: no init binary on this host: install catatonit (or tini-static), "
                      "or set RBOX_INIT_BINARY to a static init");
}

/* ---- resources and the process ---- */

static const char *const rlimit_names[] = {
    "as",   "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue",
    "nice", "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",
};

static int limit_value(const char *s, uint64_t *out)
{
    if (strcmp(s, "-1") == 0 || strcmp(s, "unlimited") == 0) {
        *out = UINT64_MAX;
        return 0;
    }
    return parse_u64(s, out);
}

/* --ulimit NAME=SOFT[:HARD] (docker: one value sets both; -1 or unlimited: no limit). */
static int parse_ulimit(struct run_flags *f, const char *v, rbox_err **err)
{
    const char *eq = strchr(v, '=');
    size_t nlen = eq ? (size_t)(eq - v) : 0;
    int idx = -1;
    for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
        if (nlen == strlen(rlimit_names[i]) && strncmp(v, rlimit_names[i], nlen) == 0)
            idx = (int)i;
    if (eq == NULL)
        return rbox_error(err, 0, "invalid value \"%s\" for --ulimit: expected NAME=SOFT[:HARD]",
                          v);
    if (idx < 0)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --ulimit: unknown limit \"%.*s\" (as, core, "
                          "cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, "
                          "rss, rtprio, rttime, sigpending, stack)",
                          v, (int)nlen, v);
    _cleanup_free_ char *val = xstrdup(eq + 1);
    char *hard = strchr(val, ':');
    if (hard)
        *hard++ = '\0';
    struct rf_ulimit u = { 0 };
    snprintf(u.name, sizeof(u.name), "%s", rlimit_names[idx]);
    if (limit_value(val, &u.soft) < 0 || (hard && limit_value(hard, &u.hard) < 0))
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --ulimit: the limits are numbers (or -1 for "
                          "unlimited), SOFT[:HARD]",
                          v);
    if (!hard)
        u.hard = u.soft;
    if (u.soft > u.hard)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --ulimit: the soft limit is above the hard "
                          "limit",
                          v);
    for (size_t i = 0; i < f->n_ulimits; i++)
        if (strcmp(f->ulimits[i].name, u.name) == 0) {
            f->ulimits[i] = u;
            return 0;
        }
    f->ulimits = xrealloc(f->ulimits, (f->n_ulimits + 1) * sizeof(*f->ulimits));
    f->ulimits[f->n_ulimits++] = u;
    return 0;
}

/* --sysctl K=V: only what lives in the container's own namespaces, as docker allows. */
static int parse_sysctl(struct run_flags *f, const char *v, rbox_err **err)
{
    static const char *const allowed[] = {
        "kernel.msgmax", "kernel.msgmnb",          "kernel.msgmni",
        "kernel.sem",    "kernel.shmall",          "kernel.shmmax",
        "kernel.shmmni", "kernel.shm_rmid_forced", "kernel.domainname",
    };
    size_t klen = strcspn(v, "=");
    if (v[klen] != '=' || klen == 0 || v[klen + 1] == '\0')
        return rbox_error(err, 0, "invalid value \"%s\" for --sysctl: expected KEY=VALUE", v);
    _cleanup_free_ char *key = xstrndup(v, klen);
    if (strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != klen ||
        key[0] == '.' || key[klen - 1] == '.' || strstr(key, ".."))
        return rbox_error(err, 0, "invalid value \"%s\" for --sysctl: bad key \"%s\"", v, key);
    bool ok = str_has_prefix(key, "net.") || str_has_prefix(key, "fs.mqueue.");
    for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
        ok = ok || strcmp(key, allowed[i]) == 0;
    if (!ok)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --sysctl: %s is not namespaced (allowed: "
                          "kernel.msg*, kernel.sem, kernel.shm*, kernel.domainname, fs.mqueue.*, "
                          "net.*)",
                          v, key);
    kv_set(&f->sysctls, v);
    return 0;
}

static int parse_group_add(struct run_flags *f, const char *v, rbox_err **err)
{
    if (*v == '\0' || strchr(v, ':') || strchr(v, '\n'))
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --group-add: expected a group name or "
                          "number",
                          v);
    size_t n = strv_len(f->group_add);
    strv_push(&f->group_add, &n, xstrdup(v));
    return 0;
}

static bool device_perms(const char *p)
{
    size_t len = strlen(p);
    if (len == 0 || len > 3 || strspn(p, "rwm") != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (strchr(p + i + 1, p[i]))
            return false;
    return true;
}

/* --device HOST[:CONTAINER][:PERMS] (docker: HOST:PERMS when the second part is permissions). */
static int parse_device(struct run_flags *f, const char *v, rbox_err **err)
{
    _cleanup_free_ char *copy = xstrdup(v);
    char *parts[3] = { copy, NULL, NULL };
    int n = 1;
    for (char *p = copy; (p = strchr(p, ':')) != NULL && n < 3;) {
        *p++ = '\0';
        parts[n++] = p;
    }
    if (n == 3 && strchr(parts[2], ':'))
        n = 4;
    const char *host = parts[0], *ctr = parts[1], *perms = parts[2];
    if (n == 2 && device_perms(parts[1]) && parts[1][0] != '/') {
        ctr = NULL;
        perms = parts[1];
    }
    if (n > 3 || host[0] != '/' || (ctr && ctr[0] != '/') || (ctr && strstr(ctr, "..")) ||
        (perms && !device_perms(perms)))
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --device: expected /host/path[:/ctr/path]"
                          "[:PERMS] (PERMS: r, w and m)",
                          v);
    struct stat st;
    if (stat(host, &st) < 0)
        return rbox_error(err, errno, "invalid value \"%s\" for --device: %s", v, host);
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --device: %s is not a character or block "
                          "device",
                          v, host);
    struct rf_device d = {
        .host = xstrdup(host),
        .path = xstrdup(ctr ? ctr : host),
        .type = S_ISBLK(st.st_mode) ? 'b' : 'c',
        .major = major(st.st_rdev),
        .minor = minor(st.st_rdev),
        .mode = st.st_mode & 07777,
        .uid = st.st_uid,
        .gid = st.st_gid,
    };
    snprintf(d.perms, sizeof(d.perms), "%s", perms ? perms : "rwm");
    f->devices = xrealloc(f->devices, (f->n_devices + 1) * sizeof(*f->devices));
    f->devices[f->n_devices++] = d;
    return 0;
}

/* A CPU list ("0-2,4") whose CPUs this process may run on. */
static int parse_cpuset(struct run_flags *f, const char *v, rbox_err **err)
{
    cpu_set_t own;
    CPU_ZERO(&own);
    if (sched_getaffinity(0, sizeof(own), &own) < 0)
        return rbox_error(err, errno, "--cpuset-cpus: reading this process's CPUs");
    const char *p = v;
    bool ok = *p != '\0';
    long bad = -1;
    while (ok && *p) {
        char *end = (char *)p;
        errno = 0;
        long a = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : -1, b = a;
        ok = a >= 0 && errno == 0;
        if (ok && *end == '-') {
            p = end + 1;
            b = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : -1;
            ok = b >= a && errno == 0;
        }
        for (long c = a; ok && c <= b && bad < 0; c++)
            if (c >= CPU_SETSIZE || !CPU_ISSET((int)c, &own))
                bad = c;
        p = end;
        if (ok && *p == ',' && p[1] != '\0')
            p++;
        else
            ok = ok && *p == '\0';
    }
    if (!ok)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --cpuset-cpus: expected a CPU list such as "
                          "0-2,4",
                          v);
    if (bad >= 0)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --cpuset-cpus: CPU %ld is not available "
                          "(%d CPUs here)",
                          v, bad, CPU_COUNT(&own));
    free(f->cpuset_cpus);
    f->cpuset_cpus = xstrdup(v);
    return 0;
}

static int parse_shares(struct run_flags *f, const char *v, rbox_err **err)
{
    int64_t n;
    if (parse_i64(v, &n) < 0 || (n != 0 && (n < 2 || n > 262144)))
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --cpu-shares: expected a relative weight from "
                          "2 to 262144 (default 1024)",
                          v);
    f->cpu_shares = n;
    return 0;
}

/* A line for stderr (run.c prints "WARNING: " and it). */
static void note(struct run_flags *f, const char *text)
{
    size_t n = strv_len(f->notes);
    strv_push(&f->notes, &n, xstrdup(text));
}

/* ---- --security-opt label=disable, apparmor=unconfined ---- */

/* Is this LSM active? The kernel's list when securityfs is mounted, else its own files. */
static bool lsm_active(const char *name)
{
    _cleanup_free_ char *list = NULL;
    if (read_file_at(AT_FDCWD, "/sys/kernel/security/lsm", &list, NULL) == 0) {
        _cleanup_free_ char *pad = xasprintf(",%s,", list);
        _cleanup_free_ char *want = xasprintf(",%s,", name);
        pad[strcspn(pad, "\n")] = '\0';
        return strstr(pad, want) != NULL;
    }
    if (strcmp(name, "selinux") == 0)
        return access("/sys/fs/selinux/enforce", F_OK) == 0;
    _cleanup_free_ char *enabled = NULL;
    return read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &enabled, NULL) == 0 &&
           enabled[0] == 'Y';
}

int rf_security_opt(struct run_flags *f, const char *v)
{
    /* rbox applies no SELinux label and no AppArmor profile: asking for none is already true */
    const char *lsm =
        strcmp(v, "label=disable") == 0 || strcmp(v, "label:disable") == 0 ? "selinux"
        : strcmp(v, "apparmor=unconfined") == 0 || strcmp(v, "apparmor:unconfined") == 0
            ? "apparmor"
            : NULL;
    if (lsm == NULL)
        return 0;
    if (!lsm_active(lsm)) {
        _cleanup_free_ char *n = xasprintf("--security-opt %s: this host has no %s; nothing to "
                                           "do",
                                           v, strcmp(lsm, "selinux") == 0 ? "SELinux" : "AppArmor");
        note(f, n);
    }
    return 1;
}

/* ---- the flag table ---- */

enum rf_id {
    RF_LABEL,
    RF_LABEL_FILE,
    RF_INIT,
    RF_PRIVILEGED,
    RF_ULIMIT,
    RF_SHM_SIZE,
    RF_SYSCTL,
    RF_GROUP_ADD,
    RF_DEVICE,
    RF_MEMORY_SWAP,
    RF_CPU_SHARES,
    RF_CPUSET_CPUS,
    RF_OOM_KILL_DISABLE,
    RF_RESTART,
};

static const char *const rf_names[] = {
    [RF_LABEL] = "label",
    [RF_LABEL_FILE] = "label-file",
    [RF_INIT] = "init",
    [RF_PRIVILEGED] = "privileged",
    [RF_ULIMIT] = "ulimit",
    [RF_SHM_SIZE] = "shm-size",
    [RF_SYSCTL] = "sysctl",
    [RF_GROUP_ADD] = "group-add",
    [RF_DEVICE] = "device",
    [RF_MEMORY_SWAP] = "memory-swap",
    [RF_CPU_SHARES] = "cpu-shares",
    [RF_CPUSET_CPUS] = "cpuset-cpus",
    [RF_OOM_KILL_DISABLE] = "oom-kill-disable",
    [RF_RESTART] = "restart",
};

static int rf_index(const char *flag)
{
    for (size_t i = 0; i < ARRAY_SIZE(rf_names); i++)
        if (rf_names[i] && strcmp(flag, rf_names[i]) == 0)
            return (int)i;
    return -1;
}

bool rf_is_flag(const char *flag)
{
    return rf_index(flag) >= 0;
}

int rf_set_flag(struct run_flags *f, const char *flag, const char *v, rbox_err **err)
{
    switch ((enum rf_id)rf_index(flag)) {
    case RF_LABEL: return parse_label(f, "--label", v, err);
    case RF_LABEL_FILE: return parse_label_file(f, v, err);
    case RF_INIT: f->init = true; return 0;
    case RF_PRIVILEGED: f->privileged = true; return 0;
    case RF_ULIMIT: return parse_ulimit(f, v, err);
    case RF_SHM_SIZE:
        if (rf_parse_size(v, "--shm-size", &f->shm_size, err) < 0)
            return -1;
        if (f->shm_size <= 0)
            return rbox_error(err, 0, "invalid value \"%s\" for --shm-size: must be above 0", v);
        return 0;
    case RF_SYSCTL: return parse_sysctl(f, v, err);
    case RF_GROUP_ADD: return parse_group_add(f, v, err);
    case RF_DEVICE: return parse_device(f, v, err);
    case RF_MEMORY_SWAP:
        if (strcmp(v, "-1") == 0) {
            f->memory_swap = -1;
            return 0;
        }
        return rf_parse_size(v, "--memory-swap", &f->memory_swap, err);
    case RF_CPU_SHARES: return parse_shares(f, v, err);
    case RF_CPUSET_CPUS: return parse_cpuset(f, v, err);
    case RF_OOM_KILL_DISABLE: f->oom_kill_disable = true; return 0;
    case RF_RESTART: return restart_parse(v, &f->restart, err);
    }
    return rbox_error(err, EINVAL, "unknown flag --%s", flag);
}

int rf_finish(struct run_flags *f, int64_t memory, const char *network, rbox_err **err)
{
    if (f->memory_swap != 0 && memory == 0)
        return rbox_error(err, 0,
                          "--memory-swap needs --memory (it limits memory and swap "
                          "together)");
    if (f->memory_swap > 0 && f->memory_swap < memory)
        return rbox_error(err, 0,
                          "--memory-swap (%" PRId64 " bytes) is below --memory (%" PRId64
                          " bytes): it limits memory and swap together",
                          f->memory_swap, memory);
    for (size_t i = 0; f->sysctls && f->sysctls[i] && str_eq(network, "host"); i++)
        if (str_has_prefix(f->sysctls[i], "net."))
            return rbox_error(err, 0,
                              "invalid value \"%s\" for --sysctl: not with --network host (the "
                              "host's network namespace)",
                              f->sysctls[i]);
    if (f->oom_kill_disable && access("/sys/fs/cgroup/memory", F_OK) != 0) {
        /* docker's answer on cgroup v2: discarded with a warning */
        f->oom_kill_disable = false;
        note(f, "cgroup v2 has no switch for the OOM killer: --oom-kill-disable discarded");
    } else if (f->oom_kill_disable && memory == 0) {
        note(f, "Disabling the OOM killer on containers without setting a '-m/--memory' limit "
                "may be dangerous.");
    }
    if (f->init && find_init(f, err) < 0)
        return -1;
    return 0;
}

/* ---- config.json ---- */

void rf_save(json_w *w, const struct run_flags *f)
{
    jw_key(w, "flags");
    jw_obj_open(w);
    jw_kstrv(w, "labels", f->labels);
    jw_kbool(w, "init", f->init);
    jw_kstr(w, "init_binary", f->init_binary);
    jw_kbool(w, "privileged", f->privileged);
    jw_key(w, "ulimits");
    jw_arr_open(w);
    for (size_t i = 0; i < f->n_ulimits; i++) {
        jw_obj_open(w);
        jw_kstr(w, "name", f->ulimits[i].name);
        jw_kuint(w, "soft", f->ulimits[i].soft);
        jw_kuint(w, "hard", f->ulimits[i].hard);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_kint(w, "shm_size", f->shm_size);
    jw_kstrv(w, "sysctls", f->sysctls);
    jw_kstrv(w, "group_add", f->group_add);
    jw_key(w, "devices");
    jw_arr_open(w);
    for (size_t i = 0; i < f->n_devices; i++) {
        const struct rf_device *d = &f->devices[i];
        char type[2] = { d->type, '\0' };
        jw_obj_open(w);
        jw_kstr(w, "host", d->host);
        jw_kstr(w, "path", d->path);
        jw_kstr(w, "perms", d->perms);
        jw_kstr(w, "type", type);
        jw_kint(w, "major", d->major);
        jw_kint(w, "minor", d->minor);
        jw_kuint(w, "mode", d->mode);
        jw_kuint(w, "uid", d->uid);
        jw_kuint(w, "gid", d->gid);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_kint(w, "memory_swap", f->memory_swap);
    jw_kint(w, "cpu_shares", f->cpu_shares);
    jw_kstr(w, "cpuset_cpus", f->cpuset_cpus);
    jw_kbool(w, "oom_kill_disable", f->oom_kill_disable);
    jw_kstr(w, "restart", f->restart);
    jw_obj_close(w);
}

static char *load_str(yajl_val obj, const char *key)
{
    const char *s = json_get_str(obj, key);
    return s ? xstrdup(s) : NULL;
}

void rf_load(yajl_val v, struct run_flags *f)
{
    memset(f, 0, sizeof(*f));
    if (!YAJL_IS_OBJECT(v))
        return;
    f->labels = json_get_strv(v, "labels");
    json_get_bool(v, "init", &f->init);
    f->init_binary = load_str(v, "init_binary");
    json_get_bool(v, "privileged", &f->privileged);
    yajl_val a = json_get(v, "ulimits");
    size_t n = YAJL_IS_ARRAY(a) ? a->u.array.len : 0;
    f->ulimits = xcalloc(n + 1, sizeof(*f->ulimits));
    for (size_t i = 0; i < n; i++) {
        yajl_val e = a->u.array.values[i];
        struct rf_ulimit *u = &f->ulimits[f->n_ulimits];
        const char *name = json_get_str(e, "name");
        if (name == NULL)
            continue;
        snprintf(u->name, sizeof(u->name), "%s", name);
        json_get_u64(e, "soft", &u->soft);
        json_get_u64(e, "hard", &u->hard);
        f->n_ulimits++;
    }
    json_get_i64(v, "shm_size", &f->shm_size);
    f->sysctls = json_get_strv(v, "sysctls");
    f->group_add = json_get_strv(v, "group_add");
    a = json_get(v, "devices");
    n = YAJL_IS_ARRAY(a) ? a->u.array.len : 0;
    f->devices = xcalloc(n + 1, sizeof(*f->devices));
    for (size_t i = 0; i < n; i++) {
        yajl_val e = a->u.array.values[i];
        struct rf_device *d = &f->devices[f->n_devices];
        const char *type = json_get_str(e, "type"), *perms = json_get_str(e, "perms");
        uint64_t u = 0;
        d->host = load_str(e, "host");
        d->path = load_str(e, "path");
        if (d->host == NULL || d->path == NULL || type == NULL) {
            free(d->host);
            free(d->path);
            continue;
        }
        snprintf(d->perms, sizeof(d->perms), "%s", perms ? perms : "rwm");
        d->type = type[0];
        json_get_i64(e, "major", &d->major);
        json_get_i64(e, "minor", &d->minor);
        json_get_u64(e, "mode", &u);
        d->mode = (uint32_t)u;
        u = 0;
        json_get_u64(e, "uid", &u);
        d->uid = (uint32_t)u;
        u = 0;
        json_get_u64(e, "gid", &u);
        d->gid = (uint32_t)u;
        f->n_devices++;
    }
    json_get_i64(v, "memory_swap", &f->memory_swap);
    json_get_i64(v, "cpu_shares", &f->cpu_shares);
    f->cpuset_cpus = load_str(v, "cpuset_cpus");
    json_get_bool(v, "oom_kill_disable", &f->oom_kill_disable);
    f->restart = load_str(v, "restart");
}

/* ---- inspect ---- */

static void kv_object(json_w *w, const char *key, char *const *kv)
{
    jw_key(w, key);
    jw_obj_open(w);
    for (size_t i = 0; kv && kv[i]; i++) {
        size_t klen = strcspn(kv[i], "=");
        _cleanup_free_ char *k = xstrndup(kv[i], klen);
        jw_kstr(w, k, kv[i][klen] ? kv[i] + klen + 1 : "");
    }
    jw_obj_close(w);
}

static void limit_int(json_w *w, const char *key, uint64_t v)
{
    jw_kint(w, key, v == UINT64_MAX ? -1 : (long long)v);
}

void rf_inspect_host_config(json_w *w, const struct run_flags *f, int64_t memory)
{
    (void)memory;
    jw_kbool(w, "Init", f->init);
    jw_kbool(w, "Privileged", f->privileged);
    jw_key(w, "Ulimits");
    jw_arr_open(w);
    for (size_t i = 0; i < f->n_ulimits; i++) {
        jw_obj_open(w);
        jw_kstr(w, "Name", f->ulimits[i].name);
        limit_int(w, "Hard", f->ulimits[i].hard);
        limit_int(w, "Soft", f->ulimits[i].soft);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_kint(w, "ShmSize", f->shm_size ? f->shm_size : RF_SHM_DEFAULT);
    kv_object(w, "Sysctls", f->sysctls);
    jw_kstrv(w, "GroupAdd", f->group_add);
    jw_key(w, "Devices");
    jw_arr_open(w);
    for (size_t i = 0; i < f->n_devices; i++) {
        jw_obj_open(w);
        jw_kstr(w, "PathOnHost", f->devices[i].host);
        jw_kstr(w, "PathInContainer", f->devices[i].path);
        jw_kstr(w, "CgroupPermissions", f->devices[i].perms);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_kint(w, "MemorySwap", f->memory_swap);
    jw_kint(w, "CpuShares", f->cpu_shares);
    jw_kstr(w, "CpusetCpus", f->cpuset_cpus ? f->cpuset_cpus : "");
    jw_kbool(w, "OomKillDisable", f->oom_kill_disable);
    restart_inspect(w, f->restart);
}

void rf_inspect_config(json_w *w, const struct run_flags *f)
{
    kv_object(w, "Labels", f->labels);
}
