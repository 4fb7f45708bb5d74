/* containers.c - /containers/...: create (Docker's JSON turned into `rbox create` flags, so
 * that the CLI's parser checks them), list, inspect, start, stop, restart, kill, wait, delete,
 * rename, prune. Every change goes through the same core calls as the CLI (ctr.c). */
#define _GNU_SOURCE
#include "api.h"
#include "cmdcore.h"
#include "ctr.h"
#include "proto.h"
#include "signals.h"
#include "util.h"
#include "volume.h"

#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- create ---- */

struct argv_b {
    char **v;
    size_t n;
};

static void arg(struct argv_b *a, const char *fmt, const char *val)
{
    strv_push(&a->v, &a->n, xasprintf(fmt, val));
}

static void arg_num(struct argv_b *a, const char *flag, long long v)
{
    strv_push(&a->v, &a->n, xasprintf("--%s=%lld", flag, v));
}

/* a JSON string or array of strings: each element */
static void each_str(struct argv_b *a, yajl_val v, const char *fmt)
{
    if (YAJL_IS_STRING(v)) {
        arg(a, fmt, YAJL_GET_STRING(v));
        return;
    }
    for (size_t i = 0; YAJL_IS_ARRAY(v) && i < v->u.array.len; i++)
        if (YAJL_IS_STRING(v->u.array.values[i]))
            arg(a, fmt, YAJL_GET_STRING(v->u.array.values[i]));
}

static void each_kv(struct argv_b *a, yajl_val obj, const char *flag, char sep)
{
    for (size_t i = 0; YAJL_IS_OBJECT(obj) && i < obj->u.object.len; i++) {
        const char *val = YAJL_GET_STRING(obj->u.object.values[i]);
        if (val == NULL)
            continue;
        strv_push(&a->v, &a->n, xasprintf("--%s=%s%c%s", flag, obj->u.object.keys[i], sep, val));
        if (sep == ':' && *val == '\0')
            a->v[a->n - 1][strlen(a->v[a->n - 1]) - 1] = '\0'; /* --tmpfs /run: no options */
    }
}

static void flag_bool(struct argv_b *a, yajl_val obj, const char *key, const char *flag)
{
    bool b;
    if (json_get_bool(obj, key, &b) && b)
        arg(a, "--%s", flag);
}

