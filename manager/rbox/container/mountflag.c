/* mountflag.c - --mount, docker's long syntax for the mounts -v and --tmpfs make (the same
 * struct sbx_mount, so the bundle, inspect and the duplicate check treat them alike):
 *
 *   --mount type=bind,source=/host/path,target=/ctr/path[,readonly]
 *   --mount type=volume,source=NAME,target=/ctr/path[,readonly]      (type=volume: the default)
 *   --mount type=tmpfs,target=/ctr/path[,tmpfs-size=64m][,tmpfs-mode=1770][,readonly]
 *
 * Keys: type; source or src; target, destination or dst; readonly or ro (=true|false|1|0). */
#define _GNU_SOURCE
#include "runflags.h"
#include "sandbox.h"
#include "util.h"
#include "volume.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct mount_keys {
    const char *type, *source, *target, *size, *mode;
    bool ro;
};

static int mount_key(const char *arg, char *kv, struct mount_keys *k, rbox_err **err)
{
    char *val = strchr(kv, '=');
    if (val)
        *val++ = '\0';
    if (strcmp(kv, "readonly") == 0 || strcmp(kv, "ro") == 0) {
        if (val == NULL || strcmp(val, "true") == 0 || strcmp(val, "1") == 0)
            k->ro = true;
        else if (strcmp(val, "false") == 0 || strcmp(val, "0") == 0)
            k->ro = false;
        else
            return rbox_error(err, 0, "invalid value \"%s\" for --mount: %s=%s (use true or false)",
                              arg, kv, val);
        return 0;
    }
    const char **slot =
        strcmp(kv, "type") == 0                               ? &k->type
        : strcmp(kv, "source") == 0 || strcmp(kv, "src") == 0 ? &k->source
        : strcmp(kv, "target") == 0 || strcmp(kv, "destination") == 0 || strcmp(kv, "dst") == 0
            ? &k->target
        : strcmp(kv, "tmpfs-size") == 0 ? &k->size
        : strcmp(kv, "tmpfs-mode") == 0 ? &k->mode
                                        : NULL;
    if (slot == NULL)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --mount: unknown key \"%s\" (use type, "
                          "source, target, readonly, tmpfs-size, tmpfs-mode)",
                          arg, kv);
    if (val == NULL || *val == '\0')
        return rbox_error(err, 0, "invalid value \"%s\" for --mount: %s needs a value", arg, kv);
    *slot = val;
    return 0;
}

static int tmpfs_options(const char *arg, const struct mount_keys *k, char **out, rbox_err **err)
{
    unsigned long mode = 01777;
    if (k->mode) {
        char *end;
        errno = 0;
        mode = strtoul(k->mode, &end, 8);
        if (errno || *end || end == k->mode || mode > 07777)
            return rbox_error(err, 0,
                              "invalid value \"%s\" for --mount: tmpfs-mode=%s (an octal mode "
                              "such as 1777)",
                              arg, k->mode);
    }
    int64_t size = 0;
    if (k->size && rf_parse_size(k->size, "--mount tmpfs-size", &size, err) < 0)
        return -1;
    _cleanup_free_ char *sz = size > 0 ? xasprintf(",size=%" PRId64, size) : xstrdup("");
    *out = xasprintf("%s,nosuid,nodev,noexec,mode=%lo%s", k->ro ? "ro" : "rw", mode, sz);
    return 0;
}

int parse_mount_flag(const char *v, struct sbx_mount *m, rbox_err **err)
{
    memset(m, 0, sizeof(*m));
    _cleanup_free_ char *copy = xstrdup(v);
    struct mount_keys k = { .type = "volume" };
    char *save = NULL;
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save))
        if (mount_key(v, kv, &k, err) < 0)
            return -1;
    if (k.target == NULL)
        return rbox_error(err, 0, "invalid value \"%s\" for --mount: no target", v);
    bool tmpfs = strcmp(k.type, "tmpfs") == 0;
    if (strcmp(k.type, "bind") == 0) {
        struct stat st;
        if (k.source == NULL || k.source[0] != '/')
            return rbox_error(err, 0,
                              "invalid value \"%s\" for --mount: a bind mount needs an absolute "
                              "source",
                              v);
        if (stat(k.source, &st) < 0)
            return rbox_error(err, errno, "invalid value \"%s\" for --mount: bind source path %s",
                              v, k.source);
        m->type = SBX_BIND;
    } else if (strcmp(k.type, "volume") == 0) {
        if (k.source == NULL)
            return rbox_error(err, 0,
                              "invalid value \"%s\" for --mount: a volume needs a source (its "
                              "name; anonymous volumes are not supported)",
                              v);
        if (volume_name_validate(k.source, NULL) < 0)
            return rbox_error(err, 0,
                              "invalid value \"%s\" for --mount: \"%s\" is not a volume name "
                              "([a-zA-Z0-9][a-zA-Z0-9_.-]+)",
                              v, k.source);
        m->type = SBX_VOLUME;
    } else if (tmpfs) {
        if (k.source)
            return rbox_error(err, 0, "invalid value \"%s\" for --mount: a tmpfs has no source", v);
        m->type = SBX_TMPFS;
    } else {
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --mount: unknown type \"%s\" (bind, volume "
                          "or tmpfs)",
                          v, k.type);
    }
    if (!tmpfs && (k.size || k.mode))
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --mount: tmpfs-size and tmpfs-mode are for "
                          "type=tmpfs",
                          v);
    _cleanup_free_ char *dest = NULL, *opts = NULL;
    if (mount_dest_clean("--mount", "target", v, k.target, &dest, err) < 0 ||
        (tmpfs && tmpfs_options(v, &k, &opts, err) < 0))
        return -1;
    m->source = tmpfs ? NULL : xstrdup(k.source);
    m->dest = steal_pointer(&dest);
    m->options = steal_pointer(&opts);
    m->ro = k.ro;
    return 0;
}
