/* seccomp.c - placeholder until the seccomp backend lands: refuses configs that ask for it. */
#define _GNU_SOURCE
#include "seccomp.h"

#include <errno.h>

int seccomp_compile(const struct rbox_seccomp *s, struct seccomp_prog **out, rbox_err **err)
{
    *out = NULL;
    if (s->present)
        return rbox_error(err, ENOTSUP, "linux.seccomp: not supported by this build yet");
    return 0;
}

int seccomp_load(const struct seccomp_prog *p, int *notify_fd, rbox_err **err)
{
    (void)p;
    *notify_fd = -1;
    (void)err;
    return 0;
}

void seccomp_prog_free(struct seccomp_prog *p)
{
    (void)p;
}
