/* seccomp.c - linux.seccomp: compiled with libseccomp in the runtime, loaded with seccomp(2).
 *
 * Compile (runtime, before clone): a libseccomp context gets the default action, the extra
 * architectures and one rule per known syscall name; it is exported as classic BPF into a memfd
 * and kept as a plain instruction array plus the SECCOMP_FILTER_FLAG_* to load it with.
 * Load (init, the last step before execve): one seccomp(SECCOMP_SET_MODE_FILTER) call. With a
 * SCMP_ACT_NOTIFY rule the kernel returns a listener fd; the runtime on the host passes it on to
 * linux.seccomp.listenerPath (seccomp_notify_send).
 */
#define _GNU_SOURCE
/* libseccomp's header before ours (ours renames seccomp_load, see seccomp.h) */
#include <seccomp.h>

#include "fdpass.h"
#include "json.h"
#include "log.h"
#include "seccomp.h"
#include "seccomp_cache.h"
#include "seccomp_enosys.h"

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct seccomp_prog {
    struct sock_fprog fprog;
    unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
};

static const struct {
    const char *name;
    unsigned int flag;
} filter_flags[] = {
    { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
    { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
    { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
    { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
    { "SECCOMP_FILTER_FLAG_NEW_LISTENER", SECCOMP_FILTER_FLAG_NEW_LISTENER },
    { "SECCOMP_FILTER_FLAG_TSYNC_ESRCH", SECCOMP_FILTER_FLAG_TSYNC_ESRCH },
};

static bool takes_errno(enum seccomp_action a)
{
    return a == SECCOMP_ACT_ERRNO || a == SECCOMP_ACT_TRACE;
}

/* The libseccomp action value; errnoRet only for ERRNO/TRACE (EPERM when absent). */
static uint32_t action_value(enum seccomp_action a, opt_u64 ret)
{
    uint16_t e = ret.set ? (uint16_t)ret.v : EPERM;
    switch (a) {
    case SECCOMP_ACT_KILL: return SCMP_ACT_KILL;
    case SECCOMP_ACT_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
    case SECCOMP_ACT_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
    case SECCOMP_ACT_TRAP: return SCMP_ACT_TRAP;
    case SECCOMP_ACT_ERRNO: return SCMP_ACT_ERRNO(e);
    case SECCOMP_ACT_TRACE: return SCMP_ACT_TRACE(e);
    case SECCOMP_ACT_ALLOW: return SCMP_ACT_ALLOW;
    case SECCOMP_ACT_LOG: return SCMP_ACT_LOG;
    case SECCOMP_ACT_NOTIFY: return SCMP_ACT_NOTIFY;
    case SECCOMP_ACT_COUNT: break;
    }
    return SCMP_ACT_KILL_PROCESS;
}

static const enum scmp_compare ops[SECCOMP_OP_COUNT] = {
    [SECCOMP_OP_NE] = SCMP_CMP_NE,
    [SECCOMP_OP_LT] = SCMP_CMP_LT,
    [SECCOMP_OP_LE] = SCMP_CMP_LE,
    [SECCOMP_OP_EQ] = SCMP_CMP_EQ,
    [SECCOMP_OP_GE] = SCMP_CMP_GE,
    [SECCOMP_OP_GT] = SCMP_CMP_GT,
    [SECCOMP_OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/* "SCMP_ARCH_X86_64" -> libseccomp's token ("x86_64"). */
static uint32_t arch_token(const char *name)
{
    const char *p = str_has_prefix(name, "SCMP_ARCH_") ? name + strlen("SCMP_ARCH_") : name;
    char low[32];
    size_t i = 0;
    for (; i < sizeof(low) - 1 && p[i]; i++)
        low[i] = (char)tolower((unsigned char)p[i]);
    low[i] = '\0';
    return seccomp_arch_resolve_name(low);
}

static int add_architectures(scmp_filter_ctx ctx, const struct rbox_seccomp *s, rbox_err **err)
{
    for (size_t i = 0; s->architectures[i]; i++) {
        const char *name = s->architectures[i];
        uint32_t arch = arch_token(name);
        if (arch == 0)
            return rbox_error(err, 0,
                              "linux.seccomp.architectures[%zu]: \"%s\" is not known to "
                              "this libseccomp",
                              i, name);
        int r = seccomp_arch_add(ctx, arch);
        if (r < 0 && r != -EEXIST)
            return rbox_error(err, -r, "linux.seccomp.architectures[%zu]: adding %s", i, name);
    }
    return 0;
}

/* One syscall of one rule. Several conditions on the same argument cannot be ANDed in one
 * libseccomp rule: then each condition becomes its own rule (they are ORed), as runc does. */
static int add_syscall(scmp_filter_ctx ctx, uint32_t act, int nr,
                       const struct rbox_seccomp_rule *rule)
{
    struct scmp_arg_cmp cmp[6];
    bool seen[6] = { false }, repeated = false;
    for (size_t k = 0; k < rule->n_args; k++) {
        const struct rbox_seccomp_arg *a = &rule->args[k];
        repeated = repeated || seen[a->index];
        seen[a->index] = true;
    }
    if (!repeated) { /* then there are at most 6, one per argument */
        for (size_t k = 0; k < rule->n_args; k++) {
            const struct rbox_seccomp_arg *a = &rule->args[k];
            cmp[k] = (struct scmp_arg_cmp){
                .arg = a->index, .op = ops[a->op], .datum_a = a->value, .datum_b = a->value_two
            };
        }
        return seccomp_rule_add_array(ctx, act, nr, (unsigned)rule->n_args, cmp);
    }
    for (size_t k = 0; k < rule->n_args; k++) {
        const struct rbox_seccomp_arg *a = &rule->args[k];
        cmp[0] = (struct scmp_arg_cmp){
            .arg = a->index, .op = ops[a->op], .datum_a = a->value, .datum_b = a->value_two
        };
        int r = seccomp_rule_add_array(ctx, act, nr, 1, cmp);
        if (r < 0)
            return r;
    }
    return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct rbox_seccomp *s, uint32_t def,
                     rbox_err **err)
{
    for (size_t i = 0; i < s->n_syscalls; i++) {
        const struct rbox_seccomp_rule *rule = &s->syscalls[i];
        if (rule->errno_ret.set && !takes_errno(rule->action))
            return rbox_error(err, 0, "linux.seccomp.syscalls[%zu].errnoRet: %s takes no errno", i,
                              seccomp_action_names[rule->action]);
        uint32_t act = action_value(rule->action, rule->errno_ret);
        for (size_t j = 0; rule->names[j]; j++) {
            const char *name = rule->names[j];
            int nr = seccomp_syscall_resolve_name(name);
            if (nr == __NR_SCMP_ERROR) {
                log_debug("seccomp: skipping syscall \"%s\" (unknown to libseccomp %u.%u.%u)", name,
                          SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
                continue;
            }
            /* libseccomp refuses a rule that repeats the default action; it is a no-op anyway */
            if (act == def)
                continue;
            int r = add_syscall(ctx, act, nr, rule);
            if (r < 0)
                return rbox_error(err, -r, "linux.seccomp.syscalls[%zu]: adding %s (%s)", i, name,
                                  seccomp_action_names[rule->action]);
        }
    }
    return 0;
}

static bool uses_notify(const struct rbox_seccomp *s)
{
    bool notify = s->default_action == SECCOMP_ACT_NOTIFY;
    for (size_t i = 0; i < s->n_syscalls; i++)
        notify = notify || s->syscalls[i].action == SECCOMP_ACT_NOTIFY;
    return notify;
}

static int filter_flags_of(const struct rbox_seccomp *s, unsigned int *out, rbox_err **err)
{
    unsigned int flags = 0;
    for (size_t i = 0; s->flags[i]; i++) {
        size_t k = 0;
        while (k < ARRAY_SIZE(filter_flags) && strcmp(filter_flags[k].name, s->flags[i]) != 0)
            k++;
        if (k == ARRAY_SIZE(filter_flags))
            return rbox_error(err, 0, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i,
                              s->flags[i]);
        flags |= filter_flags[k].flag;
    }
    if (uses_notify(s)) {
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        /* TSYNC and NEW_LISTENER together need TSYNC_ESRCH (the init is single-threaded) */
        if (flags & SECCOMP_FILTER_FLAG_TSYNC)
            flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
    *out = flags;
    return 0;
}

/* Export the context as BPF (through a memfd: libseccomp 2.5 writes only to fds). */
static int export_bpf(scmp_filter_ctx ctx, struct seccomp_prog *p, rbox_err **err)
{
    _cleanup_close_ int fd = memfd_create("rbox-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return rbox_error(err, errno, "linux.seccomp: memfd_create");
    int r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return rbox_error(err, -r, "linux.seccomp: exporting the filter");
    struct stat st;
    if (fstat(fd, &st) < 0)
        return rbox_error(err, errno, "linux.seccomp: exporting the filter");
    size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
    if (n == 0 || n * sizeof(struct sock_filter) != (size_t)st.st_size)
        return rbox_error(err, EINVAL, "linux.seccomp: libseccomp exported %lld bytes of BPF",
                          (long long)st.st_size);
    if (n > BPF_MAXINSNS)
        return rbox_error(err, E2BIG,
                          "linux.seccomp: the filter has %zu instructions (the "
                          "kernel's limit is %d)",
                          n, BPF_MAXINSNS);
    struct sock_filter *insns = xcalloc(n, sizeof(*insns));
    if (pread(fd, insns, (size_t)st.st_size, 0) != st.st_size) {
        int saved = errno;
        free(insns);
        return rbox_error(err, saved, "linux.seccomp: reading the exported filter");
    }
    p->fprog.filter = insns;
    p->fprog.len = (unsigned short)n;
    return 0;
}

static int compile(const struct rbox_seccomp *s, struct seccomp_prog *p, rbox_err **err)
{
    uint32_t def = action_value(s->default_action, s->default_errno_ret);
    scmp_filter_ctx ctx = seccomp_init(def);
    if (ctx == NULL)
        return rbox_error(err, EINVAL, "linux.seccomp.defaultAction: %s is not supported here",
                          seccomp_action_names[s->default_action]);
    /* binary-tree dispatch: podman's profile has ~400 syscalls */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    int r = 0;
    if (add_architectures(ctx, s, err) < 0 || add_rules(ctx, s, def, err) < 0 ||
        export_bpf(ctx, p, err) < 0 || seccomp_enosys_stub(s, def, &p->fprog, err) < 0)
        r = -1;
    seccomp_release(ctx);
    return r;
}

int seccomp_compile(const struct rbox_seccomp *s, const char *cache_root, struct seccomp_prog **out,
                    rbox_err **err)
{
    *out = NULL;
    if (!s->present)
        return 0;
    if (s->default_errno_ret.set && !takes_errno(s->default_action))
        return rbox_error(err, 0, "linux.seccomp.defaultErrnoRet: %s takes no errno",
                          seccomp_action_names[s->default_action]);
    struct seccomp_prog *p = xzalloc(sizeof(*p));
    if (filter_flags_of(s, &p->flags, err) < 0) {
        free(p);
        return -1;
    }
    _cleanup_free_ char *key = cache_root ? seccomp_cache_key(s) : NULL;
    unsigned int cached_flags;
    if (key && seccomp_cache_get(cache_root, key, &p->fprog, &cached_flags) == 0 &&
        cached_flags == p->flags) {
        log_debug("seccomp: %u BPF instructions from the cache", p->fprog.len);
        *out = p;
        return 0;
    }
    free(p->fprog.filter);
    p->fprog.filter = NULL;
    if (compile(s, p, err) < 0) {
        seccomp_prog_free(p);
        return -1;
    }
    if (key)
        seccomp_cache_put(cache_root, key, &p->fprog, p->flags);
    log_debug("seccomp: %u BPF instructions, flags 0x%x", p->fprog.len, p->flags);
    *out = p;
    return 0;
}

static char *flag_names(unsigned int flags)
{
    char *s = xstrdup("");
    for (size_t k = 0; k < ARRAY_SIZE(filter_flags); k++) {
        if (!(flags & filter_flags[k].flag))
            continue;
        char *n = xasprintf("%s%s%s", s, *s ? "|" : "", filter_flags[k].name);
        free(s);
        s = n;
    }
    return s;
}

int seccomp_load(const struct seccomp_prog *p, int *notify_fd, rbox_err **err)
{
    *notify_fd = -1;
    if (p == NULL)
        return 0;
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &p->fprog);
    if (r < 0) {
        int saved = errno;
        if (saved == EACCES)
            return rbox_error(err, saved,
                              "loading the seccomp filter (it needs "
                              "noNewPrivileges or CAP_SYS_ADMIN)");
        _cleanup_free_ char *names = flag_names(p->flags);
        if (saved == EINVAL && *names)
            return rbox_error(err, saved,
                              "loading the seccomp filter with %s (is every flag "
                              "supported by this kernel?)",
                              names);
        return rbox_error(err, saved, "loading the seccomp filter");
    }
    if (p->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
        *notify_fd = (int)r; /* the kernel opens it O_CLOEXEC */
    return 0;
}

const char *seccomp_lib_version(void)
{
    static char buf[32];
    const struct scmp_version *v = seccomp_version();
    if (v == NULL)
        return "unknown";
    snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
    return buf;
}

void seccomp_prog_free(struct seccomp_prog *p)
{
    if (p == NULL)
        return;
    free(p->fprog.filter);
    free(p);
}

/* runtime-spec "containerProcessState": what the listener receives along with the fd. */
static char *process_state_json(const struct rbox_seccomp *s, pid_t pid, const char *state_json)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "ociVersion", "1.2.0");
    jw_key(&w, "fds");
    jw_arr_open(&w);
    jw_str(&w, "seccompFd");
    jw_arr_close(&w);
    jw_kint(&w, "pid", pid);
    jw_kstr(&w, "metadata", s->listener_metadata ? s->listener_metadata : "");
    jw_key(&w, "state");
    yajl_val v = NULL;
    if (json_parse(state_json, "state", &v, NULL) == 0)
        jw_value(&w, v);
    else
        jw_null(&w);
    yajl_tree_free(v);
    jw_obj_close(&w);
    char *text = xstrdup(jw_text(&w, NULL));
    jw_free(&w);
    return text;
}

int seccomp_notify_send(const struct rbox_seccomp *s, int notify_fd, pid_t pid,
                        const char *state_json, rbox_err **err)
{
    const char *path = s->listener_path;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (path == NULL || strlen(path) >= sizeof(sa.sun_path))
        return rbox_error(err, ENAMETOOLONG, "linux.seccomp.listenerPath %s", path ? path : "");
    strcpy(sa.sun_path, path);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return rbox_error(err, errno, "linux.seccomp.listenerPath: socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return rbox_error(err, errno, "linux.seccomp.listenerPath: connecting to %s", path);
    _cleanup_free_ char *text = process_state_json(s, pid, state_json);
    ssize_t n = send_fd(fd, text, strlen(text), notify_fd);
    if (n < 0)
        return rbox_error(err, errno, "linux.seccomp.listenerPath: sending the listener fd to %s",
                          path);
    if ((size_t)n != strlen(text))
        return rbox_error(err, EIO, "linux.seccomp.listenerPath: short write to %s", path);
    return 0;
}
