/* config.c - config.json: loading and the top level (ociVersion, root, mounts, process, hooks,
 * annotations, hostname); the typed readers are in config/fields.c. linux.* and the mount option
 * table are in config/linux.c, linux.resources in config/resources.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"
#include "config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- name tables ----------------------------------------------------------------------------- */

const char *const hook_kind_names[HOOK_KIND_COUNT] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* Index = capability number (linux/capability.h). */
/* clang-format off */
static const char *const cap_names[] = {
    /*  0 */ "CAP_CHOWN",             "CAP_DAC_OVERRIDE",      "CAP_DAC_READ_SEARCH",
    /*  3 */ "CAP_FOWNER",            "CAP_FSETID",            "CAP_KILL",
    /*  6 */ "CAP_SETGID",            "CAP_SETUID",            "CAP_SETPCAP",
    /*  9 */ "CAP_LINUX_IMMUTABLE",   "CAP_NET_BIND_SERVICE",  "CAP_NET_BROADCAST",
    /* 12 */ "CAP_NET_ADMIN",         "CAP_NET_RAW",           "CAP_IPC_LOCK",
    /* 15 */ "CAP_IPC_OWNER",         "CAP_SYS_MODULE",        "CAP_SYS_RAWIO",
    /* 18 */ "CAP_SYS_CHROOT",        "CAP_SYS_PTRACE",        "CAP_SYS_PACCT",
    /* 21 */ "CAP_SYS_ADMIN",         "CAP_SYS_BOOT",          "CAP_SYS_NICE",
    /* 24 */ "CAP_SYS_RESOURCE",      "CAP_SYS_TIME",          "CAP_SYS_TTY_CONFIG",
    /* 27 */ "CAP_MKNOD",             "CAP_LEASE",             "CAP_AUDIT_WRITE",
    /* 30 */ "CAP_AUDIT_CONTROL",     "CAP_SETFCAP",           "CAP_MAC_OVERRIDE",
    /* 33 */ "CAP_MAC_ADMIN",         "CAP_SYSLOG",            "CAP_WAKE_ALARM",
    /* 36 */ "CAP_BLOCK_SUSPEND",     "CAP_AUDIT_READ",        "CAP_PERFMON",
    /* 39 */ "CAP_BPF",               "CAP_CHECKPOINT_RESTORE",
};
/* clang-format on */

int capability_from_name(const char *name)
{
    return name_index(cap_names, ARRAY_SIZE(cap_names), name);
}

