/* system.c - /_ping, /version, /info, /events, /system/df, and the images, volumes and
 * networks that today's store has (list and inspect; volumes also create and remove). */
#define _GNU_SOURCE
#include "api.h"
#include "cmdcore.h"
#include "ctr.h"
#include "image.h"
#include "timearg.h"
#include "network.h"
#include "util.h"
#include "volume.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef RBOX_VERSION
#define RBOX_VERSION "0.0.0"
#endif
#ifndef RBOX_COMMIT
#define RBOX_COMMIT "unknown"
#endif

int api_ping(struct api_req *r)
{
    return api_reply(r, MHD_HTTP_OK, "text/plain; charset=utf-8", "OK", 2);
}

int api_version(struct api_req *r)
{
    struct utsname u;
    uname(&u);
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_key(&w, "Platform");
    jw_obj_open(&w);
    jw_kstr(&w, "Name", "rbox");
    jw_obj_close(&w);
    jw_key(&w, "Components");
    jw_arr_open(&w);
    jw_obj_open(&w);
    jw_kstr(&w, "Name", "Engine");
    jw_kstr(&w, "Version", RBOX_VERSION);
    jw_key(&w, "Details");
    jw_obj_open(&w);
    jw_kstr(&w, "ApiVersion", API_VERSION);
    jw_kstr(&w, "MinAPIVersion", API_MIN_VERSION);
    jw_kstr(&w, "GitCommit", RBOX_COMMIT);
    jw_kstr(&w, "Os", "linux");
    jw_kstr(&w, "Arch", "amd64");
    jw_kstr(&w, "KernelVersion", u.release);
    jw_obj_close(&w);
    jw_obj_close(&w);
    jw_arr_close(&w);
    jw_kstr(&w, "Version", RBOX_VERSION);
    jw_kstr(&w, "ApiVersion", API_VERSION);
    jw_kstr(&w, "MinAPIVersion", API_MIN_VERSION);
    jw_kstr(&w, "GitCommit", RBOX_COMMIT);
    jw_kstr(&w, "GoVersion", "none (C)");
    jw_kstr(&w, "Os", "linux");
    jw_kstr(&w, "Arch", "amd64");
    jw_kstr(&w, "KernelVersion", u.release);
    jw_kstr(&w, "BuildTime", "");
    jw_obj_close(&w);
    return api_json(r, MHD_HTTP_OK, &w);
}

static void count_containers(struct store *s, long *all, long *running, long *paused)
{
    struct ctr_state *v = NULL;
    size_t n = 0;
    *all = *running = *paused = 0;
    api_lock();
    if (ps_load_all(s, true, &v, &n, NULL) == 0)
        for (size_t i = 0; i < n; i++) {
            (*all)++;
            *running += v[i].status == CS_RUNNING;
            *paused += v[i].status == CS_PAUSED;
        }
    api_unlock();
    free(v);
}

int api_info(struct api_req *r)
{
    long all, running, paused;
    count_containers(r->s, &all, &running, &paused);
    struct image *imgs = NULL;
    size_t nimg = 0;
    api_lock();
    if (image_list(r->s, &imgs, &nimg, NULL) < 0)
        nimg = 0;
    api_unlock();
    for (size_t i = 0; i < nimg; i++)
        image_clear(&imgs[i]);
    free(imgs);
    struct utsname u;
    uname(&u);
    struct sysinfo si;
    sysinfo(&si);
    char host[256] = "";
    gethostname(host, sizeof(host) - 1);
    bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "ID", r->s->boot_id);
    jw_kint(&w, "Containers", all);
    jw_kint(&w, "ContainersRunning", running);
    jw_kint(&w, "ContainersPaused", paused);
    jw_kint(&w, "ContainersStopped", all - running - paused);
    jw_kint(&w, "Images", (long long)nimg);
    jw_kstr(&w, "Driver", "overlay");
    jw_kstr(&w, "DockerRootDir", r->s->root);
    jw_kstr(&w, "Name", host);
    jw_kstr(&w, "OperatingSystem", "linux");
    jw_kstr(&w, "OSType", "linux");
    jw_kstr(&w, "OSVersion", "");
    jw_kstr(&w, "Architecture", u.machine);
    jw_kstr(&w, "KernelVersion", u.release);
    jw_kint(&w, "NCPU", sysconf(_SC_NPROCESSORS_ONLN));
    jw_kint(&w, "MemTotal", (long long)si.totalram * si.mem_unit);
    jw_kstr(&w, "ServerVersion", RBOX_VERSION);
    jw_kstr(&w, "CgroupDriver", "cgroupfs");
    jw_kstr(&w, "CgroupVersion", v2 ? "2" : "1");
    jw_kstr(&w, "DefaultRuntime", "rbox-runtime");
    jw_key(&w, "Runtimes");
    jw_obj_open(&w);
    jw_key(&w, "rbox-runtime");
    jw_obj_open(&w);
    jw_kstr(&w, "path", r->s->runtime_bin);
    jw_obj_close(&w);
    jw_obj_close(&w);
    jw_key(&w, "SecurityOptions");
    jw_arr_open(&w);
    jw_str(&w, "name=seccomp,profile=default");
    jw_arr_close(&w);
    jw_key(&w, "Plugins");
    jw_obj_open(&w);
    jw_key(&w, "Volume");
    jw_arr_open(&w);
    jw_str(&w, "local");
    jw_arr_close(&w);
    jw_key(&w, "Network");
    jw_arr_open(&w);
    jw_str(&w, "bridge");
    jw_str(&w, "host");
    jw_str(&w, "none");
    jw_arr_close(&w);
    jw_obj_close(&w);
    jw_key(&w, "RegistryConfig");
    jw_obj_open(&w);
    jw_key(&w, "IndexConfigs");
    jw_obj_open(&w);
    jw_obj_close(&w);
    jw_obj_close(&w);
    jw_key(&w, "Warnings");
    jw_arr_open(&w);
    jw_arr_close(&w);
    jw_obj_close(&w);
    return api_json(r, MHD_HTTP_OK, &w);
}

