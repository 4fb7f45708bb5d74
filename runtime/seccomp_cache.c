/* seccomp_cache.c - compiled seccomp filters kept under the runtime's state root.
 *
 * Compiling a large profile with libseccomp (docker's or podman's default: ~400 syscalls) costs
 * 10-35 ms, more than everything else a create does. The BPF program only depends on the
 * profile, the libseccomp version and API level, the native architecture and this build, so it
 * is compiled once and kept in <root>/.seccomp-cache/<hash>.bpf. The file holds the full key
 * text, which is compared byte for byte on lookup: a hash collision can only cost a compile,
 * never return another profile's filter. The directory is the state root's (0700, owned by the
 * runtime's user); a damaged entry is ignored and rewritten.
 */
#define _GNU_SOURCE
#include "seccomp_cache.h"
#include "log.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_DIR   ".seccomp-cache"
#define CACHE_MAGIC "RBXSC2\n"
#define CACHE_MAX   128 /* entries; past that the directory is emptied first */
#define BUILD_STAMP RBOX_VERSION " " RBOX_COMMIT " " __DATE__ " " __TIME__

struct strbuf {
    char *s;
    size_t len, cap;
};

static void sb_add(struct strbuf *b, const char *fmt, ...) PRINTF(2, 3);
static void sb_add(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap * 2 + (size_t)(n > 0 ? n : 0) + 64;
        b->s = xrealloc(b->s, b->cap);
    }
}

static void sb_opt(struct strbuf *b, opt_u64 v)
{
    if (v.set)
        sb_add(b, " %llu", (unsigned long long)v.v);
    else
        sb_add(b, " -");
}

char *seccomp_cache_key(const struct rbox_seccomp *s)
{
    struct strbuf b = { .s = xmalloc(4096), .cap = 4096 };
    const struct scmp_version *v = seccomp_version();
    sb_add(&b, "build %s\nlibseccomp %u.%u.%u api %u native %u\n", BUILD_STAMP, v->major, v->minor,
           v->micro, seccomp_api_get(), seccomp_arch_native());
    sb_add(&b, "default %d", s->default_action);
    sb_opt(&b, s->default_errno_ret);
    sb_add(&b, "\n");
    for (size_t i = 0; s->architectures && s->architectures[i]; i++)
        sb_add(&b, "arch %s\n", s->architectures[i]);
    for (size_t i = 0; s->flags && s->flags[i]; i++)
        sb_add(&b, "flag %s\n", s->flags[i]);
    for (size_t i = 0; i < s->n_syscalls; i++) {
        const struct rbox_seccomp_rule *r = &s->syscalls[i];
        sb_add(&b, "rule %d", r->action);
        sb_opt(&b, r->errno_ret);
        for (size_t k = 0; k < r->n_args; k++)
            sb_add(&b, " arg%u:%d:%llu:%llu", r->args[k].index, r->args[k].op,
                   (unsigned long long)r->args[k].value, (unsigned long long)r->args[k].value_two);
        for (size_t k = 0; r->names && r->names[k]; k++)
            sb_add(&b, " %s", r->names[k]);
        sb_add(&b, "\n");
    }
    return b.s;
}

/* FNV-1a: only names the file; the key inside decides. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static char *entry_name(const char *key)
{
    return xasprintf("%016llx.bpf", (unsigned long long)fnv1a(key));
}

int seccomp_cache_get(const char *root, const char *key, struct sock_fprog *out,
                      unsigned int *flags)
{
    if (root == NULL)
        return -1;
    _cleanup_free_ char *dir = xasprintf("%s/" CACHE_DIR, root);
    _cleanup_free_ char *name = entry_name(key);
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    if (dfd < 0 || read_file_at(dfd, name, &buf, &len) < 0)
        return -1;
    size_t klen = strlen(key), ml = strlen(CACHE_MAGIC);
    size_t head = ml + klen + 1 + 2 * sizeof(uint32_t);
    if (len < head || memcmp(buf, CACHE_MAGIC, ml) != 0 || memcmp(buf + ml, key, klen + 1) != 0)
        return -1; /* another key with the same hash, or damaged: compile */
    uint32_t f, n;
    memcpy(&f, buf + ml + klen + 1, sizeof(f));
    memcpy(&n, buf + ml + klen + 1 + sizeof(f), sizeof(n));
    if (n == 0 || n > BPF_MAXINSNS || len != head + n * sizeof(struct sock_filter))
        return -1;
    out->len = (unsigned short)n;
    out->filter = xmalloc(n * sizeof(struct sock_filter));
    memcpy(out->filter, buf + head, n * sizeof(struct sock_filter));
    *flags = f;
    return 0;
}

/* Keep the cache bounded: past CACHE_MAX entries, start over. */
static void trim(int dfd)
{
    _cleanup_closedir_ DIR *d = fdopendir(dup(dfd));
    if (d == NULL)
        return;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    if (n < CACHE_MAX)
        return;
    rewinddir(d);
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            unlinkat(dfd, de->d_name, 0);
}

void seccomp_cache_put(const char *root, const char *key, const struct sock_fprog *p,
                       unsigned int flags)
{
    if (root == NULL)
        return;
    _cleanup_free_ char *dir = xasprintf("%s/" CACHE_DIR, root);
    if (mkdir_p(dir, 0700) < 0) {
        log_debug("seccomp cache: %s: %s", dir, rbox_strerror(errno));
        return;
    }
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return;
    trim(dfd);
    size_t klen = strlen(key), ml = strlen(CACHE_MAGIC);
    uint32_t f = flags, n = p->len;
    size_t len = ml + klen + 1 + 2 * sizeof(uint32_t) + n * sizeof(struct sock_filter);
    _cleanup_free_ char *buf = xmalloc(len);
    char *w = buf;
    memcpy(w, CACHE_MAGIC, ml), w += ml;
    memcpy(w, key, klen + 1), w += klen + 1;
    memcpy(w, &f, sizeof(f)), w += sizeof(f);
    memcpy(w, &n, sizeof(n)), w += sizeof(n);
    memcpy(w, p->filter, n * sizeof(struct sock_filter));
    _cleanup_free_ char *name = entry_name(key);
    if (write_file_atomic_at(dfd, name, buf, len, 0600, false) < 0)
        log_debug("seccomp cache: writing %s: %s", name, rbox_strerror(errno));
}