const char *capability_name(int cap)
{
    return cap >= 0 && (size_t)cap < ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

/* clang-format off */
static const struct {
    const char *name;
    int resource;
} rlimit_table[] = {
    { "RLIMIT_AS", RLIMIT_AS },                 { "RLIMIT_CORE", RLIMIT_CORE },
    { "RLIMIT_CPU", RLIMIT_CPU },               { "RLIMIT_DATA", RLIMIT_DATA },
    { "RLIMIT_FSIZE", RLIMIT_FSIZE },           { "RLIMIT_LOCKS", RLIMIT_LOCKS },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },       { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
    { "RLIMIT_NICE", RLIMIT_NICE },             { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_NPROC", RLIMIT_NPROC },           { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },         { "RLIMIT_RTTIME", RLIMIT_RTTIME },
    { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};
/* clang-format on */

int rlimit_from_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
        if (strcmp(rlimit_table[i].name, name) == 0)
            return rlimit_table[i].resource;
    return -1;
}

/* --- top level: ociVersion, root, mounts ----------------------------------------------------- */

/* Any 1.x.y (1.0.0 to 1.3.x today, and later 1.x: minor versions only add fields, which are
 * ignored when unknown), with an optional pre-release/build suffix ("1.0.2-dev", "1.1.0-rc.1"). */
static bool version_supported(const char *s)
{
    if (strncmp(s, "1.", 2) != 0)
        return false;
    s += 2;
    for (int part = 0; part < 2; part++) {
        if (!isdigit((unsigned char)*s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
        if (part == 0 && *s++ != '.')
            return false;
    }
    return *s == '\0' || *s == '-' || *s == '+';
}

static int parse_version(struct pctx *c, yajl_val v, void *dst)
{
    if (!YAJL_IS_STRING(v))
        return pc_fail(c, "expected a string");
    if (!version_supported(v->u.string))
        return pc_fail_quoted(c, "unsupported version", v->u.string,
                              " (rbox-runtime supports 1.x: 1.0.0 to 1.3.0 and later 1.x.y)");
    return pv_str(c, v, dst);
}

static int parse_nonempty_str(struct pctx *c, yajl_val v, void *dst)
{
    if (YAJL_IS_STRING(v) && v->u.string[0] == '\0')
        return pc_fail(c, "must not be empty");
    return pv_str(c, v, dst);
}

static const struct field root_fields[] = {
    { FLD(struct rbox_config, "path", F_FN, root_path), REQUIRED, .fn = parse_nonempty_str },
    { FLD(struct rbox_config, "readonly", F_BOOL, root_readonly) },
};

static int parse_mount_uidmap(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_mount *m = dst;
    return pv_idmaps(c, v, &m->uid_mappings, &m->n_uid_mappings);
}

static int parse_mount_gidmap(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_mount *m = dst;
    return pv_idmaps(c, v, &m->gid_mappings, &m->n_gid_mappings);
}

static const struct field mount_fields[] = {
    { FLD(struct rbox_mount, "destination", F_ABS, destination), REQUIRED },
    { FLD(struct rbox_mount, "type", F_STR, type) },
    { FLD(struct rbox_mount, "source", F_STR, source) },
    { FLD(struct rbox_mount, "options", F_STRV, options) },
    { WHOLE("uidMappings", F_FN), .fn = parse_mount_uidmap },
    { WHOLE("gidMappings", F_FN), .fn = parse_mount_gidmap },
};

static int parse_mount(struct pctx *c, yajl_val v, void *elem)
{
    struct rbox_mount *m = elem;
    if (pc_fields(c, v, mount_fields, ARRAY_SIZE(mount_fields), m) < 0)
        return -1;
    size_t mark = pc_push(c, "options");
    if (mount_options_parse(m, c->path, c->err) < 0)
        return rbox_error_prefix(c->err, "%s", c->what);
    pc_pop(c, mark);
    bool uid = m->n_uid_mappings > 0, gid = m->n_gid_mappings > 0;
    if (m->idmap && !uid && !gid) {
        pc_push(c, "uidMappings");
        return pc_fail(c, "missing (the \"idmap\" option needs uid and gid mappings)");
    }
    if (uid != gid) {
        pc_push(c, uid ? "gidMappings" : "uidMappings");
        return pc_fail(c, "missing (uidMappings and gidMappings go together)");
    }
    return 0;
}

static int parse_mounts(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_config *cfg = dst;
    return pv_array(c, v, sizeof(struct rbox_mount), &cfg->mounts, &cfg->n_mounts, parse_mount);
}

/* --- process --------------------------------------------------------------------------------- */

static int parse_additional_gids(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_user *u = dst;
    if (!YAJL_IS_ARRAY(v))
        return pc_fail(c, "expected an array");
    u->n_additional_gids = v->u.array.len;
    u->additional_gids = xcalloc(v->u.array.len, sizeof(gid_t));
    for (size_t i = 0; i < v->u.array.len; i++) {
        uint64_t gid;
        size_t mark = pc_push_index(c, i);
        if (pv_u64(c, v->u.array.values[i], 0, UINT32_MAX - 1, &gid) < 0)
            return -1;
        u->additional_gids[i] = (gid_t)gid;
        pc_pop(c, mark);
    }
    return 0;
}

#define U(k, t, m) FLD(struct rbox_user, k, t, m)
static const struct field user_fields[] = {
    { U("uid", F_U32, uid), REQUIRED, RANGE(0, UINT32_MAX - 1) },
    { U("gid", F_U32, gid), REQUIRED, RANGE(0, UINT32_MAX - 1) },
    { U("umask", F_OU64, umask), RANGE(0, 0777) },
    { WHOLE("additionalGids", F_FN), .fn = parse_additional_gids },
    { U("username", F_STR, username) },
};

/* clang-format off */
#define CAPS(k, m) { FLD(struct rbox_caps, k, F_BITS, m), NAMES(cap_names, "capability") }
static const struct field caps_fields[] = {
    CAPS("bounding", bounding),   CAPS("effective", effective), CAPS("inheritable", inheritable),
    CAPS("permitted", permitted), CAPS("ambient", ambient),
};
/* clang-format on */

static int parse_caps(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_caps *caps = dst;
    caps->present = true;
    if (pc_fields(c, v, caps_fields, ARRAY_SIZE(caps_fields), caps) < 0)
        return -1;
    /* the kernel refuses it; say which capability instead of failing in the init. (Ambient
     * capabilities outside permitted and inheritable are skipped at exec time, as runc does.) */
    uint64_t eff = caps->effective & ~caps->permitted;
    if (eff) {
        pc_push(c, "effective");
        return pc_fail(c, "%s is not in the permitted set", cap_names[__builtin_ctzll(eff)]);
    }
    return 0;
}

static int parse_rlimit_type(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_rlimit *rl = dst;
    if (!YAJL_IS_STRING(v))
        return pc_fail(c, "expected a string");
    rl->resource = rlimit_from_name(v->u.string);
    if (rl->resource < 0)
        return pc_fail_quoted(c, "unknown rlimit", v->u.string, NULL);
    return pv_str(c, v, &rl->name);
}

static const struct field rlimit_fields[] = {
    { WHOLE("type", F_FN), REQUIRED, .fn = parse_rlimit_type },
    { FLD(struct rbox_rlimit, "soft", F_U64, soft), REQUIRED },
    { FLD(struct rbox_rlimit, "hard", F_U64, hard), REQUIRED },
};

static int parse_rlimit(struct pctx *c, yajl_val v, void *elem)
{
    struct rbox_rlimit *rl = elem;
    if (pc_fields(c, v, rlimit_fields, ARRAY_SIZE(rlimit_fields), rl) < 0)
        return -1;
    if (rl->soft > rl->hard)
        return pc_fail(c, "soft limit %" PRIu64 " is above hard limit %" PRIu64, rl->soft,
                       rl->hard);
    return 0;
}

static int parse_rlimits(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_process *p = dst;
    if (pv_array(c, v, sizeof(struct rbox_rlimit), &p->rlimits, &p->n_rlimits, parse_rlimit) < 0)
        return -1;
    for (size_t i = 0; i < p->n_rlimits; i++)
        for (size_t j = 0; j < i; j++)
            if (p->rlimits[i].resource == p->rlimits[j].resource) {
                pc_push_index(c, i);
                pc_push(c, "type");
                return pc_fail_quoted(c, "duplicate rlimit", p->rlimits[i].name, NULL);
            }
    return 0;
}

static const char *const ioprio_class_names[] = {
    NULL, "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", /* index = IOPRIO_CLASS_* */
};

#define P(k, t, m) FLD(struct rbox_process, k, t, m)
static const struct field ioprio_fields[] = {
    { P("class", F_ENUM, io_priority_class), REQUIRED,
      NAMES(ioprio_class_names, "I/O priority class") },
    { P("priority", F_INT, io_priority), REQUIRED, RANGE(0, 7) },
};

static int parse_ioprio(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_process *p = dst;
    p->has_io_priority = true;
    return pc_fields(c, v, ioprio_fields, ARRAY_SIZE(ioprio_fields), p);
}

static const char *const sched_policy_names[] = {
    "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",       "SCHED_BATCH",
    "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE", /* index = SCHED_* */
};

static const char *const sched_flag_names[] = {
    "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",     "SCHED_FLAG_DL_OVERRUN",
    "SCHED_FLAG_KEEP_POLICY",    "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
    "SCHED_FLAG_UTIL_CLAMP_MAX", /* bit = 1 << index */
};

static const struct field sched_fields[] = {
    { P("policy", F_ENUM, sched_policy), REQUIRED, NAMES(sched_policy_names, "scheduling policy") },
    { P("nice", F_INT, sched_nice), RANGE(-20, 19) },
    { P("priority", F_INT, sched_priority), RANGE(0, 99) },
    { P("flags", F_BITS, sched_flags), NAMES(sched_flag_names, "scheduler flag") },
    { P("runtime", F_U64, sched_runtime) },
    { P("deadline", F_U64, sched_deadline) },
    { P("period", F_U64, sched_period) },
};

static int parse_sched(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_process *p = dst;
    p->has_scheduler = true;
    return pc_fields(c, v, sched_fields, ARRAY_SIZE(sched_fields), p);
}

static const struct field console_fields[] = {
    { P("height", F_OU64, console_height), REQUIRED },
    { P("width", F_OU64, console_width), REQUIRED },
};

static const struct field affinity_fields[] = {
    { P("initial", F_CPUS, exec_cpu_affinity_initial) },
    { P("final", F_CPUS, exec_cpu_affinity_final) },
};

static const struct field process_fields[] = {
    { P("terminal", F_BOOL, terminal) },
    { WHOLE("consoleSize", F_SUB), SUB(console_fields) },
    { P("user", F_SUB, user), SUB(user_fields) },
    { P("args", F_STRV1, args), REQUIRED },
    { P("env", F_ENV, env) },
    { P("cwd", F_ABS, cwd), REQUIRED },
    { P("capabilities", F_FN, caps), .fn = parse_caps },
    { WHOLE("rlimits", F_FN), .fn = parse_rlimits },
    { P("noNewPrivileges", F_BOOL, no_new_privileges) },
    { P("oomScoreAdj", F_OI64, oom_score_adj), RANGE(-1000, 1000) },
    { P("apparmorProfile", F_STR, apparmor_profile) },
    { P("selinuxLabel", F_STR, selinux_label) },
    { WHOLE("ioPriority", F_FN), .fn = parse_ioprio },
    { WHOLE("scheduler", F_FN), .fn = parse_sched },
    { WHOLE("execCPUAffinity", F_SUB), SUB(affinity_fields) },
};

/* After the fields: what the header promises even when absent. */
static int check_process(struct pctx *c UNUSED, void *dst)
{
    struct rbox_process *p = dst;
    strv_ensure(&p->env);
    return 0;
}

static int parse_process(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_config *cfg = dst;
    cfg->has_process = true;
    if (pc_fields(c, v, process_fields, ARRAY_SIZE(process_fields), &cfg->process) < 0)
        return -1;
    return check_process(c, &cfg->process);
}

/* --- hooks, annotations ---------------------------------------------------------------------- */

static const struct field hook_fields[] = {
    { FLD(struct rbox_hook, "path", F_ABS, path), REQUIRED },
    { FLD(struct rbox_hook, "args", F_STRV, args) },
    { FLD(struct rbox_hook, "env", F_ENV, env) },
    { FLD(struct rbox_hook, "timeout", F_OI64, timeout), RANGE(1, INT64_MAX) },
};

static int parse_hook(struct pctx *c, yajl_val v, void *elem)
{
    struct rbox_hook *h = elem;
    if (pc_fields(c, v, hook_fields, ARRAY_SIZE(hook_fields), h) < 0)
        return -1;
    strv_ensure(&h->args);
    strv_ensure(&h->env);
    return 0;
}

static int parse_hooks(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_hooks *h = dst;
    if (pv_object(c, v) < 0)
        return -1;
    for (int k = 0; k < HOOK_KIND_COUNT; k++) {
        yajl_val list = json_get(v, hook_kind_names[k]);
        if (list == NULL)
            continue;
        size_t mark = pc_push(c, hook_kind_names[k]);
        if (pv_array(c, list, sizeof(struct rbox_hook), &h->list[k], &h->count[k], parse_hook) < 0)
            return -1;
        pc_pop(c, mark);
    }
    return 0;
}

static int parse_annotations(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_config *cfg = dst;
    return pv_strmap(c, v, &cfg->annotations, &cfg->n_annotations);
}

/* --- config_parse / config_load -------------------------------------------------------------- */

#define C(k, t, m) FLD(struct rbox_config, k, t, m)
static const struct field config_fields[] = {
    { C("ociVersion", F_FN, oci_version), REQUIRED, .fn = parse_version },
    { WHOLE("root", F_SUB), REQUIRED, SUB(root_fields) },
    { WHOLE("mounts", F_FN), .fn = parse_mounts },
    { WHOLE("process", F_FN), REQUIRED, .fn = parse_process },
    { C("hostname", F_STR, hostname) },
    { C("domainname", F_STR, domainname) },
    { C("hooks", F_FN, hooks), .fn = parse_hooks },
    { WHOLE("annotations", F_FN), .fn = parse_annotations },
    { C("linux", F_FN, linux), .fn = linux_parse },
};

/* Setting the hostname in the runtime's own uts namespace would change the host's. A namespace
 * joined by path is the container's: it is joined, then named (as runc does). */
static int check_uts(struct pctx *c, const struct rbox_config *cfg)
{
    const struct rbox_namespace *uts = &cfg->linux.ns[NS_UTS];
    const char *keys[] = { "hostname", "domainname" };
    const char *values[] = { cfg->hostname, cfg->domainname };
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (values[i] == NULL || values[i][0] == '\0' || uts->present)
            continue;
        pc_push(c, keys[i]);
        return pc_fail(c, "requires a uts namespace (add {\"type\":\"uts\"} to "
                          "linux.namespaces)");
    }
    return 0;
}

static int check_config(struct pctx *c, void *base)
{
    struct rbox_config *cfg = base;
    strv_ensure(&cfg->linux.masked_paths);
    strv_ensure(&cfg->linux.readonly_paths);
    return check_uts(c, cfg);
}

/* Parse text as a JSON object, read it with a field table into base, then run check (if any). */
int pc_parse_document(const char *text, const char *what, const struct field *f, size_t n,
                      void *base, int (*check)(struct pctx *c, void *base), rbox_err **err)
{
    _cleanup_yajl_ yajl_val root = NULL;
    struct pctx c;
    pc_init(&c, what, err);
    if (json_parse(text, c.what, &root, err) < 0)
        return -1;
    if (!YAJL_IS_OBJECT(root))
        return rbox_error(err, 0, "%s: expected a JSON object", c.what);
    if (pc_fields(&c, root, f, n, base) < 0)
        return -1;
    return check ? check(&c, base) : 0;
}

int config_parse(const char *text, const char *what, struct rbox_config **out, rbox_err **err)
{
    _cleanup_config_ struct rbox_config *cfg = xzalloc(sizeof(*cfg));
    if (pc_parse_document(text, what, config_fields, ARRAY_SIZE(config_fields), cfg, check_config,
                          err) < 0)
        return -1;
    *out = steal_pointer(&cfg);
    return 0;
}

int config_parse_process(const char *text, const char *what, struct rbox_process *out,
                         rbox_err **err)
{
    memset(out, 0, sizeof(*out));
    if (pc_parse_document(text, what, process_fields, ARRAY_SIZE(process_fields), out,
                          check_process, err) < 0) {
        config_process_clear(out);
        return -1;
    }
    return 0;
}

/* root.path resolved against the bundle; it must be an existing directory. */
static int resolve_rootfs(struct rbox_config *cfg, rbox_err **err)
{
    _cleanup_free_ char *joined = cfg->root_path[0] == '/'
                                      ? xstrdup(cfg->root_path)
                                      : xasprintf("%s/%s", cfg->bundle, cfg->root_path);
    char *real = realpath(joined, NULL);
    if (real == NULL)
        return rbox_error(err, errno, "config.json: root.path: %s", joined);
    cfg->rootfs = real;
    struct stat st;
    if (stat(real, &st) < 0)
        return rbox_error(err, errno, "config.json: root.path: %s", joined);
    if (!S_ISDIR(st.st_mode)) {
        rbox_error(err, 0, "config.json: root.path: %s: not a directory", joined);
        (*err)->errnum = ENOTDIR;
        return -1;
    }
    return 0;
}

int config_load(const char *bundle, struct rbox_config **out, rbox_err **err)
{
    _cleanup_free_ char *cwd = bundle ? NULL : getcwd(NULL, 0);
    if (bundle == NULL && cwd == NULL)
        return rbox_error(err, errno, "getting the current directory");
    const char *shown = bundle ? bundle : cwd;
    _cleanup_free_ char *dir = realpath(shown, NULL);
    if (dir == NULL)
        return rbox_error(err, errno, "%s/config.json", shown);
    _cleanup_free_ char *file = xasprintf("%s/config.json", dir);
    _cleanup_free_ char *raw = NULL;
    size_t len = 0;
    if (read_file_at(AT_FDCWD, file, &raw, &len) < 0)
        return rbox_error(err, errno, "%s/config.json", shown);
    _cleanup_config_ struct rbox_config *cfg = NULL;
    if (config_parse(raw, "config.json", &cfg, err) < 0)
        return -1;
    cfg->bundle = steal_pointer(&dir);
    cfg->raw = steal_pointer(&raw);
    cfg->raw_len = len;
    if (resolve_rootfs(cfg, err) < 0)
        return -1;
    *out = steal_pointer(&cfg);
    return 0;
}

/* --- freeing --------------------------------------------------------------------------------- */

static void mount_clear(struct rbox_mount *m)
{
    free(m->destination);
    free(m->type);
    free(m->source);
    strv_free(m->options);
    free(m->data);
    free(m->uid_mappings);
    free(m->gid_mappings);
}

void config_process_clear(struct rbox_process *p)
{
    free(p->user.additional_gids);
    free(p->user.username);
    strv_free(p->args);
    strv_free(p->env);
    free(p->cwd);
    for (size_t i = 0; p->rlimits && i < p->n_rlimits; i++)
        free(p->rlimits[i].name);
    free(p->rlimits);
    free(p->apparmor_profile);
    free(p->selinux_label);
    free(p->exec_cpu_affinity_initial);
    free(p->exec_cpu_affinity_final);
    memset(p, 0, sizeof(*p));
}

static void hooks_clear(struct rbox_hooks *h)
{
    for (int k = 0; k < HOOK_KIND_COUNT; k++) {
        for (size_t i = 0; h->list[k] && i < h->count[k]; i++) {
            free(h->list[k][i].path);
            strv_free(h->list[k][i].args);
            strv_free(h->list[k][i].env);
        }
        free(h->list[k]);
    }
}

void config_free(struct rbox_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->oci_version);
    free(cfg->root_path);
    for (size_t i = 0; cfg->mounts && i < cfg->n_mounts; i++)
        mount_clear(&cfg->mounts[i]);
    free(cfg->mounts);
    config_process_clear(&cfg->process);
    free(cfg->hostname);
    free(cfg->domainname);
    hooks_clear(&cfg->hooks);
    kv_free(cfg->annotations, cfg->n_annotations);
    linux_clear(&cfg->linux);
    free(cfg->bundle);
    free(cfg->rootfs);
    free(cfg->raw);
    free(cfg);
}

void cleanup_configp(struct rbox_config **cfg)
{
    config_free(*cfg);
    *cfg = NULL;
}