/* ---- events: the store's event log (rbox events' reader), a thread a listener ---- */

struct ev_listener {
    struct store s;
    struct events_req q;
    char **filters;
    int wfd;
};

/* events_req.emit: a line to the listener's pipe; its reader gone (the client left): stop */
static int ev_emit(void *ud, const char *line, yajl_val ev, rbox_err **err)
{
    (void)ev, (void)err;
    struct ev_listener *l = ud;
    if (line == NULL) {
        struct pollfd p = { l->wfd, 0, 0 };
        return poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP)) ? 0 : 1;
    }
    _cleanup_free_ char *text = xasprintf("%s\n", line);
    return write_all(l->wfd, text, strlen(text)) < 0 ? 0 : 1;
}

static void *ev_thread(void *arg)
{
    struct ev_listener *l = arg;
    rbox_err *err = NULL;
    if (events_run(&l->s, &l->q, &err) < 0)
        rbox_err_free(err);
    close(l->wfd);
    strv_free(l->filters);
    free(l);
    return NULL;
}

static void ev_free(void *cls)
{
    struct api_pipe *p = cls;
    close(p->fd);
    free(p);
    api_busy(-1);
}

/* since= / until=: Unix seconds (with a fraction, as docker sends), RFC 3339, a duration */
static int ev_time(struct api_req *r, const char *key, int64_t *out, rbox_err **err)
{
    const char *v = api_query(r, key);
    *out = 0;
    if (v == NULL || *v == '\0')
        return 0;
    return time_arg_parse(v, key, out, err);
}

/* filters={"type":{"container":true}} or {"type":["container"]}: K=V strings */
static int ev_filters(struct api_req *r, char ***out, rbox_err **err)
{
    size_t n = 0;
    *out = xcalloc(1, sizeof(char *));
    const char *text = api_query(r, "filters");
    if (text == NULL || *text == '\0')
        return 0;
    _cleanup_yajl_ yajl_val f = NULL;
    if (json_parse(text, "filters", &f, err) < 0)
        return -1;
    if (!YAJL_IS_OBJECT(f))
        return rbox_error(err, 0, "filters: not a JSON object");
    for (size_t i = 0; i < f->u.object.len; i++) {
        yajl_val v = f->u.object.values[i];
        size_t m = YAJL_IS_OBJECT(v) ? v->u.object.len : YAJL_IS_ARRAY(v) ? v->u.array.len : 0;
        for (size_t j = 0; j < m; j++) {
            const char *val =
                YAJL_IS_OBJECT(v) ? v->u.object.keys[j] : YAJL_GET_STRING(v->u.array.values[j]);
            if (val == NULL)
                continue;
            char *kv = xasprintf("%s=%s", f->u.object.keys[i], val);
            strv_push(out, &n, kv);
            if (events_filter_check(kv, err) < 0)
                return -1;
        }
    }
    return 0;
}

