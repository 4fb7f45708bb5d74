/* stats.c - /containers/ID/stats: docker's stats object from `rbox stats`' samples (the
 * cgroup's counters through rbox-runtime events --stats): one (stream=false, with a sample
 * half a second before as precpu_stats) or one a second until the container stops or the
 * client leaves. */
#define _GNU_SOURCE
#include "api.h"
#include "cmdcore.h"
#include "ctr.h"
#include "util.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- stats: docker's object from `rbox stats`' samples ---- */

/* /proc/stat's first line in ns: docker's system_cpu_usage */
static uint64_t system_cpu_ns(void)
{
    _cleanup_free_ char *text = NULL;
    if (read_file_at(AT_FDCWD, "/proc/stat", &text, NULL) < 0)
        return 0;
    unsigned long long v[8] = { 0 };
    sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
           &v[5], &v[6], &v[7]);
    uint64_t ticks = 0;
    for (int i = 0; i < 8; i++)
        ticks += v[i];
    long hz = sysconf(_SC_CLK_TCK);
    return ticks * (1000000000ull / (uint64_t)(hz > 0 ? hz : 100));
}

static void cpu_json(json_w *w, const char *key, const struct stats_sample *s, uint64_t sys)
{
    jw_key(w, key);
    jw_obj_open(w);
    jw_key(w, "cpu_usage");
    jw_obj_open(w);
    jw_kuint(w, "total_usage", s->cpu_ns);
    jw_kuint(w, "usage_in_kernelmode", 0);
    jw_kuint(w, "usage_in_usermode", 0);
    jw_obj_close(w);
    jw_kuint(w, "system_cpu_usage", sys);
    jw_kint(w, "online_cpus", sysconf(_SC_NPROCESSORS_ONLN));
    jw_obj_close(w);
}

struct stats_job {
    struct store *s, own;
    char id[ID_LEN + 1], name[NAME_MAXLEN + 2];
    bool stream, done;
    int client;
    struct stats_sample prev;
    uint64_t prev_sys;
};

static ssize_t stats_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stats_job *j = cls;
    if (j->done || api_client_gone(j->client))
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (j->prev.t_ns == 0) { /* the first: a sample before, as docker's precpu_stats */
        stats_sample(j->s, j->id, &j->prev);
        j->prev_sys = system_cpu_ns();
    }
    usleep(j->stream ? 1000000 : 500000);
    struct stats_sample cur;
    stats_sample(j->s, j->id, &cur);
    uint64_t sys = system_cpu_ns();
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    char now[48];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    format_time_rfc3339(&ts, now, sizeof(now));
    jw_kstr(&w, "read", now);
    jw_kstr(&w, "name", j->name);
    jw_kstr(&w, "id", j->id);
    jw_key(&w, "pids_stats");
    jw_obj_open(&w);
    jw_kuint(&w, "current", cur.pids);
    jw_obj_close(&w);
    cpu_json(&w, "cpu_stats", &cur, sys);
    cpu_json(&w, "precpu_stats", &j->prev, j->prev_sys);
    jw_key(&w, "memory_stats");
    jw_obj_open(&w);
    jw_kuint(&w, "usage", cur.mem);
    jw_kuint(&w, "max_usage", cur.peak);
    jw_kuint(&w, "limit", cur.limit);
    jw_key(&w, "stats");
    jw_obj_open(&w);
    jw_obj_close(&w);
    jw_obj_close(&w);
    jw_key(&w, "blkio_stats");
    jw_obj_open(&w);
    jw_key(&w, "io_service_bytes_recursive");
    jw_arr_open(&w);
    const char *ops[] = { "read", "write" };
    uint64_t vals[] = { cur.blk_read, cur.blk_write };
    for (int i = 0; i < 2; i++) {
        jw_obj_open(&w);
        jw_kint(&w, "major", 0);
        jw_kint(&w, "minor", 0);
        jw_kstr(&w, "op", ops[i]);
        jw_kuint(&w, "value", vals[i]);
        jw_obj_close(&w);
    }
    jw_arr_close(&w);
    jw_obj_close(&w);
    jw_obj_close(&w);
    size_t len;
    const char *text = jw_text(&w, &len);
    int n = snprintf(buf, max, "%.*s\n", (int)len, text);
    jw_free(&w);
    j->prev = cur;
    j->prev_sys = sys;
    j->done = !j->stream || !cur.ok;
    return n < 0 || (size_t)n >= max ? MHD_CONTENT_READER_END_WITH_ERROR : n;
}

static void stats_free(void *cls)
{
    free(cls);
    api_busy(-1);
}

int api_ctr_stats(struct api_req *r)
{
    char id[ID_LEN + 1];
    int ret;
    if (!api_resolve(r, id, &ret))
        return ret;
    struct ctr_state st;
    api_lock();
    int rc = ctr_read(r->s, id, &st, NULL);
    api_unlock();
    bool up = rc == 0 && (st.status == CS_RUNNING || st.status == CS_PAUSED);
    if (!up && api_qbool_def(r, "stream", true))
        return api_error(r, MHD_HTTP_CONFLICT, "container %s is not running", st.name);
    struct stats_job *j = xzalloc(sizeof(*j));
    api_store_copy(&j->own, r->s);
    j->s = &j->own;
    memcpy(j->id, id, sizeof(j->id));
    snprintf(j->name, sizeof(j->name), "/%s", st.name);
    j->stream = api_qbool_def(r, "stream", true);
    j->client = api_conn_fd(r);
    api_busy(1);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 8192, stats_read, j, stats_free);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Api-Version", API_VERSION);
    ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}
