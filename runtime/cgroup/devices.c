/* devices.c - the devices controller: v1 devices.allow/deny, v2 an eBPF program.
 *
 * The effective rules are linux.resources.devices followed by the default allow list (the
 * standard /dev nodes, as runc does), so a config with only a deny-all rule (what podman sends)
 * still reaches /dev/null and friends. The list is first reduced the way the v1 kernel reads
 * it: a rule of type "a" resets everything to allow-all or deny-all; any other rule either
 * adds an exception to that default or takes access away from an identical exception. What
 * remains (a default and exceptions) is written to devices.deny/allow on v1, or compiled into a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup on v2, so both behave alike.
 */
#define _GNU_SOURCE
#include "cgroup_internal.h"
#include "log.h"
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* runc's default allow list: mknod of anything, and the nodes every container gets. */
static const struct rbox_device_rule default_rules[] = {
    { true, 'c', -1, -1, "m" }, { true, 'b', -1, -1, "m" },    { true, 'c', 1, 3, "rwm" },
    { true, 'c', 1, 5, "rwm" }, { true, 'c', 1, 7, "rwm" },    { true, 'c', 1, 8, "rwm" },
    { true, 'c', 1, 9, "rwm" }, { true, 'c', 5, 0, "rwm" },    { true, 'c', 5, 1, "rwm" },
    { true, 'c', 5, 2, "rwm" }, { true, 'c', 136, -1, "rwm" },
};

enum { ACC_M = 1, ACC_R = 2, ACC_W = 4 }; /* = BPF_DEVCG_ACC_MKNOD / READ / WRITE */

struct dev_exception {
    char type; /* 'b' or 'c' */
    int64_t major, minor;
    unsigned access;
};

struct dev_state {
    bool default_allow;
    struct dev_exception *ex;
    size_t n;
};

static unsigned access_bits(const char *a)
{
    return (strchr(a, 'm') ? ACC_M : 0) | (strchr(a, 'r') ? ACC_R : 0) |
           (strchr(a, 'w') ? ACC_W : 0);
}

static void dev_apply(struct dev_state *s, const struct rbox_device_rule *r)
{
    unsigned acc = access_bits(r->access);
    if (r->type == 'a') {
        s->default_allow = r->allow;
        s->n = 0;
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        struct dev_exception *e = &s->ex[i];
        if (e->type != r->type || e->major != r->major || e->minor != r->minor)
            continue;
        if (r->allow == s->default_allow) {
            e->access &= ~acc; /* the rule agrees with the default: narrow the exception */
            if (e->access == 0)
                s->ex[i] = s->ex[--s->n];
        } else {
            e->access |= acc;
        }
        return;
    }
    if (r->allow == s->default_allow)
        return;
    s->ex = xrealloc(s->ex, (s->n + 1) * sizeof(*s->ex));
    s->ex[s->n++] = (struct dev_exception){ r->type, r->major, r->minor, acc };
}

static void dev_reduce(const struct rbox_resources *res, struct dev_state *s)
{
    *s = (struct dev_state){ .default_allow = true };
    for (size_t i = 0; i < res->n_devices; i++)
        dev_apply(s, &res->devices[i]);
    for (size_t i = 0; i < ARRAY_SIZE(default_rules); i++)
        dev_apply(s, &default_rules[i]);
}

static char *exception_string(const struct dev_exception *e)
{
    char maj[24] = "*", min[24] = "*", acc[4];
    size_t n = 0;
    if (e->major >= 0)
        snprintf(maj, sizeof(maj), "%lld", (long long)e->major);
    if (e->minor >= 0)
        snprintf(min, sizeof(min), "%lld", (long long)e->minor);
    if (e->access & ACC_R)
        acc[n++] = 'r';
    if (e->access & ACC_W)
        acc[n++] = 'w';
    if (e->access & ACC_M)
        acc[n++] = 'm';
    acc[n] = '\0';
    return xasprintf("%c %s:%s %s", e->type, maj, min, acc);
}

int cg_v1_devices(const char *dir, const struct rbox_resources *res, rbox_err **err)
{
    struct dev_state s;
    dev_reduce(res, &s);
    _cleanup_free_ struct dev_exception *ex = s.ex;
    if (s.default_allow && s.n == 0)
        return 0; /* a new v1 cgroup already allows everything */
    if (dir == NULL)
        return cg_unsupported("devices", "the devices cgroup controller is not mounted", err);
    const char *reset = s.default_allow ? "devices.allow" : "devices.deny";
    const char *excf = s.default_allow ? "devices.deny" : "devices.allow";
    if (cg_write(dir, reset, "a", "devices", err) < 0)
        return -1;
    for (size_t i = 0; i < s.n; i++) {
        _cleanup_free_ char *rule = exception_string(&s.ex[i]);
        if (cg_write(dir, excf, rule, "devices", err) < 0)
            return -1;
    }
    return 0;
}

