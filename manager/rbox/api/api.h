/* api.h - rbox system service: Docker Engine API v1.41 on a Unix socket (docs/api.md), over
 * libmicrohttpd and the same core as the CLI. server.c owns the socket, the HTTP side and the
 * routing; containers.c, streams.c and system.c hold the endpoints. */
#ifndef RBOX_API_H
#define RBOX_API_H

#include "error.h"
#include "json.h"
#include "store.h"
#include <stdbool.h>
#include <stddef.h>

#define API_VERSION     "1.41"
#define API_MIN_VERSION "1.24"

struct api_opts {
    const char *socket; /* path (ignored with socket activation) */
    int timeout;        /* idle seconds before exiting; 0: never */
    const char *group;  /* socket group (NULL: root's) */
    unsigned mode;      /* socket mode */
};

/* Serve until idle for opts->timeout seconds (or SIGTERM/SIGINT). */
int api_serve(struct store *s, const struct api_opts *o, rbox_err **err);

struct MHD_Connection;

/* One request, once its body is in. */
struct api_req {
    struct MHD_Connection *conn;
    struct store *s;
    const char *method;
    char **seg; /* path segments after the version prefix: "containers", ID, "start" */
    size_t nseg;
    const char *body; /* NUL-terminated (empty when none) */
    size_t body_len;
    int body_fd; /* uploads (images/load, build, archive PUT): the body as a file at offset 0;
                  * else -1 */
};

/* The endpoints: each queues one response and returns MHD_YES/MHD_NO (as an int). */
typedef int (*api_fn)(struct api_req *r);

/* Answers. */
int api_reply(struct api_req *r, unsigned status, const char *ctype, const char *body, size_t len);
int api_json(struct api_req *r, unsigned status, json_w *w); /* frees w */
int api_error(struct api_req *r, unsigned status, const char *fmt, ...) PRINTF(3, 4);
/* An rbox_err as Docker's body and status: "no such ..." 404, conflicts 409, else dflt (400 or
 * 500). Frees err. */
int api_fail(struct api_req *r, rbox_err *err, unsigned dflt);
int api_no_content(struct api_req *r);
/* 200 with fd's size bytes (fd is the answer's: closed when sent). */
int api_file_answer(struct api_req *r, int fd, uint64_t size, const char *ctype);
/* rboxcmd.c: run `rbox --root --runroot ARGS...` (this binary, the service's store) to its end:
 * stdin from in (-1: /dev/null), stdout into out_fd, else into *out (allocated); *errline its
 * last stderr line without "rbox: ". Its exit status, -1 when it could not be run. */
int api_rbox(struct api_req *r, char *const *args, int in, int out_fd, char **out, char **errline);
/* Its failure as Docker's body (api_fail's status rules on errline). */
int api_rbox_fail(struct api_req *r, int code, const char *errline, unsigned dflt);
/* 200 with text (JSON lines) as a chunked stream, as dockerd sends progress. */
int api_stream_reply(struct api_req *r, const char *text);
/* One line of docker's progress stream: {"key": text}\n (allocated). */
char *api_stream_line(const char *key, const char *text);

/* Query parameters. */
const char *api_query(struct api_req *r, const char *key);
bool api_qbool(struct api_req *r, const char *key); /* 1, true, yes; absent: false */
bool api_qbool_def(struct api_req *r, const char *key, bool def);
/* A container reference of the path (seg[1]) resolved to an ID; on failure the 404 is queued
 * and *ret holds the MHD result. */
bool api_resolve(struct api_req *r, char id[ID_LEN + 1], int *ret);

/* A thread's own view of the store: the same directories, but its own store lock (the lock
 * fd in struct store is per holder; flock on a fresh open file excludes the other threads). */
void api_store_copy(struct store *dst, const struct store *src);

/* The service's one lock around the core (the store lock fd, the configuration cache): taken
 * for every core call that does not block for long. */
void api_lock(void);
void api_unlock(void);

