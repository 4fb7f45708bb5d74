/* healthopts.c - the health check's flags, config and inspect output (healthopts.h). */
#define _GNU_SOURCE
#include "healthopts.h"
#include "healthconf.h"
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void health_clear(struct health_opts *h)
{
    strv_free(h->test);
    memset(h, 0, sizeof(*h));
}

static int parse_positive(const char *v, const char *flag, int64_t *out, rbox_err **err)
{
    if (parse_duration(v, flag, out, err) < 0)
        return -1;
    /* docker: 0 means "inherit" (the image's or the default); below 1ms is refused */
    if (*out != 0 && *out < 1000000)
        return rbox_error(err, 0, "invalid value \"%s\" for %s: at least 1ms (or 0: the default)",
                          v, flag);
    return 0;
}

bool health_flag(struct health_opts *h, const char *name, const char *v, rbox_err **err, int *rc)
{
    *rc = 0;
    if (str_eq(name, "no-healthcheck")) {
        h->no_healthcheck = true;
        return true;
    }
    if (!str_has_prefix(name, "health-"))
        return false;
    h->given = true;
    if (str_eq(name, "health-cmd")) {
        if (*v == '\0') {
            *rc = rbox_error(err, 0, "invalid value \"\" for --health-cmd: a command is needed");
            return true;
        }
        strv_free(h->test);
        h->test = xcalloc(3, sizeof(char *));
        h->test[0] = xstrdup("CMD-SHELL");
        h->test[1] = xstrdup(v);
    } else if (str_eq(name, "health-interval")) {
        *rc = parse_positive(v, "--health-interval", &h->interval_ns, err);
    } else if (str_eq(name, "health-timeout")) {
        *rc = parse_positive(v, "--health-timeout", &h->timeout_ns, err);
    } else if (str_eq(name, "health-start-period")) {
        *rc = parse_positive(v, "--health-start-period", &h->start_period_ns, err);
    } else if (str_eq(name, "health-retries")) {
        if (parse_int(v, &h->retries) < 0 || h->retries < 0)
            *rc = rbox_error(err, 0,
                             "invalid value \"%s\" for --health-retries: expected a number "
                             "(>= 0; 0: the default, 3)",
                             v);
    } else {
        return false;
    }
    return true;
}

int health_finish(struct health_opts *h, rbox_err **err)
{
    if (h->no_healthcheck && h->given)
        return rbox_error(err, 0, "--no-healthcheck conflicts with --health-* options");
    if (h->no_healthcheck) {
        strv_free(h->test);
        h->test = xcalloc(2, sizeof(char *));
        h->test[0] = xstrdup("NONE");
    }
    return 0;
}

void health_resolve(struct health_opts *h, yajl_val image_config)
{
    yajl_val c = json_get(json_get(image_config, "config"), "Healthcheck");
    if (!YAJL_IS_OBJECT(c))
        return;
    if (h->test == NULL) {
        h->test = json_get_strv(c, "Test");
        if (h->test && h->test[0] == NULL) { /* [] : inherit, nothing to inherit from */
            strv_free(h->test);
            h->test = NULL;
        }
    }
    int64_t n;
    if (h->interval_ns == 0 && json_get_i64(c, "Interval", &n) && n > 0)
        h->interval_ns = n;
    if (h->timeout_ns == 0 && json_get_i64(c, "Timeout", &n) && n > 0)
        h->timeout_ns = n;
    if (h->start_period_ns == 0 && json_get_i64(c, "StartPeriod", &n) && n > 0)
        h->start_period_ns = n;
    if (h->retries == 0 && json_get_i64(c, "Retries", &n) && n > 0 && n < 1000000)
        h->retries = (int)n;
}

void health_from_json(struct health_opts *h, yajl_val hc)
{
    if (!YAJL_IS_OBJECT(hc))
        return;
    char **test = json_get_strv(hc, "Test");
    if (test && test[0]) {
        strv_free(h->test);
        h->test = test;
    } else {
        strv_free(test);
    }
    int64_t n;
    if (json_get_i64(hc, "Interval", &n) && n >= 1000000)
        h->interval_ns = n;
    if (json_get_i64(hc, "Timeout", &n) && n >= 1000000)
        h->timeout_ns = n;
    if (json_get_i64(hc, "StartPeriod", &n) && n >= 1000000)
        h->start_period_ns = n;
    if (json_get_i64(hc, "Retries", &n) && n > 0 && n < 1000000)
        h->retries = (int)n;
}

bool health_enabled(const struct health_opts *h)
{
    return h->test && h->test[0] && !str_eq(h->test[0], "NONE") &&
           ((str_eq(h->test[0], "CMD-SHELL") && h->test[1]) ||
            (str_eq(h->test[0], "CMD") && h->test[1]));
}

