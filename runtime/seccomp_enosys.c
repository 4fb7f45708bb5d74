/* seccomp_enosys.c - ENOSYS for syscalls newer than the profile (see seccomp_enosys.h).
 *
 * The stub, in classic BPF, before libseccomp's program (which starts by loading the arch
 * itself, so the accumulator may be left changed):
 *
 *       ld  [arch]
 *   per architecture A with a highest named syscall MAX(A):
 *       jeq AUDIT_ARCH(A), 0, <next A>
 *       ld  [nr]
 *       jge 0x40000000, <filter>, 0      (x86_64 only: x32 numbers are the filter's business)
 *       jgt MAX(A), <enosys>, <filter>
 *   filter: ja +1
 *   enosys: ret ERRNO(ENOSYS)
 *       ... libseccomp's program ...
 */
#define _GNU_SOURCE
#include <seccomp.h>

#include "log.h"
#include "seccomp_enosys.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define X32_SYSCALL_BIT 0x40000000U
#define MAX_ARCHES      16

struct arch_max {
    uint32_t arch; /* SCMP_ARCH_* == AUDIT_ARCH_* */
    uint32_t max;  /* highest syscall number the profile names on it */
};

/* The highest number any rule's names resolve to on `arch` (0: none). */
static uint32_t highest_named(const struct rbox_seccomp *s, uint32_t arch)
{
    int max = 0;
    for (size_t i = 0; i < s->n_syscalls; i++)
        for (size_t j = 0; s->syscalls[i].names[j]; j++) {
            int nr = seccomp_syscall_resolve_name_arch(arch, s->syscalls[i].names[j]);
            /* negative: unknown, or a pseudo number (a multiplexed call on this arch) */
            if (nr > max)
                max = nr;
        }
    return (uint32_t)max;
}

static size_t arches_of(const struct rbox_seccomp *s, struct arch_max *out)
{
    size_t n = 0;
    uint32_t cand[MAX_ARCHES];
    size_t nc = 0;
    cand[nc++] = seccomp_arch_native();
    for (size_t i = 0; s->architectures && s->architectures[i] && nc < MAX_ARCHES; i++) {
        char low[32];
        const char *p = s->architectures[i];
        if (strncmp(p, "SCMP_ARCH_", 10) == 0)
            p += 10;
        size_t k = 0;
        for (; k < sizeof(low) - 1 && p[k]; k++)
            low[k] = (char)(p[k] >= 'A' && p[k] <= 'Z' ? p[k] - 'A' + 'a' : p[k]);
        low[k] = '\0';
        uint32_t a = seccomp_arch_resolve_name(low);
        if (a != 0)
            cand[nc++] = a;
    }
    for (size_t i = 0; i < nc; i++) {
        /* x32 shares x86_64's AUDIT_ARCH: the x86_64 entry's x32 check leaves it to the filter */
        if (cand[i] == SCMP_ARCH_X32)
            continue;
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup = dup || out[k].arch == cand[i];
        uint32_t max = dup ? 0 : highest_named(s, cand[i]);
        if (max > 0)
            out[n++] = (struct arch_max){ cand[i], max };
    }
    return n;
}

static bool lets_through(uint32_t def)
{
    return def == SCMP_ACT_ALLOW || def == SCMP_ACT_LOG || def == SCMP_ACT_ERRNO(ENOSYS);
}

int seccomp_enosys_stub(const struct rbox_seccomp *s, uint32_t def, struct sock_fprog *prog,
                        rbox_err **err)
{
    struct arch_max am[MAX_ARCHES];
    size_t n = lets_through(def) ? 0 : arches_of(s, am);
    if (n == 0)
        return 0;
    size_t stub_len = 1 + 2; /* ld arch ... ja, ret */
    for (size_t i = 0; i < n; i++)
        stub_len += am[i].arch == SCMP_ARCH_X86_64 ? 4 : 3;
    size_t total = stub_len + prog->len;
    if (total > BPF_MAXINSNS)
        return rbox_error(err, E2BIG,
                          "linux.seccomp: the filter has %zu instructions with the ENOSYS stub "
                          "(the kernel's limit is %d)",
                          total, BPF_MAXINSNS);
    struct sock_filter *f = xcalloc(total, sizeof(*f));
    const size_t to_filter = stub_len - 2, to_enosys = stub_len - 1;
    size_t pc = 0;
    f[pc++] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    for (size_t i = 0; i < n; i++) {
        bool x86_64 = am[i].arch == SCMP_ARCH_X86_64;
        size_t block = x86_64 ? 4 : 3, next = pc + block;
        /* jump offsets count from the next instruction */
        f[pc] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, am[i].arch, 0,
                                             (uint8_t)(next - pc - 1));
        pc++;
        f[pc++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                               offsetof(struct seccomp_data, nr));
        if (x86_64) {
            f[pc] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT,
                                                 (uint8_t)(to_filter - pc - 1), 0);
            pc++;
        }
        f[pc] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, am[i].max,
                                             (uint8_t)(to_enosys - pc - 1),
                                             (uint8_t)(to_filter - pc - 1));
        pc++;
        log_debug("seccomp: ENOSYS above syscall %u on architecture 0x%x", am[i].max, am[i].arch);
    }
    f[pc++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0);
    f[pc++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
    memcpy(f + pc, prog->filter, prog->len * sizeof(*f));
    free(prog->filter);
    prog->filter = f;
    prog->len = (unsigned short)total;
    return 0;
}
