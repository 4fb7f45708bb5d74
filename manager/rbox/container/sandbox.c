/* sandbox.c - sandbox mode on rbox's side: --timeout, --report, --security-opt; their place in
 * the container's config.json, in the bundle, in inspect; and printing the verdict of a
 * foreground run for --report -. Volumes and tmpfs are in container/mounts.c, profiles in
 * seccomp_profiles.c, the monitor's part in manager/monitor/verdict.c. */
#define _GNU_SOURCE
#include "sandbox.h"
#include "report.h"
#include "runflags.h"
#include "util.h"
#include "volume.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sbx_clear(struct sbx_opts *o)
{
    free(o->report);
    free(o->seccomp);
    free(o->seccomp_text);
    for (size_t i = 0; i < o->n_mounts; i++) {
        free(o->mounts[i].source);
        free(o->mounts[i].dest);
        free(o->mounts[i].options);
    }
    free(o->mounts);
    memset(o, 0, sizeof(*o));
}

int parse_duration(const char *v, const char *flag, int64_t *ns, rbox_err **err)
{
    static const struct {
        const char *unit;
        double ns;
    } units[] = { { "ns", 1 },  { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
                  { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 } };
    double total = 0;
    const char *p = v;
    bool ok = *p != '\0';
    if (strcmp(v, "0") == 0) {
        *ns = 0;
        return 0;
    }
    while (ok && *p) {
        /* digits with an optional fraction (no sign, no exponent), then a unit */
        size_t len = strspn(p, "0123456789.");
        char num[32];
        if (len == 0 || len >= sizeof(num)) {
            ok = false;
            break;
        }
        memcpy(num, p, len);
        num[len] = '\0';
        char *end;
        double n = strtod(num, &end);
        ok = *end == '\0' && strchr(num, '.') == strrchr(num, '.');
        p += len;
        size_t best = 0, best_len = 0;
        for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
            size_t ulen = strlen(units[i].unit);
            if (strncmp(p, units[i].unit, ulen) == 0 && ulen > best_len) {
                best = i;
                best_len = ulen;
            }
        }
        ok = ok && best_len > 0;
        total += n * units[best].ns;
        p += best_len;
    }
    if (!ok || total > 9.2e18)
        return rbox_error(err, 0,
                          "invalid value \"%s\" for %s: expected seconds or a duration such as "
                          "30, 10s, 1m30s or 500ms (units ns, us, ms, s, m, h)",
                          v, flag);
    *ns = (int64_t)total;
    return 0;
}

/* --report FILE: absolute, in an existing directory, not a directory itself. */
static int parse_report(struct sbx_opts *o, const char *v, rbox_err **err)
{
    free(o->report);
    o->report = NULL;
    if (strcmp(v, "-") == 0) {
        o->report = xstrdup(v);
        return 0;
    }
    _cleanup_free_ char *copy1 = xstrdup(v), *copy2 = xstrdup(v);
    const char *dir = dirname(copy1), *base = basename(copy2);
    char real[PATH_MAX];
    struct stat st;
    if (*v == '\0' || strchr(v, '\n') || strcmp(base, "/") == 0 || strcmp(base, ".") == 0 ||
        strcmp(base, "..") == 0)
        return rbox_error(err, 0, "invalid value \"%s\" for --report: expected a file name or -",
                          v);
    if (realpath(dir, real) == NULL)
        return rbox_error(err, errno, "invalid value \"%s\" for --report: directory %s", v, dir);
    _cleanup_free_ char *path = xasprintf("%s/%s", strcmp(real, "/") == 0 ? "" : real, base);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return rbox_error(err, 0, "invalid value \"%s\" for --report: %s is a directory", v, path);
    if (strlen(path) >= REPORT_PATH_MAX)
        return rbox_error(err, 0, "invalid value \"%s\" for --report: the path is too long", v);
    o->report = steal_pointer(&path);
    return 0;
}

static int parse_security_opt(struct sbx_opts *o, const char *v, rbox_err **err)
{
    size_t klen = strcspn(v, "=:");
    const char *val = v[klen] ? v + klen + 1 : NULL;
    if (klen == 7 && strncmp(v, "seccomp", 7) == 0 && val && *val) {
        char *name = NULL, *text = NULL;
        if (strcmp(val, "unrestricted") == 0)
            val = "unconfined"; /* the sandbox users' word for it */
        if (seccomp_profile_check(val, &name, &text, err) < 0)
            return rbox_error_prefix(err, "invalid value \"%s\" for --security-opt", v);
        free(o->seccomp);
        free(o->seccomp_text);
        o->seccomp = name;
        o->seccomp_text = text;
        return 0;
    }
    if (klen == 17 && strncmp(v, "no-new-privileges", 17) == 0 &&
        (val == NULL || strcmp(val, "true") == 0 || strcmp(val, "false") == 0)) {
        o->no_new_privs = val == NULL || strcmp(val, "true") == 0;
        return 0;
    }
    if ((klen == 5 && strncmp(v, "label", 5) == 0) || (klen == 8 && strncmp(v, "apparmor", 8) == 0))
        return rbox_error(err, 0,
                          "invalid value \"%s\" for --security-opt: rbox applies no SELinux or "
                          "AppArmor labels",
                          v);
    return rbox_error(err, 0,
                      "invalid value \"%s\" for --security-opt: use seccomp=PROFILE or "
                      "no-new-privileges[=true|false]",
                      v);
}