static void host_config_args(struct argv_b *a, yajl_val h)
{
    int64_t n;
    if (json_get_i64(h, "Memory", &n) && n > 0)
        arg_num(a, "memory", n);
    if (json_get_i64(h, "MemorySwap", &n) && n != 0)
        arg_num(a, "memory-swap", n);
    if (json_get_i64(h, "NanoCpus", &n) && n > 0)
        strv_push(&a->v, &a->n, xasprintf("--cpus=%.9g", (double)n / 1e9));
    if (json_get_i64(h, "CpuShares", &n) && n > 0)
        arg_num(a, "cpu-shares", n);
    if (json_get_i64(h, "PidsLimit", &n) && n > 0)
        arg_num(a, "pids-limit", n);
    if (json_get_i64(h, "ShmSize", &n) && n > 0)
        arg_num(a, "shm-size", n);
    const char *s = json_get_str(h, "CpusetCpus");
    if (s && *s)
        arg(a, "--cpuset-cpus=%s", s);
    s = json_get_str(h, "NetworkMode");
    if (s && *s && strcmp(s, "default") != 0)
        arg(a, "--network=%s", s);
    s = json_get_str(h, "CgroupParent");
    if (s && *s)
        arg(a, "--cgroup-parent=%s", s);
    each_str(a, json_get(h, "Binds"), "--volume=%s");
    each_str(a, json_get(h, "CapAdd"), "--cap-add=%s");
    each_str(a, json_get(h, "CapDrop"), "--cap-drop=%s");
    each_str(a, json_get(h, "Dns"), "--dns=%s");
    each_str(a, json_get(h, "DnsSearch"), "--dns-search=%s");
    each_str(a, json_get(h, "DnsOptions"), "--dns-option=%s");
    each_str(a, json_get(h, "ExtraHosts"), "--add-host=%s");
    each_str(a, json_get(h, "SecurityOpt"), "--security-opt=%s");
    each_str(a, json_get(h, "GroupAdd"), "--group-add=%s");
    each_kv(a, json_get(h, "Sysctls"), "sysctl", '=');
    each_kv(a, json_get(h, "Tmpfs"), "tmpfs", ':');
    flag_bool(a, h, "AutoRemove", "rm");
    flag_bool(a, h, "Privileged", "privileged");
    flag_bool(a, h, "ReadonlyRootfs", "read-only");
    flag_bool(a, h, "Init", "init");
    flag_bool(a, h, "OomKillDisable", "oom-kill-disable");
    yajl_val ul = json_get(h, "Ulimits");
    for (size_t i = 0; YAJL_IS_ARRAY(ul) && i < ul->u.array.len; i++) {
        yajl_val u = ul->u.array.values[i];
        int64_t soft = 0, hard = 0;
        const char *name = json_get_str(u, "Name");
        if (name && json_get_i64(u, "Soft", &soft) && json_get_i64(u, "Hard", &hard))
            strv_push(&a->v, &a->n,
                      xasprintf("--ulimit=%s=%lld:%lld", name, (long long)soft, (long long)hard));
    }
    yajl_val mounts = json_get(h, "Mounts");
    for (size_t i = 0; YAJL_IS_ARRAY(mounts) && i < mounts->u.array.len; i++) {
        yajl_val m = mounts->u.array.values[i];
        const char *type = json_get_str(m, "Type"), *src = json_get_str(m, "Source"),
                   *dst = json_get_str(m, "Target");
        bool ro = false;
        json_get_bool(m, "ReadOnly", &ro);
        strv_push(&a->v, &a->n,
                  xasprintf("--mount=type=%s%s%s,target=%s%s", type ? type : "volume",
                            src && *src ? ",source=" : "", src && *src ? src : "", dst ? dst : "",
                            ro ? ",readonly" : ""));
    }
    /* "80/tcp": [{"HostIp": "", "HostPort": "8080"}] */
    yajl_val pb = json_get(h, "PortBindings");
    for (size_t i = 0; YAJL_IS_OBJECT(pb) && i < pb->u.object.len; i++) {
        yajl_val list = pb->u.object.values[i];
        for (size_t j = 0; YAJL_IS_ARRAY(list) && j < list->u.array.len; j++) {
            const char *ip = json_get_str(list->u.array.values[j], "HostIp");
            const char *hp = json_get_str(list->u.array.values[j], "HostPort");
            bool has_ip = ip && *ip, has_hp = hp && *hp;
            /* IP:HOST:CTR, IP::CTR, HOST:CTR or CTR */
            strv_push(&a->v, &a->n,
                      xasprintf("--publish=%s%s%s%s%s", has_ip ? ip : "", has_ip ? ":" : "",
                                has_hp ? hp : "", has_ip || has_hp ? ":" : "",
                                pb->u.object.keys[i]));
        }
    }
}