int api_events(struct api_req *r)
{
    struct ev_listener *l = xzalloc(sizeof(*l));
    rbox_err *err = NULL;
    if (ev_time(r, "since", &l->q.since, &err) < 0 || ev_time(r, "until", &l->q.until, &err) < 0 ||
        ev_filters(r, &l->filters, &err) < 0) {
        strv_free(l->filters);
        free(l);
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    }
    /* no since: the events from this request on (until alone reads the log from its start, as
     * rbox events does) */
    if (l->q.since == 0 && l->q.until == 0)
        l->q.since = now_ns_realtime();
    l->q.filters = l->filters;
    l->q.emit = ev_emit;
    l->q.ud = l;
    api_store_copy(&l->s, r->s);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        strv_free(l->filters);
        free(l);
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "pipe: %s", strerror(errno));
    }
    l->wfd = p[1];
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, ev_thread, l);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        close(p[0]);
        close(p[1]);
        strv_free(l->filters);
        free(l);
        return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "thread: %s", strerror(rc));
    }
    api_busy(1);
    struct api_pipe *ap = xzalloc(sizeof(*ap));
    ap->fd = p[0];
    ap->client = api_conn_fd(r);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, api_pipe_read, ap, ev_free);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Api-Version", API_VERSION);
    int ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- images ---- */

static void image_summary(json_w *w, const struct image *img)
{
    jw_obj_open(w);
    _cleanup_free_ char *id = xasprintf("sha256:%s", img->id);
    jw_kstr(w, "Id", id);
    jw_kstr(w, "ParentId", "");
    jw_kstrv(w, "RepoTags", img->tags ? img->tags : (char *[]){ NULL });
    jw_key(w, "RepoDigests");
    jw_arr_open(w);
    jw_arr_close(w);
    jw_kint(w, "Created", img->created_ns / 1000000000);
    jw_kint(w, "Size", (long long)img->size);
    jw_kint(w, "VirtualSize", (long long)img->size);
    jw_kint(w, "SharedSize", -1);
    jw_key(w, "Labels");
    jw_obj_open(w);
    jw_obj_close(w);
    jw_kint(w, "Containers", -1);
    jw_obj_close(w);
}

