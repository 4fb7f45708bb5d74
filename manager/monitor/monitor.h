/* monitor.h - rbox-monitor's parts: the log writer and the attach server (io.c), the pty (tty.c),
 * the verdict (verdict.c). */
#ifndef RBOX_MONITOR_H
#define RBOX_MONITOR_H

#include "proto.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The k8s-file log: "<RFC3339Nano> stdout|stderr F|P <text>\n". One write per chunk read. */
struct logw {
    int fd;
    size_t n;
    char buf[16384];
    /* A line is whole or absent: a write that fails (a full disk) is cut back to the last
     * record boundary where no stream had an unfinished ("P") line, and nothing more is
     * written in this run. */
    int64_t off;    /* the file's size as written */
    int64_t safe;   /* the last such boundary in the file */
    long bsafe;     /* the last one in buf, -1 when none */
    bool open_p[2]; /* stdout, stderr: a "P" record without its "F" yet */
    int failed;     /* errno of the failed write, 0 while all is well */
    /* --log-opt: rotate at max_size bytes (0: never), keeping max_file files in dirfd */
    int dirfd;
    int64_t max_size;
    int max_file;
};
/* Once the log is open: its current size is the first safe boundary. */
void logw_start(struct logw *w);
void logw_chunk(struct logw *w, const char *stream, const char *data, size_t len);

/* The attach server (io.c; srv_*, where rbox's client side is attach_*): the attached clients in
 * fixed slots, at most one queued message each (backpressure: the monitor stops reading the
 * container's pipes while any client has a queued message). */
#define MAX_CLIENTS 16
struct client {
    int fd;         /* -1: free slot */
    unsigned flags; /* ATTACH_* ; 0 until the client said hello */
    bool hello;
    size_t plen; /* queued message length, 0 when none */
    char pend[PROTO_MSG_MAX];
};
struct srv {
    int listen_fd;
    struct client c[MAX_CLIENTS];
};
void srv_init(struct srv *s, int listen_fd);
/* Accept every pending connection (non-blocking) and read their hellos. */
void srv_accept(struct srv *s);
/* Forward container output: type MSG_STDOUT or MSG_STDERR. */
void srv_forward(struct srv *s, char type, const char *data, size_t len);
bool srv_any_pending(const struct srv *s);
/* Try to send queued messages of client i. */
void srv_flush(struct srv *s, int i);
/* Handle input from client i: returns a signal to deliver (> 0) or 0. */
int srv_read(struct srv *s, int i);
/* Send MSG_EXIT to everyone (waiting briefly for queued data) and close all clients. */
void srv_finish(struct srv *s, int exit_code, int signal);
/* Send one message to client i (queued when the socket is full). */
void srv_send(struct srv *s, int i, const char *msg, size_t len);
/* MSG_EXEC from client i (monitor.c): run rbox-runtime exec --detach, answer MSG_EXEC_ANSWER. */
void monitor_exec_request(struct srv *s, int i, char *payload, size_t len);

/* The container's input (tty.c): the pty master or the stdin pipe. */
int mtty_init(bool tty, bool open_stdin); /* -1: pipe failed */
int mtty_child_stdin(void);               /* the pipe's read end for `rbox-runtime create`, or -1 */
void mtty_after_create(void);
/* Console socket (<run dir>/console.sock) before create; the master after it. -1 on failure. */
int mtty_console_listen(int runfd);
int mtty_receive_master(int runfd, int timeout_ms);
int mtty_master(void);
void mtty_master_closed(void); /* EIO: every slave fd is closed */
void mtty_input(const char *data, size_t len);
bool mtty_input_pending(void);
int mtty_input_fd(void); /* poll it for POLLOUT while input is pending */
void mtty_flush_input(void);
void mtty_close_stdin(void);
void mtty_resize(unsigned rows, unsigned cols);
/* In place: "\r\n" -> "\n" across chunks; buf needs one spare byte. Returns the length. */
size_t mtty_log_text(char *buf, size_t len);

/* The sandbox part (verdict.c): --timeout and the verdict (--report, inspect). */
int mreport_load(int ctrfd); /* sandbox.conf; -1 with errno */
/* right before `rbox-runtime start`: the clock starts; returns the wall-clock time (StartedAt) */
int64_t mreport_started(int ctrfd);
void mreport_reaped(void);    /* the init was reaped: the clock stops */
int mreport_timeout_ms(void); /* ms left before the timeout; -1 when there is none */
void mreport_timed_out(void); /* the monitor killed the container at the deadline */
bool mreport_requested(void); /* --report FILE or - was given */
/* The container ended: build the verdict (stats = `events --stats` output, or NULL), write
 * report.json into ctrfd (unless it is -1) and the --report file. Returns whether the kernel
 * OOM-killed a process. */
bool mreport_finish(int ctrfd, const char *id, const char *name, int code, int sig,
                    const char *stats);
/* The start failed: the same files, with started=false and the error. */
void mreport_failed(int ctrfd, const char *id, const char *name, int code, const char *msg);
/* 'V' + the report to the attached clients (before srv_finish sends 'X'). */
void mreport_send(struct srv *s);

/* restart.c: --restart POLICY ("no", "always", "unless-stopped", "on-failure[:N]"): restart
 * after an exit with this code, after this many restarts? */
bool restart_policy_allows(const char *policy, int code, int restarts);

/* health.c: the health check (healthconf.h), driven by the main loop. */
void hc_load(int ctrfd, const char *rundir, const char *id, const char *runtime,
             const char *runtime_root, const char *store_root); /* nothing without a check */
void hc_started(const char *image, const char *name, int64_t started_ns); /* status starting */
int hc_timeout_ms(void); /* ms until the next check or the running one's timeout; -1: none */
void hc_tick(void);      /* start the check that is due, or end the one past its timeout */
bool hc_reaped(pid_t pid, int status); /* true when pid was the check's runtime */
void hc_request(struct srv *s, int i); /* MSG_HEALTH: a check now, MSG_HEALTH_ANSWER after it */
void hc_stopped(void);                 /* the container's init was reaped */

#endif