int sbx_set_flag(struct sbx_opts *o, const char *flag, const char *v, rbox_err **err)
{
    if (strcmp(flag, "timeout") == 0) {
        int64_t ns;
        /* bare seconds ("30"), as sandbox users type them; else a Go-style duration */
        bool bare = *v && strspn(v, "0123456789.") == strlen(v);
        _cleanup_free_ char *secs = bare ? xasprintf("%ss", v) : NULL;
        if ((secs == NULL || parse_duration(secs, "--timeout", &ns, NULL) < 0) &&
            parse_duration(v, "--timeout", &ns, err) < 0) /* the error names what was typed */
            return -1;
        o->timeout_ns = ns;
        return 0;
    }
    if (strcmp(flag, "report") == 0)
        return parse_report(o, v, err);
    if (strcmp(flag, "security-opt") == 0)
        return parse_security_opt(o, v, err);
    struct sbx_mount m = { 0 };
    int r = strcmp(flag, "volume") == 0  ? parse_volume_flag(v, &m, err)
            : strcmp(flag, "mount") == 0 ? parse_mount_flag(v, &m, err) /* mountflag.c */
                                         : parse_tmpfs_flag(v, &m, err);
    if (r < 0)
        return -1;
    struct stat st;
    if (m.type == SBX_BIND && stat(m.source, &st) < 0) {
        rbox_error(err, errno, "invalid value \"%s\" for --volume: host path %s", v, m.source);
        free(m.source);
        free(m.dest);
        return -1;
    }
    o->mounts = xrealloc(o->mounts, (o->n_mounts + 1) * sizeof(*o->mounts));
    o->mounts[o->n_mounts++] = m;
    return 0;
}

int sbx_finish(struct sbx_opts *o, bool run, bool detach, rbox_err **err)
{
    if (str_eq(o->report, "-") && (!run || detach))
        return rbox_error(err, 0,
                          "--report -: the verdict goes to stdout only when run in the "
                          "foreground (give a FILE with %s)",
                          run ? "-d" : "create");
    for (size_t i = 0; i < o->n_mounts; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(o->mounts[i].dest, o->mounts[k].dest) == 0)
                return rbox_error(err, 0, "duplicate mount point: %s", o->mounts[i].dest);
    return 0;
}

/* ---- config.json ---- */