/* The request's socket, and whether its client hung up (a stream the client left). */
int api_conn_fd(struct api_req *r);
bool api_client_gone(int fd);
/* Read the next bytes of a stream's pipe for libmicrohttpd (MHD_ContentReaderCallback),
 * ending it when the client hangs up; cls is a struct api_pipe. */
struct api_pipe {
    int fd, client;
};
ssize_t api_pipe_read(void *cls, uint64_t pos, char *buf, size_t max);

/* Hand a hijacked connection's socket to a relay (streams.c): the server frees the
 * connection when done(conn) is called. */
struct api_upgrade;
typedef void (*api_upgrade_fn)(void *ud, int sock, const char *extra, size_t extra_len,
                               struct api_upgrade *up);
int api_upgrade(struct api_req *r, const char *ctype, api_upgrade_fn fn, void *ud);
void api_upgrade_done(struct api_upgrade *up);
/* A connection in use outside libmicrohttpd's count (relays): the idle timer waits for it. */
void api_busy(int delta);

/* Endpoints. */
int api_ping(struct api_req *r);
int api_version(struct api_req *r);
int api_info(struct api_req *r);
int api_events(struct api_req *r);
int api_df(struct api_req *r);
int api_images_list(struct api_req *r);
int api_image_inspect(struct api_req *r);
int api_image_create(struct api_req *r); /* a pull (images/create?fromImage=) */
/* images.c: images/NAME... (names with slashes): the endpoint for method and path, or NULL */
api_fn api_image_route(const char *method, char **seg, size_t nseg);
int api_images_get(struct api_req *r);
int api_images_load(struct api_req *r);
int api_images_prune(struct api_req *r);
int api_build(struct api_req *r); /* build.c */
int api_ctr_pause(struct api_req *r);
int api_ctr_unpause(struct api_req *r);
int api_ctr_changes(struct api_req *r);
int api_ctr_export(struct api_req *r);
int api_ctr_update(struct api_req *r);
int api_commit(struct api_req *r);
int api_ctr_archive_head(struct api_req *r); /* archive.c */
int api_ctr_archive_get(struct api_req *r);
int api_ctr_archive_put(struct api_req *r);
int api_volumes_prune(struct api_req *r);
int api_networks_prune(struct api_req *r);
int api_volumes_list(struct api_req *r);
int api_volume_create(struct api_req *r);
int api_volume_inspect(struct api_req *r);
int api_volume_remove(struct api_req *r);
int api_networks_list(struct api_req *r);
int api_network_inspect(struct api_req *r);
int api_network_create(struct api_req *r);
int api_network_remove(struct api_req *r);
int api_network_connect(struct api_req *r);
int api_network_disconnect(struct api_req *r);

int api_ctr_create(struct api_req *r);
int api_ctr_list(struct api_req *r);
int api_ctr_inspect(struct api_req *r);
int api_ctr_start(struct api_req *r);
int api_ctr_stop(struct api_req *r);
int api_ctr_restart(struct api_req *r);
int api_ctr_kill(struct api_req *r);
int api_ctr_wait(struct api_req *r);
int api_ctr_delete(struct api_req *r);
int api_ctr_rename(struct api_req *r);
int api_ctr_prune(struct api_req *r);
int api_ctr_top(struct api_req *r);
int api_ctr_stats(struct api_req *r);
int api_ctr_resize(struct api_req *r);

int api_ctr_logs(struct api_req *r);
int api_exec_create(struct api_req *r);
int api_exec_start(struct api_req *r);
int api_exec_inspect(struct api_req *r);
int api_exec_resize(struct api_req *r);
int api_ctr_attach(struct api_req *r);
/* Exit codes the attach relays saw (an --rm container is gone when wait asks): -1 unknown. */
void api_exit_record(const char *id, int code);
int api_exit_recorded(const char *id);
/* start: a client attached before the start (docker run) gets the stream (streams.c) */
int api_start_attached(struct store *s, const char *id, int *code, rbox_err **err);

#endif
