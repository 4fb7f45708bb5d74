/* seccomp_cache.h - compiled seccomp filters kept under the state root (see seccomp_cache.c). */
#ifndef RBOX_SECCOMP_CACHE_H
#define RBOX_SECCOMP_CACHE_H

#include "config.h"
#include <linux/filter.h>

/* The full text the compiled program depends on (profile, libseccomp, native arch, build). */
char *seccomp_cache_key(const struct rbox_seccomp *s);
/* 0 and the program (out->filter allocated) when <root>/.seccomp-cache holds exactly this key. */
int seccomp_cache_get(const char *root, const char *key, struct sock_fprog *out,
                      unsigned int *flags);
/* Store a compiled program; failures only cost a later compile (logged at debug level). */
void seccomp_cache_put(const char *root, const char *key, const struct sock_fprog *p,
                       unsigned int flags);

#endif
