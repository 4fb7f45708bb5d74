/* logopts.c - --log-driver and --log-opt (logopts.h). */
#define _GNU_SOURCE
#include "logopts.h"
#include "conf.h"
#include "runflags.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_max_file(const char *v, const char *where, int *out, rbox_err **err)
{
    int n;
    if (parse_int(v, &n) < 0 || n < 1 || n > 1000)
        return rbox_error(
            err, 0, "invalid value \"%s\" for %s: expected a number of files (1-1000)", v, where);
    *out = n;
    return 0;
}

static int parse_max_size(const char *v, const char *where, int64_t *out, rbox_err **err)
{
    if (rf_parse_size(v, where, out, err) < 0)
        return -1;
    if (*out < 1024)
        return rbox_error(err, 0, "invalid value \"%s\" for %s: at least 1k", v, where);
    return 0;
}

bool log_opts_flag(struct log_opts *o, const char *name, const char *v, rbox_err **err, int *rc)
{
    *rc = 0;
    if (str_eq(name, "log-driver")) {
        /* rbox's log is k8s-file; json-file is docker's name for a rotated file log */
        if (!str_eq(v, "k8s-file") && !str_eq(v, "json-file"))
            *rc = rbox_error(err, 0,
                             "invalid value \"%s\" for --log-driver: rbox writes k8s-file logs "
                             "(json-file is accepted as its docker name)",
                             v);
        return true;
    }
    if (!str_eq(name, "log-opt"))
        return false;
    o->given = true;
    if (str_has_prefix(v, "max-size="))
        *rc = parse_max_size(v + 9, "--log-opt max-size", &o->max_size, err);
    else if (str_has_prefix(v, "max-file="))
        *rc = parse_max_file(v + 9, "--log-opt max-file", &o->max_file, err);
    else
        *rc = rbox_error(err, 0,
                         "invalid value \"%s\" for --log-opt: use max-size=SIZE or max-file=N", v);
    return true;
}

int log_opts_finish(struct log_opts *o, rbox_err **err)
{
    if (!o->given) {
        const struct rbox_conf *conf;
        if (rbox_conf_get(&conf, err) < 0)
            return -1;
        const char *where = conf->path ? conf->path : RBOX_CONF_DEFAULT;
        _cleanup_free_ char *sz = conf->log_max_size ? xasprintf("%s: log_max_size", where) : NULL;
        _cleanup_free_ char *fl = conf->log_max_file ? xasprintf("%s: log_max_file", where) : NULL;
        if ((sz && parse_max_size(conf->log_max_size, sz, &o->max_size, err) < 0) ||
            (fl && parse_max_file(conf->log_max_file, fl, &o->max_file, err) < 0))
            return -1;
    }
    if (o->max_file > 1 && o->max_size == 0)
        return rbox_error(err, 0, "--log-opt max-file needs max-size (docker's rule)");
    if (o->max_file == 0)
        o->max_file = 1;
    return 0;
}

void log_opts_save(json_w *w, const struct log_opts *o)
{
    jw_key(w, "log");
    jw_obj_open(w);
    jw_kint(w, "max_size", o->max_size);
    jw_kint(w, "max_file", o->max_file);
    jw_obj_close(w);
}

void log_opts_load(yajl_val v, struct log_opts *o)
{
    int64_t sz = 0, fl = 1;
    json_get_i64(v, "max_size", &sz);
    json_get_i64(v, "max_file", &fl);
    o->max_size = sz;
    o->max_file = fl > 0 ? (int)fl : 1;
    o->given = false;
}

void log_opts_inspect(json_w *w, const struct log_opts *o)
{
    jw_key(w, "LogConfig");
    jw_obj_open(w);
    jw_kstr(w, "Type", "k8s-file");
    jw_key(w, "Config");
    jw_obj_open(w);
    if (o->max_size) {
        char n[32];
        snprintf(n, sizeof(n), "%lld", (long long)o->max_size);
        jw_kstr(w, "max-size", n);
        snprintf(n, sizeof(n), "%d", o->max_file);
        jw_kstr(w, "max-file", n);
    }
    jw_obj_close(w);
    jw_obj_close(w);
}