/* Docker's create body as `rbox create` arguments. */
static char **create_args(struct api_req *r, yajl_val body, const char **image)
{
    struct argv_b a = { NULL, 0 };
    arg(&a, "%s", "create");
    /* docker's create never pulls (the client pulls through /images/create): 404 when absent */
    arg(&a, "%s", "--pull=never");
    const char *name = api_query(r, "name");
    if (name && *name)
        arg(&a, "--name=%s", name[0] == '/' ? name + 1 : name);
    const char *s = json_get_str(body, "Hostname");
    if (s && *s)
        arg(&a, "--hostname=%s", s);
    s = json_get_str(body, "User");
    if (s && *s)
        arg(&a, "--user=%s", s);
    s = json_get_str(body, "WorkingDir");
    if (s && *s)
        arg(&a, "--workdir=%s", s);
    s = json_get_str(body, "StopSignal");
    if (s && *s)
        arg(&a, "--stop-signal=%s", s);
    int64_t n;
    if (json_get_i64(body, "StopTimeout", &n) && n >= 0)
        arg_num(&a, "stop-timeout", n);
    yajl_val env = json_get(body, "Env");
    for (size_t i = 0; YAJL_IS_ARRAY(env) && i < env->u.array.len; i++) {
        const char *e = YAJL_GET_STRING(env->u.array.values[i]);
        if (e && strchr(e, '=')) /* "K" alone unsets K in docker: nothing to set */
            arg(&a, "--env=%s", e);
    }
    each_kv(&a, json_get(body, "Labels"), "label", '=');
    flag_bool(&a, body, "Tty", "tty");
    flag_bool(&a, body, "OpenStdin", "interactive");
    host_config_args(&a, json_get(body, "HostConfig"));
    /* NetworkingConfig: the aliases of the (one) network */
    yajl_val eps = json_get(json_get(body, "NetworkingConfig"), "EndpointsConfig");
    for (size_t i = 0; YAJL_IS_OBJECT(eps) && i < eps->u.object.len; i++)
        each_str(&a, json_get(eps->u.object.values[i], "Aliases"), "--network-alias=%s");
    yajl_val ep = json_get(body, "Entrypoint");
    size_t skip = 0;
    if (YAJL_IS_STRING(ep)) {
        arg(&a, "--entrypoint=%s", YAJL_GET_STRING(ep));
    } else if (YAJL_IS_ARRAY(ep)) {
        const char *first = ep->u.array.len ? YAJL_GET_STRING(ep->u.array.values[0]) : "";
        arg(&a, "--entrypoint=%s", first ? first : "");
        skip = 1;
    }
    *image = json_get_str(body, "Image");
    arg(&a, "%s", *image ? *image : "");
    /* the entrypoint's other words, then Cmd: the process's arguments in order */
    for (size_t i = skip; YAJL_IS_ARRAY(ep) && i < ep->u.array.len; i++)
        each_str(&a, ep->u.array.values[i], "%s");
    each_str(&a, json_get(body, "Cmd"), "%s");
    return a.v;
}