void sbx_save(json_w *w, const struct sbx_opts *o)
{
    static const char *const types[] = { "bind", "volume", "tmpfs" };
    jw_key(w, "sandbox");
    jw_obj_open(w);
    jw_kint(w, "timeout_ns", o->timeout_ns);
    jw_kstr(w, "report", o->report);
    jw_kstr(w, "seccomp", o->seccomp);
    jw_kbool(w, "no_new_privileges", o->no_new_privs);
    jw_key(w, "mounts");
    jw_arr_open(w);
    for (size_t i = 0; i < o->n_mounts; i++) {
        const struct sbx_mount *m = &o->mounts[i];
        jw_obj_open(w);
        jw_kstr(w, "type", types[m->type]);
        jw_kstr(w, "source", m->source);
        jw_kstr(w, "destination", m->dest);
        jw_kbool(w, "ro", m->ro);
        jw_kstr(w, "options", m->options);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_obj_close(w);
}

static char *dup_str(yajl_val v, const char *key)
{
    const char *s = json_get_str(v, key);
    return s ? xstrdup(s) : NULL;
}

void sbx_load(yajl_val v, struct sbx_opts *o)
{
    memset(o, 0, sizeof(*o));
    if (!YAJL_IS_OBJECT(v))
        return;
    json_get_i64(v, "timeout_ns", &o->timeout_ns);
    o->report = dup_str(v, "report");
    o->seccomp = dup_str(v, "seccomp");
    json_get_bool(v, "no_new_privileges", &o->no_new_privs);
    yajl_val a = json_get(v, "mounts");
    size_t n = YAJL_IS_ARRAY(a) ? a->u.array.len : 0;
    o->mounts = xcalloc(n + 1, sizeof(*o->mounts));
    for (size_t i = 0; i < n; i++) {
        yajl_val e = a->u.array.values[i];
        struct sbx_mount *m = &o->mounts[o->n_mounts];
        const char *type = json_get_str(e, "type");
        m->type = str_eq(type, "volume")  ? SBX_VOLUME
                  : str_eq(type, "tmpfs") ? SBX_TMPFS
                                          : SBX_BIND;
        m->source = dup_str(e, "source");
        m->dest = dup_str(e, "destination");
        json_get_bool(e, "ro", &m->ro);
        m->options = dup_str(e, "options");
        if (m->dest)
            o->n_mounts++;
    }
}

/* ---- the bundle ---- */

bool sbx_no_new_privs(const struct sbx_opts *o)
{
    return o->no_new_privs || seccomp_profile_graded(o->seccomp);
}

int sbx_create_extras(const struct store *st, int ctrfd, const char *id, const struct sbx_opts *o,
                      rbox_err **err)
{
    for (size_t i = 0; i < o->n_mounts; i++)
        if (o->mounts[i].type == SBX_VOLUME &&
            volume_create(st, o->mounts[i].source, id, NULL, err) < 0)
            return -1;
    struct sandbox_conf c = { .timeout_ns = o->timeout_ns };
    /* "-" too: the monitor must read the final counters for the client's verdict */
    if (o->report && (o->report[0] == '/' || str_eq(o->report, "-")))
        CTR_SET(c.report, o->report);
    if (c.timeout_ns == 0 && c.report[0] == '\0')
        return 0; /* no file is the defaults (sandbox_conf_read): one inode fewer per container */
    char buf[REPORT_PATH_MAX + 128];
    int n = sandbox_conf_format(&c, buf, sizeof(buf));
    if (n < 0 || write_file_atomic_at(ctrfd, SANDBOX_CONF, buf, (size_t)n, 0600, false) < 0)
        return rbox_error(err, n < 0 ? E2BIG : errno, "writing %s", SANDBOX_CONF);
    return 0;
}

/* ---- inspect ---- */

void sbx_inspect_host_config(json_w *w, const struct sbx_opts *o)
{
    jw_key(w, "Binds");
    jw_arr_open(w);
    for (size_t i = 0; i < o->n_mounts; i++) {
        const struct sbx_mount *m = &o->mounts[i];
        if (m->type == SBX_TMPFS)
            continue;
        _cleanup_free_ char *b = xasprintf("%s:%s%s", m->source, m->dest, m->ro ? ":ro" : "");
        jw_str(w, b);
    }
    jw_arr_close(w);
    jw_key(w, "Tmpfs");
    jw_obj_open(w);
    for (size_t i = 0; i < o->n_mounts; i++)
        if (o->mounts[i].type == SBX_TMPFS)
            jw_kstr(w, o->mounts[i].dest, o->mounts[i].options);
    jw_obj_close(w);
    jw_key(w, "SecurityOpt");
    jw_arr_open(w);
    _cleanup_free_ char *sc = xasprintf("seccomp=%s", o->seccomp ? o->seccomp : "default");
    jw_str(w, sc);
    if (sbx_no_new_privs(o))
        jw_str(w, "no-new-privileges");
    jw_arr_close(w);
    jw_kint(w, "TimeoutNs", o->timeout_ns);
    jw_kstr(w, "Report", o->report);
}

void sbx_inspect_report(json_w *w, int ctrfd)
{
    _cleanup_free_ char *text = NULL;
    yajl_val v = NULL;
    jw_key(w, "Report");
    if (read_file_at(ctrfd, REPORT_FILE, &text, NULL) < 0 ||
        json_parse(text, REPORT_FILE, &v, NULL) < 0) {
        jw_null(w);
        return;
    }
    jw_value(w, v);
    yajl_tree_free(v);
}

/* ---- --report - ---- */

static struct {
    bool have, failed;
    int code;
    char text[REPORT_MAXLEN];
} kept;

void sbx_report_keep(const char *json, size_t len)
{
    if (len >= sizeof(kept.text))
        len = sizeof(kept.text) - 1;
    memcpy(kept.text, json, len);
    kept.text[len] = '\0';
    kept.have = true;
}

void sbx_report_failed(int code, const rbox_err *err)
{
    kept.failed = true;
    kept.code = code;
    ctr_copy(kept.text, sizeof(kept.text),
             err && err->msg ? err->msg : "the container did not start");
}

void sbx_report_print(const char *id, const char *name)
{
    if (!kept.have && kept.failed) {
        struct verdict v;
        verdict_init(&v, id, name);
        v.exit_code = kept.code;
        CTR_SET(v.error, kept.text);
        kept.have = report_format(&v, kept.text, sizeof(kept.text)) > 0;
    }
    if (!kept.have)
        return;
    fflush(stdout);
    (void)write_all(STDOUT_FILENO, kept.text, strlen(kept.text));
}
