/* mempolicy.c - linux.memoryPolicy: set_mempolicy(2) before exec. */
#define _GNU_SOURCE
#include "mempolicy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_MAX_NODES 1024 /* the kernel's MAX_NUMNODES is at most 1 << 10 */
#define LONG_BITS      (8 * sizeof(unsigned long))

/* "0-3,5" (already checked by the parser) into a bit mask; returns the highest node, -1 on a
 * node out of range. */
static int parse_nodes(const char *s, unsigned long *mask)
{
    int high = -1;
    while (*s) {
        char *end;
        unsigned long a = strtoul(s, &end, 10), b = a;
        if (*end == '-')
            b = strtoul(end + 1, &end, 10);
        if (b >= MPOL_MAX_NODES)
            return -1;
        for (unsigned long n = a; n <= b; n++)
            mask[n / LONG_BITS] |= 1UL << (n % LONG_BITS);
        if ((int)b > high)
            high = (int)b;
        s = *end == ',' ? end + 1 : end;
    }
    return high;
}

int mempolicy_apply(const struct rbox_memory_policy *mp, rbox_err **err)
{
    if (!mp->present)
        return 0;
    unsigned long mask[MPOL_MAX_NODES / LONG_BITS];
    memset(mask, 0, sizeof(mask));
    unsigned long maxnode = 0;
    if (mp->nodes) {
        int high = parse_nodes(mp->nodes, mask);
        if (high < 0)
            return rbox_error(err, EINVAL, "linux.memoryPolicy.nodes: \"%s\": nodes go up to %d",
                              mp->nodes, MPOL_MAX_NODES - 1);
        maxnode = (unsigned long)high + 2; /* the kernel reads maxnode - 1 bits */
    }
    if (syscall(SYS_set_mempolicy, mp->mode | (int)mp->flags, mp->nodes ? mask : NULL, maxnode) < 0)
        return rbox_error(err, errno, "linux.memoryPolicy: set_mempolicy %s%s%s",
                          config_mempolicy_mode_name((size_t)mp->mode),
                          mp->nodes ? " on nodes " : "", mp->nodes ? mp->nodes : "");
    return 0;
}
