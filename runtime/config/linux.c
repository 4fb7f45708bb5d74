/* linux.c - the "linux" object of config.json: namespaces, id mappings, devices, sysctl,
 * seccomp, rootfs propagation, masked/read-only paths, personality, time offsets; and the Linux
 * mount options of mounts[] (mount_options_parse). linux.resources is in config/resources.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"
#include "config_internal.h"
#include "seccomp_check.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#ifndef MOUNT_ATTR_RDONLY
#include <linux/mount.h>
#endif

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* --- name tables ----------------------------------------------------------------------------- */

const char *const ns_type_names[NS_COUNT] = {
    "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};
const char *const ns_proc_names[NS_COUNT] = {
    "pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time",
};
const int ns_clone_flags[NS_COUNT] = {
    CLONE_NEWPID, CLONE_NEWNET,  CLONE_NEWNS,     CLONE_NEWIPC,
    CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME,
};

/* seccomp_action_names, seccomp_op_names, seccomp_arch_names and seccomp_flag_names are
 * lib/seccomp_check.c's: one list for the runtime and rbox. */
_Static_assert(SECCOMP_ACT_COUNT == SECCOMP_ACTION_COUNT, "seccomp actions");
_Static_assert(SECCOMP_OP_COUNT == SECCOMP_OPERATOR_COUNT, "seccomp operators");

/* --- mount options: mount(2) flags, mount_setattr(2) attributes ------------------------------- */

enum mopt_kind {
    MO_NONE,      /* accepted, no effect ("defaults") */
    MO_SET,       /* flags |= f */
    MO_CLR,       /* clear_flags |= f */
    MO_PROP,      /* propagation = f */
    MO_RSET,      /* rec_attr_set |= f */
    MO_RCLR,      /* rec_attr_clr |= f */
    MO_RATIME,    /* recursive atime mode f (needs MOUNT_ATTR__ATIME in clr, mount_setattr(2)) */
    MO_TMPCOPYUP, /* runc extension, never passed to mount(2) */
    MO_IDMAP,
    MO_RIDMAP,
};

/* clang-format off */
static const struct mopt {
    const char *name;
    enum mopt_kind kind;
    unsigned long flag;
} mount_opts[] = {
    { "defaults", MO_NONE, 0 },
    { "rw", MO_CLR, MS_RDONLY },                      { "ro", MO_SET, MS_RDONLY },
    { "suid", MO_CLR, MS_NOSUID },                    { "nosuid", MO_SET, MS_NOSUID },
    { "dev", MO_CLR, MS_NODEV },                      { "nodev", MO_SET, MS_NODEV },
    { "exec", MO_CLR, MS_NOEXEC },                    { "noexec", MO_SET, MS_NOEXEC },
    { "sync", MO_SET, MS_SYNCHRONOUS },               { "async", MO_CLR, MS_SYNCHRONOUS },
    { "dirsync", MO_SET, MS_DIRSYNC },                { "remount", MO_SET, MS_REMOUNT },
    { "mand", MO_SET, MS_MANDLOCK },                  { "nomand", MO_CLR, MS_MANDLOCK },
    { "atime", MO_CLR, MS_NOATIME },                  { "noatime", MO_SET, MS_NOATIME },
    { "diratime", MO_CLR, MS_NODIRATIME },            { "nodiratime", MO_SET, MS_NODIRATIME },
    { "relatime", MO_SET, MS_RELATIME },              { "norelatime", MO_CLR, MS_RELATIME },
    { "strictatime", MO_SET, MS_STRICTATIME },        { "nostrictatime", MO_CLR, MS_STRICTATIME },
    { "lazytime", MO_SET, MS_LAZYTIME },              { "nolazytime", MO_CLR, MS_LAZYTIME },
    { "silent", MO_SET, MS_SILENT },                  { "loud", MO_CLR, MS_SILENT },
    { "bind", MO_SET, MS_BIND },                      { "rbind", MO_SET, MS_BIND | MS_REC },
    { "private", MO_PROP, MS_PRIVATE },               { "rprivate", MO_PROP, MS_PRIVATE | MS_REC },
    { "shared", MO_PROP, MS_SHARED },                 { "rshared", MO_PROP, MS_SHARED | MS_REC },
    { "slave", MO_PROP, MS_SLAVE },                   { "rslave", MO_PROP, MS_SLAVE | MS_REC },
    { "unbindable", MO_PROP, MS_UNBINDABLE },
    { "runbindable", MO_PROP, MS_UNBINDABLE | MS_REC },
    { "rro", MO_RSET, MOUNT_ATTR_RDONLY },            { "rrw", MO_RCLR, MOUNT_ATTR_RDONLY },
    { "rnosuid", MO_RSET, MOUNT_ATTR_NOSUID },        { "rsuid", MO_RCLR, MOUNT_ATTR_NOSUID },
    { "rnodev", MO_RSET, MOUNT_ATTR_NODEV },          { "rdev", MO_RCLR, MOUNT_ATTR_NODEV },
    { "rnoexec", MO_RSET, MOUNT_ATTR_NOEXEC },        { "rexec", MO_RCLR, MOUNT_ATTR_NOEXEC },
    { "rnodiratime", MO_RSET, MOUNT_ATTR_NODIRATIME },
    { "rdiratime", MO_RCLR, MOUNT_ATTR_NODIRATIME },
    { "rrelatime", MO_RATIME, MOUNT_ATTR_RELATIME },  { "rnorelatime", MO_NONE, 0 },
    { "rnoatime", MO_RATIME, MOUNT_ATTR_NOATIME },    { "ratime", MO_RATIME, MOUNT_ATTR_RELATIME },
    { "rstrictatime", MO_RATIME, MOUNT_ATTR_STRICTATIME },
    { "rnostrictatime", MO_RATIME, MOUNT_ATTR_RELATIME },
    { "tmpcopyup", MO_TMPCOPYUP, 0 },
    { "idmap", MO_IDMAP, 0 },                         { "ridmap", MO_RIDMAP, 0 },
};
/* clang-format on */

static const struct mopt *mopt_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(mount_opts); i++)
        if (strcmp(mount_opts[i].name, name) == 0)
            return &mount_opts[i];
    return NULL;
}