/* --- v2: BPF_PROG_TYPE_CGROUP_DEVICE ------------------------------------------------------- */

struct prog {
    struct bpf_insn *in;
    size_t n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    p->in = xrealloc(p->in, (p->n + 1) * sizeof(*p->in));
    p->in[p->n++] =
        (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* Registers after the prologue: r2 = device type, r3 = requested access, r4 = major,
 * r5 = minor (struct bpf_cgroup_dev_ctx: access_type = access << 16 | type, major, minor). */
static void emit_prologue(struct prog *p)
{
    emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
    emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
    emit(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
    emit(p, BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
    emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
    emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
}

/* One exception: when it matches, return the opposite of the default. In a deny-by-default
 * program an exception matches when it grants every requested access bit; in an
 * allow-by-default one when it covers any of them (as the v1 kernel decides). */
static void emit_exception(struct prog *p, const struct dev_exception *e, bool default_allow)
{
    int len = 6 + (e->major >= 0) + (e->minor >= 0);
    int i = 0;
    int devtype = e->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
    emit(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_2, 0, (int16_t)(len - ++i), devtype);
    emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_3, 0, 0);
    i++;
    if (default_allow) {
        emit(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_6, 0, 0, (int32_t)e->access);
        i++;
        emit(p, BPF_JMP32 | BPF_JEQ | BPF_K, BPF_REG_6, 0, (int16_t)(len - ++i), 0);
    } else {
        emit(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_6, 0, 0, (int32_t)(~e->access & 7));
        i++;
        emit(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_6, 0, (int16_t)(len - ++i), 0);
    }
    if (e->major >= 0)
        emit(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_4, 0, (int16_t)(len - ++i), (int32_t)e->major);
    if (e->minor >= 0)
        emit(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_5, 0, (int16_t)(len - ++i), (int32_t)e->minor);
    emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, default_allow ? 0 : 1);
    emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int bpf_prog_load(const struct prog *p, char *log, size_t log_size)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)p->in;
    attr.insn_cnt = (uint32_t)p->n;
    attr.license = (uint64_t)(uintptr_t) "GPL";
    if (log) {
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = (uint32_t)log_size;
        attr.log_level = 1;
    }
    /* BPF fds are always close-on-exec */
    return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

static int bpf_load(const struct prog *p, rbox_err **err)
{
    int fd = bpf_prog_load(p, NULL, 0);
    if (fd >= 0)
        return fd;
    int saved = errno;
    /* again with the verifier's log, whose last line says why */
    size_t size = 1 << 16;
    _cleanup_free_ char *log = xzalloc(size);
    fd = bpf_prog_load(p, log, size);
    if (fd >= 0)
        return fd;
    size_t len = strlen(log);
    while (len > 0 && log[len - 1] == '\n')
        log[--len] = '\0';
    char *last = strrchr(log, '\n');
    last = last ? last + 1 : log;
    return rbox_error(err, saved, "linux.resources.devices: loading the device BPF program%s%s%s",
                      *last ? " (" : "", last, *last ? ")" : "");
}

int cg_v2_devices(const char *dir, const struct rbox_resources *res, rbox_err **err)
{
    struct dev_state s;
    dev_reduce(res, &s);
    _cleanup_free_ struct dev_exception *ex = s.ex;
    if (s.default_allow && s.n == 0)
        return 0; /* no program: everything is allowed */
    /* rootless (a delegated subtree): the kernel loads no device program for a user namespace's
     * root, and needs none there: no mknod, only the nodes bound in (as runc and crun) */
    if (userns_unprivileged()) {
        log_debug("linux.resources.devices: left to the user namespace (rootless)");
        return 0;
    }
    struct prog p = { NULL, 0 };
    emit_prologue(&p);
    for (size_t i = 0; i < s.n; i++)
        emit_exception(&p, &s.ex[i], s.default_allow);
    emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, s.default_allow ? 1 : 0);
    emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    _cleanup_close_ int prog_fd = bpf_load(&p, err);
    free(p.in);
    if (prog_fd < 0)
        return -1;
    _cleanup_close_ int cg_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg_fd < 0)
        return rbox_error(err, errno, "linux.resources.devices: opening %s", dir);
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cg_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0)
        return rbox_error(err, errno, "linux.resources.devices: attaching the device program to %s",
                          dir);
    return 0;
}
