/* mounts.c - -v/--volume and --tmpfs: parsing, the bundle's mounts, inspect's Mounts.
 *
 *   -v /host/path:/ctr/path[:ro|rw]   bind mount (the host path must exist)
 *   -v NAME:/ctr/path[:ro|rw]         named volume (created on first use)
 *   --tmpfs /ctr/path[:OPTIONS]       size=, mode=, uid=, gid=, nr_inodes=, ro/rw, exec/noexec,
 *                                     suid/nosuid, dev/nodev (default nosuid,nodev,noexec,
 *                                     mode=1777, as docker)
 * The destination is resolved by rbox-runtime inside the container's root (a symlink in the
 * image cannot send a mount out of it). */
#define _GNU_SOURCE
#include "sandbox.h"
#include "util.h"
#include "volume.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int mount_dest_clean(const char *flag, const char *what, const char *arg, const char *d, char **out,
                     rbox_err **err)
{
    if (d[0] != '/')
        return rbox_error(err, 0, "invalid value \"%s\" for %s: the %s %s must be absolute", arg,
                          flag, what, d);
    char *c = xzalloc(strlen(d) + 2);
    size_t n = 0;
    for (const char *p = d; *p;) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len == 0)
            break;
        if (len == 2 && strncmp(p, "..", 2) == 0) {
            free(c);
            return rbox_error(err, 0, "invalid value \"%s\" for %s: the %s may not contain \"..\"",
                              arg, flag, what);
        }
        if (!(len == 1 && *p == '.')) {
            c[n++] = '/';
            memcpy(c + n, p, len);
            n += len;
        }
        p += len;
    }
    if (n == 0) {
        free(c);
        return rbox_error(err, 0, "invalid value \"%s\" for %s: cannot mount over /", arg, flag);
    }
    *out = c;
    return 0;
}

int parse_volume_flag(const char *v, struct sbx_mount *m, rbox_err **err)
{
    _cleanup_free_ char *copy = xstrdup(v);
    char *src = copy, *dst = strchr(copy, ':'), *mode = NULL;
    memset(m, 0, sizeof(*m));
    if (dst == NULL)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --volume: expected SOURCE:/ctr/path[:ro] "
                          "(anonymous volumes are not supported: name the volume)",
                          v);
    *dst++ = '\0';
    if ((mode = strchr(dst, ':')) != NULL)
        *mode++ = '\0';
    char *save = NULL;
    for (char *o = mode ? strtok_r(mode, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
        if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0)
            m->ro = strcmp(o, "ro") == 0;
        else
            return rbox_error(err, 0,
                              "invalid value \"%s\" for --volume: unknown option \"%s\" "
                              "(use ro or rw)",
                              v, o);
    }
    if (*src == '\0')
        return rbox_error(err, 0, "invalid value \"%s\" for --volume: empty source", v);
    if (src[0] == '/') {
        m->type = SBX_BIND; /* only parsed: sbx_set_flag checks that the host path exists */
    } else {
        if (volume_name_validate(src, NULL) < 0)
            return rbox_error(err, 0,
                              "invalid value \"%s\" for --volume: \"%s\" is neither an absolute "
                              "host path nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)",
                              v, src);
        m->type = SBX_VOLUME;
    }
    if (mount_dest_clean("--volume", "container path", v, dst, &m->dest, err) < 0)
        return -1;
    m->source = xstrdup(src);
    return 0;
}

/* A number with an optional k/m/g suffix (the kernel's syntax), or a percentage for size=. */
static bool size_ok(const char *s, bool percent)
{
    size_t digits = strspn(s, "0123456789");
    if (digits == 0)
        return false;
    const char *rest = s + digits;
    return *rest == '\0' ||
           (rest[1] == '\0' && (strchr("kKmMgG", *rest) || (percent && *rest == '%')));
}