/* The later of two contradicting options wins ("ro,rw" is rw). */
static void mopt_apply(struct rbox_mount *m, const struct mopt *o)
{
    switch (o->kind) {
    case MO_NONE: break;
    case MO_SET:
        m->flags |= o->flag;
        m->clear_flags &= ~o->flag;
        break;
    case MO_CLR:
        m->clear_flags |= o->flag;
        m->flags &= ~o->flag;
        break;
    case MO_PROP: m->propagation = o->flag; break;
    case MO_RSET:
        m->rec_attr_set |= o->flag;
        m->rec_attr_clr &= ~(uint64_t)o->flag;
        break;
    case MO_RCLR:
        m->rec_attr_clr |= o->flag;
        m->rec_attr_set &= ~(uint64_t)o->flag;
        break;
    case MO_RATIME:
        m->rec_attr_set = (m->rec_attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | o->flag;
        m->rec_attr_clr |= MOUNT_ATTR__ATIME;
        break;
    case MO_TMPCOPYUP: m->tmpcopyup = true; break;
    case MO_RIDMAP: m->recursive_idmap = true; /* fall through */
    case MO_IDMAP: m->idmap = true; break;
    }
}

int mount_options_parse(struct rbox_mount *m, const char *path, rbox_err **err)
{
    m->flags = m->clear_flags = m->propagation = 0;
    m->rec_attr_set = m->rec_attr_clr = 0;
    m->tmpcopyup = m->idmap = m->recursive_idmap = false;
    free(m->data);
    m->data = NULL;
    /* the options mount(2) does not know go to data, joined in one pass (linear in the total
     * length, however many there are) */
    size_t total = 0, len = 0;
    for (size_t i = 0; m->options && m->options[i]; i++)
        total += strlen(m->options[i]) + 1;
    _cleanup_free_ char *data = xmalloc(total + 1);
    for (size_t i = 0; m->options && m->options[i]; i++) {
        const char *opt = m->options[i];
        if (*opt == '\0')
            return rbox_error(err, 0, "%s[%zu]: must not be empty", path, i);
        const struct mopt *o = mopt_find(opt);
        if (o) {
            mopt_apply(m, o);
            continue;
        }
        if (len)
            data[len++] = ',';
        size_t n = strlen(opt);
        memcpy(data + len, opt, n);
        len += n;
    }
    data[len] = '\0';
    if (len)
        m->data = steal_pointer(&data);
    if (str_eq(m->type, "bind"))
        m->flags |= MS_BIND;
    return 0;
}

/* --- namespaces, id mappings, devices -------------------------------------------------------- */

struct ns_entry {
    int type;
    char *path;
};

static const struct field ns_fields[] = {
    { FLD(struct ns_entry, "type", F_ENUM, type), REQUIRED, NAMES(ns_type_names, "namespace") },
    { FLD(struct ns_entry, "path", F_ABS, path) },
};

static int parse_namespaces(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_linux *l = dst;
    if (!YAJL_IS_ARRAY(v))
        return pc_fail(c, "expected an array");
    for (size_t i = 0; i < v->u.array.len; i++) {
        struct ns_entry e = { .type = -1, .path = NULL };
        size_t mark = pc_push_index(c, i);
        int r = pc_fields(c, v->u.array.values[i], ns_fields, ARRAY_SIZE(ns_fields), &e);
        if (r == 0 && l->ns[e.type].present) {
            pc_push(c, "type");
            r = pc_fail_quoted(c, "duplicate namespace", ns_type_names[e.type], NULL);
        }
        if (r < 0) {
            free(e.path);
            return -1;
        }
        l->ns[e.type].present = true;
        l->ns[e.type].path = e.path;
        pc_pop(c, mark);
    }
    return 0;
}

static int parse_uidmaps(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_linux *l = dst;
    return pv_idmaps(c, v, &l->uid_mappings, &l->n_uid_mappings);
}

static int parse_gidmaps(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_linux *l = dst;
    return pv_idmaps(c, v, &l->gid_mappings, &l->n_gid_mappings);
}

static int parse_device_type(struct pctx *c, yajl_val v, void *dst)
{
    if (!YAJL_IS_STRING(v))
        return pc_fail(c, "expected a string");
    const char *s = v->u.string;
    if (s[0] == '\0' || s[1] != '\0' || strchr("cbup", s[0]) == NULL)
        return pc_fail_quoted(c, "unknown device type", s, " (expected c, b, u or p)");
    *(char *)dst = s[0];
    return 0;
}

#define D(k, t, m) FLD(struct rbox_device, k, t, m)
static const struct field device_fields[] = {
    { D("type", F_FN, type), REQUIRED, .fn = parse_device_type },
    { D("path", F_ABS, path), REQUIRED },
    { D("major", F_I64, major), RANGE(0, INT64_MAX) },
    { D("minor", F_I64, minor), RANGE(0, INT64_MAX) },
    { D("fileMode", F_OU64, file_mode), RANGE(0, UINT32_MAX) },
    { D("uid", F_OU64, uid), RANGE(0, UINT32_MAX - 1) },
    { D("gid", F_OU64, gid), RANGE(0, UINT32_MAX - 1) },
};

static int parse_device(struct pctx *c, yajl_val v, void *elem)
{
    struct rbox_device *d = elem;
    if (pc_fields(c, v, device_fields, ARRAY_SIZE(device_fields), d) < 0)
        return -1;
    if (d->type == 'p')
        return 0;
    static const char *const numbers[] = { "major", "minor" };
    for (size_t i = 0; i < ARRAY_SIZE(numbers); i++)
        if (json_get(v, numbers[i]) == NULL) {
            pc_push(c, numbers[i]);
            return pc_fail(c, "missing");
        }
    return 0;
}

static int parse_devices(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_linux *l = dst;
    return pv_array(c, v, sizeof(struct rbox_device), &l->devices, &l->n_devices, parse_device);
}

static int parse_resources(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_linux *l = dst;
    l->has_resources = true;
    return resources_parse(c, v, &l->resources);
}

/* --- sysctl ---------------------------------------------------------------------------------- */

static const char *const ipc_sysctls[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* Keys are dotted ("net.ipv4.ip_forward") or, like sysctl(8), slashed when a component holds a
 * dot ("net/ipv4/conf/eth0.1/forwarding"). No empty, "." or ".." component: the key becomes a
 * path under /proc/sys. */
static bool sysctl_key_valid(const char *key)
{
    char sep = strchr(key, '/') ? '/' : '.';
    for (const char *p = key;;) {
        const char *end = strchrnul(p, sep);
        size_t n = (size_t)(end - p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (*end == '\0')
            return true;
        p = end + 1;
    }
}

/* The namespace that owns a sysctl, -1 when it is not namespaced. */
static int sysctl_namespace(const char *key)
{
    _cleanup_free_ char *dotted = xstrdup(key);
    if (strchr(key, '/'))
        for (char *p = dotted; *p; p++)
            *p = *p == '/' ? '.' : *p == '.' ? '/' : *p;
    if (str_has_prefix(dotted, "net."))
        return NS_NET;
    if (str_has_prefix(dotted, "fs.mqueue.") ||
        name_index(ipc_sysctls, ARRAY_SIZE(ipc_sysctls), dotted) >= 0)
        return NS_IPC;
    if (strcmp(dotted, "kernel.hostname") == 0 || strcmp(dotted, "kernel.domainname") == 0)
        return NS_UTS;
    return -1;
}

static int parse_sysctl(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_linux *l = dst;
    return pv_strmap(c, v, &l->sysctl, &l->n_sysctl);
}

/* A sysctl may only be set in a namespace of the container's own: a new ipc or uts namespace, or
 * a network namespace, new or joined (podman joins the one its network tool set up; that it is
 * not the host's is for run time to check). */
static int check_sysctl(struct pctx *c, const struct rbox_linux *l)
{
    size_t mark = pc_push(c, "sysctl");
    for (size_t i = 0; i < l->n_sysctl; i++) {
        const char *key = l->sysctl[i].key;
        _cleanup_free_ char *q = json_quote(key);
        if (!sysctl_key_valid(key))
            return pc_fail(c, "invalid key %s", q);
        int ns = sysctl_namespace(key);
        if (ns < 0)
            return pc_fail(c, "%s is not namespaced and cannot be set in a container", q);
        bool joined_ok = ns == NS_NET;
        if (!l->ns[ns].present || (!joined_ok && l->ns[ns].path != NULL))
            return pc_fail(c, "%s requires a %s%s namespace", q, joined_ok ? "" : "new ",
                           ns_type_names[ns]);
    }
    pc_pop(c, mark);
    return 0;
}

/* --- seccomp --------------------------------------------------------------------------------- */

#define A(k, t, m) FLD(struct rbox_seccomp_arg, k, t, m)
static const struct field seccomp_arg_fields[] = {
    { A("index", F_U32, index), REQUIRED, RANGE(0, 5) },
    { A("value", F_U64, value), REQUIRED },
    { A("valueTwo", F_U64, value_two) },
    { A("op", F_ENUM, op), REQUIRED, NAMES(seccomp_op_names, "operator") },
};

static int parse_seccomp_arg(struct pctx *c, yajl_val v, void *elem)
{
    return pc_fields(c, v, seccomp_arg_fields, ARRAY_SIZE(seccomp_arg_fields), elem);
}

static int parse_seccomp_args(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_seccomp_rule *r = dst;
    return pv_array(c, v, sizeof(struct rbox_seccomp_arg), &r->args, &r->n_args, parse_seccomp_arg);
}

#define R(k, t, m) FLD(struct rbox_seccomp_rule, k, t, m)
static const struct field seccomp_rule_fields[] = {
    { R("names", F_STRV1, names), REQUIRED },
    { R("action", F_ENUM, action), REQUIRED, NAMES(seccomp_action_names, "action") },
    { R("errnoRet", F_OU64, errno_ret), RANGE(0, 65535) },
    { WHOLE("args", F_FN), .fn = parse_seccomp_args },
};

static int parse_seccomp_rule(struct pctx *c, yajl_val v, void *elem)
{
    return pc_fields(c, v, seccomp_rule_fields, ARRAY_SIZE(seccomp_rule_fields), elem);
}

static int parse_seccomp_rules(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_seccomp *s = dst;
    return pv_array(c, v, sizeof(struct rbox_seccomp_rule), &s->syscalls, &s->n_syscalls,
                    parse_seccomp_rule);
}

#define S(k, t, m) FLD(struct rbox_seccomp, k, t, m)
static const struct field seccomp_fields[] = {
    { S("defaultAction", F_ENUM, default_action), REQUIRED, NAMES(seccomp_action_names, "action") },
    { S("defaultErrnoRet", F_OU64, default_errno_ret), RANGE(0, 65535) },
    { S("architectures", F_NAMES, architectures), NAMES(seccomp_arch_names, "architecture") },
    { S("flags", F_NAMES, flags), NAMES(seccomp_flag_names, "seccomp flag") },
    { S("listenerPath", F_STR, listener_path) },
    { S("listenerMetadata", F_STR, listener_metadata) },
    { WHOLE("syscalls", F_FN), .fn = parse_seccomp_rules },
};

static int parse_seccomp(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_seccomp *s = dst;
    s->present = true;
    /* the validator rbox also runs on --security-opt seccomp=FILE (lib/seccomp_check.c): what
     * it accepts, the tables below read without a failure */
    struct seccomp_problem pr;
    if (seccomp_check(v, false, &pr) < 0) {
        if (pr.path[0])
            pc_push(c, pr.path);
        return pc_fail(c, "%s", pr.msg);
    }
    if (pc_fields(c, v, seccomp_fields, ARRAY_SIZE(seccomp_fields), s) < 0)
        return -1;
    strv_ensure(&s->architectures);
    strv_ensure(&s->flags);
    bool notify = s->default_action == SECCOMP_ACT_NOTIFY;
    for (size_t i = 0; i < s->n_syscalls; i++)
        notify = notify || s->syscalls[i].action == SECCOMP_ACT_NOTIFY;
    if (notify && (s->listener_path == NULL || s->listener_path[0] == '\0')) {
        pc_push(c, "listenerPath");
        return pc_fail(c, "missing (SCMP_ACT_NOTIFY needs a listener socket)");
    }
    return 0;
}

/* --- propagation, personality, time offsets, intelRdt ---------------------------------------- */

static const struct {
    const char *name;
    unsigned long flags;
} propagations[] = {
    { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
    { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
    { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static int parse_propagation(struct pctx *c, yajl_val v, void *dst)
{
    if (!YAJL_IS_STRING(v))
        return pc_fail(c, "expected a string");
    for (size_t i = 0; i < ARRAY_SIZE(propagations); i++)
        if (strcmp(propagations[i].name, v->u.string) == 0) {
            *(unsigned long *)dst = propagations[i].flags;
            return 0;
        }
    return pc_fail_quoted(c, "unknown propagation", v->u.string, NULL);
}

static const char *const personality_domains[] = { "LINUX", "LINUX32" };
static const unsigned long personality_domain_values[] = { PER_LINUX, PER_LINUX32 };

static const struct {
    const char *name;
    unsigned long flag;
} personality_flags[] = {
    { "UNAME26", UNAME26 },
    { "ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE },
    { "FDPIC_FUNCPTRS", FDPIC_FUNCPTRS },
    { "MMAP_PAGE_ZERO", MMAP_PAGE_ZERO },
    { "ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT },
    { "READ_IMPLIES_EXEC", READ_IMPLIES_EXEC },
    { "ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT },
    { "SHORT_INODE", SHORT_INODE },
    { "WHOLE_SECONDS", WHOLE_SECONDS },
    { "STICKY_TIMEOUTS", STICKY_TIMEOUTS },
    { "ADDR_LIMIT_3GB", ADDR_LIMIT_3GB },
};

struct personality_entry {
    int domain;
    char **flags;
};

static const struct field personality_fields[] = {
    { FLD(struct personality_entry, "domain", F_ENUM, domain), REQUIRED,
      NAMES(personality_domains, "personality domain") },
    { FLD(struct personality_entry, "flags", F_STRV, flags) },
};

static int personality_flag(const char *name, unsigned long *out)
{
    for (size_t i = 0; i < ARRAY_SIZE(personality_flags); i++)
        if (strcmp(personality_flags[i].name, name) == 0) {
            *out |= personality_flags[i].flag;
            return 0;
        }
    return -1;
}

static int parse_personality(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_linux *l = dst;
    _cleanup_strv_ char **flags = NULL;
    struct personality_entry e = { .domain = -1, .flags = NULL };
    int r = pc_fields(c, v, personality_fields, ARRAY_SIZE(personality_fields), &e);
    flags = e.flags;
    if (r < 0)
        return -1;
    l->has_personality = true;
    l->personality = personality_domain_values[e.domain];
    for (size_t i = 0; flags && flags[i]; i++)
        if (personality_flag(flags[i], &l->personality) < 0) {
            pc_push(c, "flags");
            pc_push_index(c, i);
            return pc_fail_quoted(c, "unknown personality flag", flags[i], NULL);
        }
    return 0;
}

static const struct field time_offset_fields[] = {
    { FLD(struct rbox_time_offset, "secs", F_I64, secs) },
    { FLD(struct rbox_time_offset, "nanosecs", F_U32, nanosecs), RANGE(0, 999999999) },
};

static int parse_time_offsets(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_linux *l = dst;
    if (pv_object(c, v) < 0)
        return -1;
    for (size_t i = 0; i < v->u.object.len; i++) {
        const char *clock = v->u.object.keys[i];
        struct rbox_time_offset *t = strcmp(clock, "monotonic") == 0  ? &l->time_monotonic
                                     : strcmp(clock, "boottime") == 0 ? &l->time_boottime
                                                                      : NULL;
        if (t == NULL)
            return pc_fail_quoted(c, "unknown clock", clock, " (expected monotonic or boottime)");
        size_t mark = pc_push(c, clock);
        if (pc_fields(c, v->u.object.values[i], time_offset_fields, ARRAY_SIZE(time_offset_fields),
                      t) < 0)
            return -1;
        t->set = true;
        pc_pop(c, mark);
    }
    return 0;
}

/* Read for their types only: create refuses intelRdt (this build has no resctrl support). */
struct intel_rdt {
    char *clos_id, *l3, *mb;
    char **schemata;
    bool monitoring;
};

static const struct field intel_rdt_fields[] = {
    { FLD(struct intel_rdt, "closID", F_STR, clos_id) },
    { FLD(struct intel_rdt, "l3CacheSchema", F_STR, l3) },
    { FLD(struct intel_rdt, "memBwSchema", F_STR, mb) },
    { FLD(struct intel_rdt, "schemata", F_STRV, schemata) },
    { FLD(struct intel_rdt, "enableMonitoring", F_BOOL, monitoring) },
};

static int parse_intel_rdt(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_linux *l = dst;
    struct intel_rdt r = { 0 };
    l->has_intel_rdt = true;
    int ret = pc_fields(c, v, intel_rdt_fields, ARRAY_SIZE(intel_rdt_fields), &r);
    free(r.clos_id);
    free(r.l3);
    free(r.mb);
    strv_free(r.schemata);
    return ret;
}

/* --- memoryPolicy, netDevices (runtime-spec 1.3) --------------------------------------------- */

static const char *const mpol_mode_names[] = {
    "MPOL_DEFAULT",        "MPOL_PREFERRED",           "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_LOCAL",
    "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE", /* index = the kernel's MPOL_* value */
};

static const char *const mpol_flag_names[] = {
    [13] = "MPOL_F_NUMA_BALANCING", /* bit = 1 << index, the kernel's MPOL_F_* value */
    [14] = "MPOL_F_RELATIVE_NODES",
    [15] = "MPOL_F_STATIC_NODES",
};

#define MP(k, t, m) FLD(struct rbox_memory_policy, k, t, m)
static const struct field mempolicy_fields[] = {
    { MP("mode", F_ENUM, mode), REQUIRED, NAMES(mpol_mode_names, "memory policy mode") },
    { MP("nodes", F_CPUS, nodes) },
    { MP("flags", F_BITS, flags), NAMES(mpol_flag_names, "memory policy flag") },
};

static int parse_mempolicy(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_memory_policy *mp = dst;
    mp->present = true;
    if (pc_fields(c, v, mempolicy_fields, ARRAY_SIZE(mempolicy_fields), mp) < 0)
        return -1;
    const char *mode = mpol_mode_names[mp->mode];
    bool none = mp->mode == 0 || mp->mode == 4; /* DEFAULT, LOCAL: no nodes */
    bool needed = mp->mode != 1 && !none;       /* PREFERRED alone may omit them */
    if (none && mp->nodes) {
        pc_push(c, "nodes");
        return pc_fail(c, "must be empty for %s", mode);
    }
    if (needed && mp->nodes == NULL) {
        pc_push(c, "nodes");
        return pc_fail(c, "missing (%s needs nodes)", mode);
    }
    if ((mp->flags & (1U << 14)) && (mp->flags & (1U << 15))) {
        pc_push(c, "flags");
        return pc_fail(c, "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
    }
    return 0;
}

static const struct field net_device_fields[] = {
    { FLD(struct rbox_net_device, "name", F_STR, name) },
};

static int parse_net_devices(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_linux *l = dst;
    if (pv_object(c, v) < 0)
        return -1;
    size_t n = v->u.object.len;
    l->net_devices = n ? xcalloc(n, sizeof(*l->net_devices)) : NULL;
    l->n_net_devices = n;
    for (size_t i = 0; i < n; i++) {
        struct rbox_net_device *d = &l->net_devices[i];
        const char *key = v->u.object.keys[i];
        size_t mark = pc_push(c, key);
        d->host_name = xstrdup(key);
        if (pc_fields(c, v->u.object.values[i], net_device_fields, ARRAY_SIZE(net_device_fields),
                      d) < 0)
            return -1;
        const char *names[] = { key, d->name };
        for (size_t k = 0; k < ARRAY_SIZE(names); k++)
            if (names[k] &&
                (names[k][0] == '\0' || strlen(names[k]) >= 16 || strpbrk(names[k], "/: \t\n") ||
                 strcmp(names[k], ".") == 0 || strcmp(names[k], "..") == 0)) {
                if (k == 1)
                    pc_push(c, "name");
                return pc_fail_quoted(c, "invalid interface name", names[k],
                                      " (1 to 15 characters, no '/', ':' or space)");
            }
        pc_pop(c, mark);
    }
    return 0;
}

/* --- linux ----------------------------------------------------------------------------------- */

#define L(k, t, m) FLD(struct rbox_linux, k, t, m)
static const struct field linux_fields[] = {
    /* namespaces first: the checks after the table depend on them */
    { WHOLE("namespaces", F_FN), .fn = parse_namespaces },
    { WHOLE("uidMappings", F_FN), .fn = parse_uidmaps },
    { WHOLE("gidMappings", F_FN), .fn = parse_gidmaps },
    { WHOLE("devices", F_FN), .fn = parse_devices },
    { L("cgroupsPath", F_STR, cgroups_path) },
    { WHOLE("resources", F_FN), .fn = parse_resources },
    { WHOLE("sysctl", F_FN), .fn = parse_sysctl },
    { L("seccomp", F_FN, seccomp), .fn = parse_seccomp },
    { L("rootfsPropagation", F_FN, rootfs_propagation), .fn = parse_propagation },
    { L("maskedPaths", F_ABSV, masked_paths) },
    { L("readonlyPaths", F_ABSV, readonly_paths) },
    { L("mountLabel", F_STR, mount_label) },
    { WHOLE("personality", F_FN), .fn = parse_personality },
    { WHOLE("timeOffsets", F_FN), .fn = parse_time_offsets },
    { WHOLE("intelRdt", F_FN), .fn = parse_intel_rdt },
    { L("memoryPolicy", F_FN, memory_policy), .fn = parse_mempolicy },
    { WHOLE("netDevices", F_FN), .fn = parse_net_devices },
};

/* A device moved into the container's network namespace needs one that is not the host's. */
static int check_net_devices(struct pctx *c, const struct rbox_linux *l)
{
    if (l->n_net_devices == 0 || l->ns[NS_NET].present)
        return 0;
    pc_push(c, "netDevices");
    return pc_fail(c, "requires a network namespace (add {\"type\":\"network\"} to "
                      "linux.namespaces)");
}

static int check_userns(struct pctx *c, const struct rbox_linux *l)
{
    const struct rbox_namespace *user = &l->ns[NS_USER];
    const char *keys[] = { "uidMappings", "gidMappings" };
    const size_t counts[] = { l->n_uid_mappings, l->n_gid_mappings };
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (counts[i] > 0 && !user->present) {
            pc_push(c, keys[i]);
            return pc_fail(c, "requires a user namespace");
        }
        if (counts[i] == 0 && user->present && user->path == NULL) {
            pc_push(c, keys[i]);
            return pc_fail(c, "missing (a new user namespace needs uid and gid mappings)");
        }
    }
    return 0;
}

static int check_time(struct pctx *c, const struct rbox_linux *l)
{
    const struct rbox_namespace *time = &l->ns[NS_TIME];
    if (!l->time_monotonic.set && !l->time_boottime.set)
        return 0;
    if (time->present && time->path == NULL)
        return 0;
    pc_push(c, "timeOffsets");
    return pc_fail(c, "requires a new time namespace");
}

int linux_parse(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_linux *l = dst;
    if (pc_fields(c, v, linux_fields, ARRAY_SIZE(linux_fields), l) < 0)
        return -1;
    if (check_userns(c, l) < 0 || check_sysctl(c, l) < 0 || check_time(c, l) < 0 ||
        check_net_devices(c, l) < 0)
        return -1;
    return 0;
}

static void seccomp_clear(struct rbox_seccomp *s)
{
    strv_free(s->architectures);
    strv_free(s->flags);
    free(s->listener_path);
    free(s->listener_metadata);
    for (size_t i = 0; s->syscalls && i < s->n_syscalls; i++) {
        strv_free(s->syscalls[i].names);
        free(s->syscalls[i].args);
    }
    free(s->syscalls);
}

void linux_clear(struct rbox_linux *l)
{
    for (int i = 0; i < NS_COUNT; i++)
        free(l->ns[i].path);
    free(l->uid_mappings);
    free(l->gid_mappings);
    for (size_t i = 0; l->devices && i < l->n_devices; i++)
        free(l->devices[i].path);
    free(l->devices);
    free(l->cgroups_path);
    config_resources_clear(&l->resources);
    kv_free(l->sysctl, l->n_sysctl);
    seccomp_clear(&l->seccomp);
    strv_free(l->masked_paths);
    strv_free(l->readonly_paths);
    free(l->mount_label);
    free(l->memory_policy.nodes);
    for (size_t i = 0; l->net_devices && i < l->n_net_devices; i++) {
        free(l->net_devices[i].host_name);
        free(l->net_devices[i].name);
    }
    free(l->net_devices);
    memset(l, 0, sizeof(*l));
}

/* --- names the parser accepts (for `features`) ---------------------------------------------- */

const char *config_mount_option_name(size_t i)
{
    return i < ARRAY_SIZE(mount_opts) ? mount_opts[i].name : NULL;
}

const char *config_seccomp_arch_name(size_t i)
{
    return i < ARRAY_SIZE(seccomp_arch_names) ? seccomp_arch_names[i] : NULL;
}

const char *config_seccomp_flag_name(size_t i)
{
    return i < ARRAY_SIZE(seccomp_flag_names) ? seccomp_flag_names[i] : NULL;
}

const char *config_mempolicy_mode_name(size_t i)
{
    return i < ARRAY_SIZE(mpol_mode_names) ? mpol_mode_names[i] : NULL;
}

/* (the flag table is sparse: its i-th set entry) */
const char *config_mempolicy_flag_name(size_t i)
{
    for (size_t k = 0; k < ARRAY_SIZE(mpol_flag_names); k++)
        if (mpol_flag_names[k] && i-- == 0)
            return mpol_flag_names[k];
    return NULL;
}