static void healthcheck_object(json_w *w, const struct health_opts *h)
{
    jw_obj_open(w);
    jw_kstrv(w, "Test", h->test);
    if (h->interval_ns)
        jw_kint(w, "Interval", h->interval_ns);
    if (h->timeout_ns)
        jw_kint(w, "Timeout", h->timeout_ns);
    if (h->start_period_ns)
        jw_kint(w, "StartPeriod", h->start_period_ns);
    if (h->retries)
        jw_kint(w, "Retries", h->retries);
    jw_obj_close(w);
}

void health_save(json_w *w, const struct health_opts *h)
{
    if (h->test == NULL)
        return;
    jw_key(w, "health");
    healthcheck_object(w, h);
}

void health_load(yajl_val v, struct health_opts *h)
{
    memset(h, 0, sizeof(*h));
    if (!YAJL_IS_OBJECT(v))
        return;
    h->test = json_get_strv(v, "Test");
    int64_t n;
    if (json_get_i64(v, "Interval", &n))
        h->interval_ns = n;
    if (json_get_i64(v, "Timeout", &n))
        h->timeout_ns = n;
    if (json_get_i64(v, "StartPeriod", &n))
        h->start_period_ns = n;
    if (json_get_i64(v, "Retries", &n) && n >= 0 && n < 1000000)
        h->retries = (int)n;
}

int health_create_extras(int ctrfd, const struct health_opts *h, rbox_err **err)
{
    if (!health_enabled(h)) {
        unlinkat(ctrfd, HEALTH_CONF, 0);
        return 0;
    }
    char buf[HEALTH_CONF_MAX];
    size_t n = 0;
    int64_t nums[4] = { h->interval_ns ? h->interval_ns : HEALTH_DEFAULT_INTERVAL,
                        h->timeout_ns ? h->timeout_ns : HEALTH_DEFAULT_TIMEOUT, h->start_period_ns,
                        h->retries ? h->retries : HEALTH_DEFAULT_RETRIES };
    for (size_t i = 0; i < 4; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%lld", (long long)nums[i]) + 1;
    const char *shell[] = { "/bin/sh", "-c", h->test[1], NULL };
    char *const *argv = str_eq(h->test[0], "CMD-SHELL") ? (char *const *)shell : h->test + 1;
    for (size_t i = 0; argv[i]; i++) {
        size_t len = strlen(argv[i]) + 1;
        if (n + len > sizeof(buf))
            return rbox_error(err, E2BIG, "the health check command is too long (at most %d bytes)",
                              HEALTH_CONF_MAX - 64);
        memcpy(buf + n, argv[i], len);
        n += len;
    }
    if (write_file_atomic_at(ctrfd, HEALTH_CONF, buf, n, 0600, false) < 0)
        return rbox_error(err, errno, "writing %s", HEALTH_CONF);
    return 0;
}

void health_inspect_config(json_w *w, const struct health_opts *h)
{
    if (h->test == NULL)
        return;
    jw_key(w, "Healthcheck");
    healthcheck_object(w, h);
}

void health_inspect_state(json_w *w, int ctrfd)
{
    if (faccessat(ctrfd, HEALTH_CONF, F_OK, 0) < 0)
        return;
    _cleanup_free_ char *text = NULL;
    yajl_val v = NULL;
    jw_key(w, "Health");
    if (read_file_at(ctrfd, HEALTH_STATE, &text, NULL) < 0 ||
        json_parse(text, HEALTH_STATE, &v, NULL) < 0) {
        jw_obj_open(w); /* never started yet */
        jw_kstr(w, "Status", "starting");
        jw_kint(w, "FailingStreak", 0);
        jw_key(w, "Log");
        jw_arr_open(w);
        jw_arr_close(w);
        jw_obj_close(w);
        return;
    }
    jw_value(w, v);
    yajl_tree_free(v);
}

void health_status(int ctrfd, char *out, size_t len)
{
    out[0] = '\0';
    if (faccessat(ctrfd, HEALTH_CONF, F_OK, 0) < 0)
        return;
    snprintf(out, len, "starting");
    _cleanup_free_ char *text = NULL;
    yajl_val v = NULL;
    if (read_file_at(ctrfd, HEALTH_STATE, &text, NULL) < 0 ||
        json_parse(text, HEALTH_STATE, &v, NULL) < 0)
        return;
    const char *s = json_get_str(v, "Status");
    if (s)
        snprintf(out, len, "%s", s);
    yajl_tree_free(v);
}