int api_ctr_create(struct api_req *r)
{
    _cleanup_yajl_ yajl_val body = NULL;
    rbox_err *err = NULL;
    if (json_parse(r->body, "the request body", &body, &err) < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    if (!YAJL_IS_OBJECT(body))
        return api_error(r, MHD_HTTP_BAD_REQUEST, "the request body is not a JSON object");
    const char *image;
    _cleanup_strv_ char **argv = create_args(r, body, &image);
    if (image == NULL || *image == '\0')
        return api_error(r, MHD_HTTP_BAD_REQUEST, "no image given (Image)");
    struct ctr_spec spec;
    struct image img = { 0 };
    api_lock();
    int rc = create_parse_args(r->s, (int)strv_len(argv), argv, &spec, &img, &err);
    bool once;
    if (rc == 0 && json_get_bool(body, "StdinOnce", &once))
        spec.stdin_once = once && spec.open_stdin;
    if (rc == 0) /* docker compose's healthcheck: */
        health_from_json(&spec.health, json_get(body, "Healthcheck"));
    if (rc == 0)
        rc = ctr_create(r->s, &spec, &img, &err);
    api_unlock();
    int ret;
    if (rc != 0) {
        if (rc > 0)
            rbox_error(&err, 0, "invalid request");
        ret = api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    } else {
        json_w w;
        jw_init(&w, false);
        jw_obj_open(&w);
        jw_kstr(&w, "Id", spec.id);
        jw_kstrv(&w, "Warnings", spec.rf.notes ? spec.rf.notes : (char *[]){ NULL });
        jw_obj_close(&w);
        ret = api_json(r, MHD_HTTP_CREATED, &w);
    }
    spec_clear(&spec);
    image_clear(&img);
    return ret;
}

/* ---- list ---- */

/* filters={"status":["exited"],"label":["k=v"],"name":["web"],"id":["abc"]} */
static bool filter_match(yajl_val filters, const struct ctr_state *st, char *const *labels)
{
    for (size_t i = 0; YAJL_IS_OBJECT(filters) && i < filters->u.object.len; i++) {
        const char *key = filters->u.object.keys[i];
        yajl_val vals = filters->u.object.values[i];
        bool any = false, seen = false;
        /* docker also sends {"key": {"value": true}} */
        size_t nv = YAJL_IS_ARRAY(vals)    ? vals->u.array.len
                    : YAJL_IS_OBJECT(vals) ? vals->u.object.len
                                           : 0;
        for (size_t j = 0; j < nv; j++) {
            const char *v = YAJL_IS_ARRAY(vals) ? YAJL_GET_STRING(vals->u.array.values[j])
                                                : vals->u.object.keys[j];
            if (v == NULL)
                continue;
            seen = true;
            if (strcmp(key, "status") == 0)
                any |= strcmp(v, ctr_status_name(st->status)) == 0;
            else if (strcmp(key, "name") == 0)
                any |= strstr(st->name, v[0] == '/' ? v + 1 : v) != NULL;
            else if (strcmp(key, "id") == 0)
                any |= str_has_prefix(st->id, v);
            else if (strcmp(key, "ancestor") == 0)
                any |= strcmp(st->image, v) == 0 || str_has_prefix(st->image_id, v);
            else if (strcmp(key, "label") == 0) {
                /* every label filter must hold: checked one by one */
                bool has = false;
                for (size_t k = 0; labels && labels[k]; k++)
                    has |= strchr(v, '=')
                               ? strcmp(labels[k], v) == 0
                               : str_has_prefix(labels[k], v) && labels[k][strlen(v)] == '=';
                if (!has)
                    return false;
                any = true;
            } else {
                any = true; /* a key rbox does not know: not a restriction */
            }
        }
        if (seen && !any)
            return false;
    }
    return true;
}

static void labels_json(json_w *w, char *const *labels)
{
    jw_key(w, "Labels");
    jw_obj_open(w);
    for (size_t k = 0; labels && labels[k]; k++) {
        const char *eq = strchr(labels[k], '=');
        _cleanup_free_ char *key = xstrndup(labels[k], eq ? (size_t)(eq - labels[k]) : 0);
        jw_kstr(w, key, eq ? eq + 1 : "");
    }
    jw_obj_close(w);
}

static void list_one(struct api_req *r, json_w *w, const struct ctr_state *st,
                     const struct ctr_spec *sp, int64_t now)
{
    char buf[160];
    jw_obj_open(w);
    jw_kstr(w, "Id", st->id);
    jw_key(w, "Names");
    jw_arr_open(w);
    _cleanup_free_ char *name = xasprintf("/%s", st->name);
    jw_str(w, name);
    jw_arr_close(w);
    jw_kstr(w, "Image", st->image);
    _cleanup_free_ char *img = xasprintf("sha256:%s", st->image_id);
    jw_kstr(w, "ImageID", img);
    _cleanup_free_ char *cmd = spec_command_line(sp);
    jw_kstr(w, "Command", cmd ? cmd : st->command);
    jw_kint(w, "Created", st->created_ns / 1000000000);
    jw_key(w, "Ports");
    jw_arr_open(w);
    jw_arr_close(w);
    labels_json(w, sp->rf.labels);
    jw_kstr(w, "State", ctr_status_name(st->status));
    status_text(st, now, buf, sizeof(buf));
    jw_kstr(w, "Status", buf);
    jw_key(w, "HostConfig");
    jw_obj_open(w);
    jw_kstr(w, "NetworkMode", sp->network ? sp->network : "default");
    jw_obj_close(w);
    jw_key(w, "NetworkSettings");
    jw_obj_open(w);
    jw_key(w, "Networks");
    jw_obj_open(w);
    jw_obj_close(w);
    jw_obj_close(w);
    jw_key(w, "Mounts");
    jw_arr_open(w);
    jw_arr_close(w);
    jw_obj_close(w);
    (void)r;
}

int api_ctr_list(struct api_req *r)
{
    _cleanup_yajl_ yajl_val filters = NULL;
    rbox_err *err = NULL;
    const char *f = api_query(r, "filters");
    if (f && *f && json_parse(f, "filters", &filters, &err) < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    int limit = -1;
    const char *l = api_query(r, "limit");
    if (l && *l && parse_int(l, &limit) < 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "invalid limit \"%s\"", l);
    bool all = api_qbool(r, "all") || limit > 0;
    struct ctr_state *v = NULL;
    size_t n = 0;
    api_lock();
    int rc = ps_load_all(r->s, all, &v, &n, &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    /* newest first, as docker */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && v[j - 1].created_ns < v[j].created_ns; j--) {
            struct ctr_state t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    json_w w;
    jw_init(&w, false);
    jw_arr_open(&w);
    int64_t now = now_ns_realtime();
    int shown = 0;
    for (size_t i = 0; i < n && (limit <= 0 || shown < limit); i++) {
        struct ctr_spec sp;
        _cleanup_close_ int fd = ctr_open_dir(r->s, v[i].id, NULL);
        if (fd < 0 || spec_load(fd, &sp, NULL) < 0)
            continue;
        if (filter_match(filters, &v[i], sp.rf.labels)) {
            list_one(r, &w, &v[i], &sp, now);
            shown++;
        }
        spec_clear(&sp);
    }
    jw_arr_close(&w);
    free(v);
    return api_json(r, MHD_HTTP_OK, &w);
}

/* ---- one container ---- */

/* rbox inspect's object with what Docker clients also read: HostConfig.LogConfig. The
 * monitor's log is read as docker reads json-file (the SDK streams run()'s output only for
 * json-file and journald), so that is the driver named here. */
static void docker_inspect(json_w *w, yajl_val v)
{
    jw_obj_open(w);
    for (size_t i = 0; YAJL_IS_OBJECT(v) && i < v->u.object.len; i++) {
        const char *k = v->u.object.keys[i];
        yajl_val x = v->u.object.values[i];
        jw_key(w, k);
        if (strcmp(k, "HostConfig") != 0 || !YAJL_IS_OBJECT(x)) {
            jw_value(w, x);
            continue;
        }
        jw_obj_open(w);
        for (size_t j = 0; j < x->u.object.len; j++) {
            jw_key(w, x->u.object.keys[j]);
            jw_value(w, x->u.object.values[j]);
        }
        jw_key(w, "LogConfig");
        jw_obj_open(w);
        jw_kstr(w, "Type", "json-file");
        jw_key(w, "Config");
        jw_obj_open(w);
        jw_obj_close(w);
        jw_obj_close(w);
        jw_obj_close(w);
    }
    jw_obj_close(w);
}

int api_ctr_inspect(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    json_w w;
    jw_init(&w, false);
    rbox_err *err = NULL;
    api_lock();
    int rc = inspect_container(r->s, id, &w, &err);
    api_unlock();
    _cleanup_yajl_ yajl_val v = NULL;
    if (rc == 0)
        rc = json_parse(jw_text(&w, NULL), "inspect", &v, &err);
    jw_free(&w);
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    jw_init(&w, false);
    docker_inspect(&w, v);
    return api_json(r, MHD_HTTP_OK, &w);
}

int api_ctr_top(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    const char *args = api_query(r, "ps_args");
    if (args && *args && strcmp(args, "-ef") != 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST,
                         "ps_args \"%s\": only ps -ef's columns are supported", args);
    json_w w;
    jw_init(&w, false);
    rbox_err *err = NULL;
    api_lock();
    int rc = top_json(r->s, id, &w, &err);
    api_unlock();
    if (rc < 0) {
        jw_free(&w);
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    }
    return api_json(r, MHD_HTTP_OK, &w);
}

static bool is_up(struct api_req *r, const char *id, struct ctr_state *st)
{
    api_lock();
    int rc = ctr_read(r->s, id, st, NULL);
    api_unlock();
    return rc == 0 && (st->status == CS_RUNNING || st->status == CS_PAUSED);
}

int api_ctr_start(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret, code = EXIT_RBOX;
    if (!api_resolve(r, id, &ret))
        return ret;
    rbox_err *err = NULL;
    int rc = api_start_attached(r->s, id, &code, &err);
    if (rc == 1)
        return api_reply(r, MHD_HTTP_NOT_MODIFIED, NULL, NULL, 0);
    if (rc < 0)
        return api_fail(r, err,
                        code == EXIT_CANNOT || code == EXIT_NOTFOUND
                            ? MHD_HTTP_BAD_REQUEST
                            : MHD_HTTP_INTERNAL_SERVER_ERROR);
    return api_no_content(r);
}

static int stop_timeout(struct api_req *r, int *t)
{
    const char *v = api_query(r, "t");
    *t = -1;
    if (v && *v && (parse_int(v, t) < 0 || *t < -1))
        return -1;
    return 0;
}

int api_ctr_stop(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret, t;
    if (!api_resolve(r, id, &ret))
        return ret;
    if (stop_timeout(r, &t) < 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "invalid t \"%s\": expected seconds",
                         api_query(r, "t"));
    struct ctr_state st;
    if (!is_up(r, id, &st))
        return api_reply(r, MHD_HTTP_NOT_MODIFIED, NULL, NULL, 0);
    rbox_err *err = NULL;
    if (ctr_stop(r->s, id, t, &err) < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    return api_no_content(r);
}

int api_ctr_restart(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret, t, code;
    if (!api_resolve(r, id, &ret))
        return ret;
    if (stop_timeout(r, &t) < 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "invalid t \"%s\": expected seconds",
                         api_query(r, "t"));
    rbox_err *err = NULL;
    struct ctr_state st;
    if (is_up(r, id, &st) && ctr_stop(r->s, id, t, &err) < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    api_lock();
    int rc = ctr_start(r->s, id, 0, NULL, &code, &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    return api_no_content(r);
}

int api_ctr_kill(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret, sig = SIGKILL;
    if (!api_resolve(r, id, &ret))
        return ret;
    const char *s = api_query(r, "signal");
    if (s && *s && (sig = signal_parse(s)) < 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "invalid signal \"%s\"", s);
    rbox_err *err = NULL;
    api_lock();
    int rc = ctr_kill(r->s, id, sig, &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    return api_no_content(r);
}

/* The exit code the monitor sends on the attach socket ("X<code> <signal>"); -1: no monitor,
 * -2: the client (fd) hung up meanwhile. */
static int exit_from_monitor(struct store *s, const char *id, int client)
{
    api_lock();
    int fd = attach_connect(s, id, 0, NULL);
    api_unlock();
    if (fd < 0)
        return -1;
    char msg[PROTO_MSG_MAX + 1];
    int code = -1;
    for (;;) {
        struct pollfd pf[2] = { { fd, POLLIN, 0 }, { client, POLLRDHUP, 0 } };
        if (poll(pf, client >= 0 ? 2 : 1, 1000) < 0 && errno != EINTR)
            break;
        if (!pf[0].revents) {
            if (api_client_gone(client)) {
                code = -2;
                break;
            }
            continue;
        }
        ssize_t n = recv(fd, msg, PROTO_MSG_MAX, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        msg[n] = '\0';
        if (msg[0] == MSG_EXIT) {
            code = atoi(msg + 1);
            break;
        }
    }
    close(fd);
    return code;
}

enum wait_cond { W_NOT_RUNNING, W_NEXT_EXIT, W_REMOVED };

/* Block until the condition holds; the exit code (0 when never known), -2 when the client
 * (fd) hung up first (docker run -d leaves its wait). */
static int wait_for(struct store *s, const char *id, enum wait_cond cond, int client,
                    int64_t started0)
{
    int code = -1;
    /* The state is polled: every 1 ms at first, doubling to 50 ms while nothing changes, so
     * that `docker run`'s wait (made before its start) sees the start, the exit and the
     * removal of a short container at once, and a long wait costs little. */
    unsigned nap = 1000;
    enum ctr_status last = CS_CREATED;
    for (;;) {
        struct ctr_state st;
        api_lock();
        int rc = ctr_read(s, id, &st, NULL);
        api_unlock();
        if (rc < 0) { /* gone: removed (an --rm container by its monitor) */
            /* an attach relay may still be reading the monitor's exit message */
            for (int i = 0; code < 0 && i < 400; i++) {
                code = api_exit_recorded(id);
                if (code < 0)
                    usleep(i < 20 ? 1000 : 5000);
            }
            return code < 0 ? 0 : code;
        }
        if (started0 < 0)
            started0 = st.started_ns;
        if (st.status != last)
            nap = 1000;
        last = st.status;
        if (st.status == CS_RUNNING || st.status == CS_PAUSED) {
            int c = exit_from_monitor(s, id, client);
            if (c == -2)
                return -2;
            if (c >= 0) {
                code = c;
                if (cond != W_REMOVED)
                    return code;
            } else {
                usleep(nap);
                nap = nap < 25000 ? nap * 2 : 50000;
            }
            continue;
        }
        bool ran = code >= 0 || st.started_ns != started0;
        if (cond == W_NOT_RUNNING)
            return st.exit_code;
        if (cond == W_NEXT_EXIT && ran && st.status != CS_CREATED)
            return code >= 0 ? code : st.exit_code;
        if (cond == W_REMOVED && code < 0 && ran && st.status != CS_CREATED)
            code = st.exit_code;
        if (api_client_gone(client))
            return -2;
        usleep(nap);
        nap = nap < 25000 ? nap * 2 : 50000;
    }
}

struct waiter {
    struct store *s, own;
    char id[ID_LEN + 1];
    enum wait_cond cond;
    int client;
    int64_t started0; /* the start time when the request came (-1: unknown) */
    bool sent;
};

/* The answer's body, once the wait is over: the headers went out first, as dockerd sends
 * them (docker run waits for them before it starts the container). */
static ssize_t wait_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct waiter *w = cls;
    if (w->sent)
        return MHD_CONTENT_READER_END_OF_STREAM;
    int code = wait_for(w->s, w->id, w->cond, w->client, w->started0);
    if (code == -2)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    w->sent = true;
    int n = snprintf(buf, max, "{\"StatusCode\":%d,\"Error\":null}\n", code);
    return n;
}

static void wait_free(void *cls)
{
    free(cls);
    api_busy(-1);
}

int api_ctr_wait(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    const char *cond = api_query(r, "condition");
    enum wait_cond c;
    if (cond == NULL || *cond == '\0' || strcmp(cond, "not-running") == 0)
        c = W_NOT_RUNNING;
    else if (strcmp(cond, "next-exit") == 0)
        c = W_NEXT_EXIT;
    else if (strcmp(cond, "removed") == 0)
        c = W_REMOVED;
    else
        return api_error(r, MHD_HTTP_BAD_REQUEST, "invalid condition \"%s\"", cond);
    struct waiter *w = xzalloc(sizeof(*w));
    api_store_copy(&w->own, r->s);
    w->s = &w->own;
    memcpy(w->id, id, sizeof(w->id));
    w->cond = c;
    w->client = api_conn_fd(r);
    /* "next-exit" and "removed" count runs from now: the body is made later (after the
     * headers, once the client may already have started the container), so the start time
     * the container had when the request came is read here */
    w->started0 = -1;
    struct ctr_state st;
    api_lock();
    if (ctr_read(r->s, id, &st, NULL) == 0)
        w->started0 = st.started_ns;
    api_unlock();
    api_busy(1);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 256, wait_read, w, wait_free);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Api-Version", API_VERSION);
    ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

int api_ctr_delete(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    bool force = api_qbool(r, "force"), vols = api_qbool(r, "v");
    rbox_err *err = NULL;
    api_lock();
    _cleanup_strv_ char **names = vols ? volume_names_of(r->s, id) : NULL;
    api_unlock();
    if (ctr_remove(r->s, id, force, &err) < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    api_lock();
    volumes_remove_created_by(r->s, id, names);
    api_unlock();
    return api_no_content(r);
}

int api_ctr_rename(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    const char *name = api_query(r, "name");
    if (name == NULL || *name == '\0')
        return api_error(r, MHD_HTTP_BAD_REQUEST, "no new name given (name)");
    rbox_err *err = NULL;
    api_lock();
    int rc = ctr_rename(r->s, id, name[0] == '/' ? name + 1 : name, &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    return api_no_content(r);
}

int api_ctr_prune(struct api_req *r)
{
    _cleanup_strv_ char **ids = NULL;
    size_t n = 0;
    rbox_err *err = NULL;
    api_lock();
    int rc = ctr_list_ids(r->s, &ids, &n, &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_key(&w, "ContainersDeleted");
    jw_arr_open(&w);
    for (size_t i = 0; i < n; i++) {
        struct ctr_state st;
        api_lock();
        if (ctr_read(r->s, ids[i], &st, NULL) == 0 && st.status != CS_RUNNING &&
            st.status != CS_PAUSED && !st.monitor_pid && ctr_remove(r->s, ids[i], false, NULL) == 0)
            jw_str(&w, ids[i]);
        api_unlock();
    }
    jw_arr_close(&w);
    jw_kint(&w, "SpaceReclaimed", 0);
    jw_obj_close(&w);
    return api_json(r, MHD_HTTP_OK, &w);
}