static int tmpfs_option(const char *v, const char *o, bool flag[4], char **data, rbox_err **err)
{
    static const char *const flags[][2] = {
        { "ro", "rw" }, { "nosuid", "suid" }, { "nodev", "dev" }, { "noexec", "exec" }
    };
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
        if (strcmp(o, flags[i][0]) == 0 || strcmp(o, flags[i][1]) == 0) {
            flag[i] = strcmp(o, flags[i][0]) == 0;
            return 0;
        }
    const char *eq = strchr(o, '=');
    const char *val = eq ? eq + 1 : "";
    size_t klen = eq ? (size_t)(eq - o) : strlen(o);
    bool ok;
    if (klen == 4 && strncmp(o, "size", 4) == 0)
        ok = size_ok(val, true);
    else if (klen == 9 && strncmp(o, "nr_inodes", 9) == 0)
        ok = size_ok(val, false);
    else if (klen == 4 && strncmp(o, "mode", 4) == 0)
        ok = *val && strlen(val) <= 4 && strspn(val, "01234567") == strlen(val);
    else if ((klen == 3 && strncmp(o, "uid", 3) == 0) || (klen == 3 && strncmp(o, "gid", 3) == 0))
        ok = *val && strspn(val, "0123456789") == strlen(val) && strlen(val) <= 10;
    else
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --tmpfs: unknown option \"%s\" (use size, "
                          "mode, uid, gid, nr_inodes, ro, rw, exec, noexec, suid, nosuid, dev, "
                          "nodev)",
                          v, o);
    if (!ok || !eq)
        return rbox_error(err, 0, "invalid value \"%s\" for --tmpfs: bad %.*s \"%s\"", v, (int)klen,
                          o, val);
    /* a later value replaces an earlier one */
    _cleanup_free_ char *rest = *data ? xstrdup(*data) : NULL;
    free(*data);
    *data = NULL;
    char *save = NULL;
    for (char *p = rest ? strtok_r(rest, ",", &save) : NULL; p; p = strtok_r(NULL, ",", &save)) {
        if (strncmp(p, o, klen + 1) == 0)
            continue;
        char *d = *data ? xasprintf("%s,%s", *data, p) : xstrdup(p);
        free(*data);
        *data = d;
    }
    char *d = *data ? xasprintf("%s,%s", *data, o) : xstrdup(o);
    free(*data);
    *data = d;
    return 0;
}

int parse_tmpfs_flag(const char *v, struct sbx_mount *m, rbox_err **err)
{
    _cleanup_free_ char *copy = xstrdup(v);
    char *opts = strchr(copy, ':');
    memset(m, 0, sizeof(*m));
    if (opts)
        *opts++ = '\0';
    bool flag[4] = { false, true, true, true }; /* ro, nosuid, nodev, noexec */
    _cleanup_free_ char *data = xstrdup("mode=1777");
    char *save = NULL;
    for (char *o = opts ? strtok_r(opts, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save))
        if (tmpfs_option(v, o, flag, &data, err) < 0)
            return -1;
    if (mount_dest_clean("--tmpfs", "container path", v, copy, &m->dest, err) < 0)
        return -1;
    m->type = SBX_TMPFS;
    m->ro = flag[0];
    m->options = xasprintf("%s,%s,%s,%s,%s", flag[0] ? "ro" : "rw", flag[1] ? "nosuid" : "suid",
                           flag[2] ? "nodev" : "dev", flag[3] ? "noexec" : "exec", data);
    return 0;
}

void sbx_inspect_mounts(json_w *w, const struct store *st, const struct sbx_opts *o)
{
    static const char *const types[] = { "bind", "volume", "tmpfs" };
    for (size_t i = 0; i < o->n_mounts; i++) {
        const struct sbx_mount *m = &o->mounts[i];
        jw_obj_open(w);
        jw_kstr(w, "Type", types[m->type]);
        if (m->type == SBX_VOLUME) {
            jw_kstr(w, "Name", m->source);
            _cleanup_free_ char *src = volume_data_path(st, m->source);
            jw_kstr(w, "Source", src);
        } else {
            jw_kstr(w, "Source", m->type == SBX_TMPFS ? "" : m->source);
        }
        jw_kstr(w, "Destination", m->dest);
        if (m->type == SBX_TMPFS)
            jw_kstr(w, "Options", m->options);
        jw_kbool(w, "RW", !m->ro);
        jw_obj_close(w);
    }
}