int api_images_list(struct api_req *r)
{
    struct image *imgs = NULL;
    size_t n = 0;
    rbox_err *err = NULL;
    api_lock();
    int rc = image_list(r->s, &imgs, &n, &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    json_w w;
    jw_init(&w, false);
    jw_arr_open(&w);
    for (size_t i = 0; i < n; i++) {
        image_summary(&w, &imgs[i]);
        image_clear(&imgs[i]);
    }
    free(imgs);
    jw_arr_close(&w);
    return api_json(r, MHD_HTTP_OK, &w);
}

/* POST /images/create?fromImage=NAME[&tag=TAG]: `rbox pull` (rbox-registry into the store),
 * answered with docker's progress stream: its last status line, or its error. */
int api_image_create(struct api_req *r)
{
    const char *from = api_query(r, "fromImage"), *tag = api_query(r, "tag");
    if (from == NULL || *from == '\0')
        return api_error(r, MHD_HTTP_BAD_REQUEST,
                         "fromImage is required (import is not supported)");
    _cleanup_free_ char *ref =
        tag && *tag ? xasprintf("%s%c%s", from, str_has_prefix(tag, "sha256:") ? '@' : ':', tag)
                    : xstrdup(from);
    /* rbox pull itself (no service lock held: a pull takes as long as the registry does) */
    char *args[] = { "pull", "--quiet", ref, NULL };
    _cleanup_free_ char *out = NULL, *why = NULL;
    int code = api_rbox(r, args, -1, -1, &out, &why);
    if (code != 0)
        return api_rbox_fail(r, code, why, MHD_HTTP_NOT_FOUND);
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    _cleanup_free_ char *st = xasprintf("Status: Downloaded newer image for %s", ref);
    jw_kstr(&w, "status", st);
    jw_obj_close(&w);
    return api_json(r, MHD_HTTP_OK, &w);
}

int api_image_inspect(struct api_req *r)
{
    /* images/NAME.../json: the name may hold slashes */
    _cleanup_free_ char *ref = xstrdup(r->seg[1]);
    for (size_t i = 2; i + 1 < r->nseg; i++) {
        char *t = xasprintf("%s/%s", ref, r->seg[i]);
        free(ref);
        ref = t;
    }
    struct image img = { 0 };
    rbox_err *err = NULL;
    api_lock();
    int rc = image_resolve(r->s, ref, &img, &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_NOT_FOUND);
    /* the store's own inspect object (rbox image inspect's), docker's keys */
    api_lock();
    _cleanup_free_ char *text = image_json(r->s, &img, false);
    api_unlock();
    image_clear(&img);
    return api_reply(r, MHD_HTTP_OK, "application/json", text, strlen(text));
}

/* ---- volumes ---- */

static int volumes_json(struct api_req *r, json_w *w, rbox_err **err)
{
    _cleanup_strv_ char **names = NULL;
    size_t n = 0;
    if (volume_list(r->s, &names, &n, err) < 0)
        return -1;
    jw_arr_open(w);
    for (size_t i = 0; i < n; i++) {
        struct volume v;
        if (volume_load(r->s, names[i], &v, NULL) == 0) {
            volume_json(w, &v);
            volume_clear(&v);
        }
    }
    jw_arr_close(w);
    return 0;
}

int api_volumes_list(struct api_req *r)
{
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_key(&w, "Volumes");
    rbox_err *err = NULL;
    api_lock();
    int rc = volumes_json(r, &w, &err);
    api_unlock();
    if (rc < 0) {
        jw_free(&w);
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    }
    jw_key(&w, "Warnings");
    jw_arr_open(&w);
    jw_arr_close(&w);
    jw_obj_close(&w);
    return api_json(r, MHD_HTTP_OK, &w);
}

static int volume_answer(struct api_req *r, const char *name, unsigned status)
{
    struct volume v;
    rbox_err *err = NULL;
    api_lock();
    int rc = volume_load(r->s, name, &v, &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_NOT_FOUND);
    json_w w;
    jw_init(&w, false);
    volume_json(&w, &v);
    volume_clear(&v);
    return api_json(r, status, &w);
}

int api_volume_create(struct api_req *r)
{
    _cleanup_yajl_ yajl_val body = NULL;
    rbox_err *err = NULL;
    if (*r->body && json_parse(r->body, "the request body", &body, &err) < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    const char *name = json_get_str(body, "Name"), *driver = json_get_str(body, "Driver");
    if (driver && *driver && strcmp(driver, "local") != 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "volume driver \"%s\": only local", driver);
    char generated[ID_LEN + 1];
    id_generate(generated);
    if (name == NULL || *name == '\0')
        name = generated;
    api_lock();
    int rc = volume_name_validate(name, &err);
    if (rc == 0)
        rc = store_lock(r->s, &err);
    if (rc == 0) {
        rc = volume_create(r->s, name, NULL, NULL, &err);
        store_unlock(r->s);
    }
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    return volume_answer(r, name, MHD_HTTP_CREATED);
}

int api_volume_inspect(struct api_req *r)
{
    return volume_answer(r, r->seg[1], MHD_HTTP_OK);
}

int api_volume_remove(struct api_req *r)
{
    rbox_err *err = NULL;
    api_lock();
    int rc = volume_remove(r->s, r->seg[1], api_qbool(r, "force"), &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    return api_no_content(r);
}

/* ---- networks ---- */

int api_networks_list(struct api_req *r)
{
    struct network *v = NULL;
    size_t n = 0;
    rbox_err *err = NULL;
    api_lock();
    int rc = network_list(r->s, &v, &n, &err);
    json_w w;
    jw_init(&w, false);
    jw_arr_open(&w);
    for (size_t i = 0; rc == 0 && i < n; i++)
        network_inspect_json(r->s, &w, &v[i]);
    jw_arr_close(&w);
    if (rc == 0)
        network_list_free(v, n);
    api_unlock();
    if (rc < 0) {
        jw_free(&w);
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    }
    return api_json(r, MHD_HTTP_OK, &w);
}

int api_network_inspect(struct api_req *r)
{
    struct network n;
    rbox_err *err = NULL;
    api_lock();
    int rc = network_load(r->s, r->seg[1], &n, &err);
    json_w w;
    jw_init(&w, false);
    if (rc == 0) {
        network_inspect_json(r->s, &w, &n);
        network_clear(&n);
    }
    api_unlock();
    if (rc < 0) {
        jw_free(&w);
        return api_fail(r, err, MHD_HTTP_NOT_FOUND);
    }
    return api_json(r, MHD_HTTP_OK, &w);
}

/* ---- /system/df: what the store holds (sizes rbox does not measure are -1) ---- */

int api_df(struct api_req *r)
{
    struct image *imgs = NULL;
    size_t n = 0;
    long long total = 0;
    api_lock();
    if (image_list(r->s, &imgs, &n, NULL) < 0)
        n = 0;
    api_unlock();
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_key(&w, "Images");
    jw_arr_open(&w);
    for (size_t i = 0; i < n; i++) {
        total += (long long)imgs[i].size;
        image_summary(&w, &imgs[i]);
        image_clear(&imgs[i]);
    }
    free(imgs);
    jw_arr_close(&w);
    jw_kint(&w, "LayersSize", total);
    jw_key(&w, "Containers");
    jw_arr_open(&w);
    jw_arr_close(&w);
    jw_key(&w, "Volumes");
    rbox_err *err = NULL;
    api_lock();
    if (volumes_json(r, &w, &err) < 0) {
        rbox_err_free(err);
        jw_arr_open(&w);
        jw_arr_close(&w);
    }
    api_unlock();
    jw_key(&w, "BuildCache");
    jw_arr_open(&w);
    jw_arr_close(&w);
    jw_obj_close(&w);
    return api_json(r, MHD_HTTP_OK, &w);
}
