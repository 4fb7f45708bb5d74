/* proto.h - the two small protocols between rbox and rbox-monitor, defined here once: both
 * programs use these names (docs/manager.md explains the protocols). Both use SOCK_SEQPACKET,
 * so every message arrives whole; byte 0 is the type, the rest the payload.
 */
#ifndef RBOX_PROTO_H
#define RBOX_PROTO_H

#define ATTACH_SOCKET  "attach.sock"
#define ATTACH_STDOUT  0x01
#define ATTACH_STDERR  0x02
#define ATTACH_STDIN   0x04
#define ATTACH_RESIZE  0x08 /* the hello carries " rows cols" */
#define CONSOLE_SOCKET "console.sock"
/* <runroot>/containers/<id>/stop-requested: rbox stop, kill -s KILL and rm -f create it before
 * they signal; a monitor that finds it does not restart the container (--restart) */
#define STOP_REQUEST   "stop-requested"
#define PROTO_DATA_MAX 8192
#define PROTO_MSG_MAX  (PROTO_DATA_MAX + 1)

/* 1. Startup (a socketpair; the monitor gets its end as --sync-fd). */
enum {
    MSG_READY = 'R',   /* monitor -> rbox "R<pid>": log open, attach socket listening */
    MSG_GO = 'G',      /* rbox -> monitor: go (after a foreground client has connected); EOF
                        * instead means rbox died: the monitor gives up */
    MSG_STARTED = 'S', /* monitor -> rbox "S<pid>": the container runs (status running) */
    MSG_FAILED = 'F',  /* monitor -> rbox "F<code> <msg>": start failed (125, 126 or 127) */
};

/* 2. Attach (<runroot>/containers/<id>/attach.sock). */
enum {
    /* client -> monitor */
    MSG_HELLO = 'A',  /* first message: flags (1 byte, ATTACH_*) [+ " rows cols" with
                       * ATTACH_RESIZE]; no flags: only wait for MSG_EXIT (rbox wait) */
    MSG_KILL = 'K',   /* decimal signal: signal the container's init */
    MSG_INPUT = 'I',  /* container input (needs ATTACH_STDIN and a container made with -i) */
    MSG_CLOSE = 'C',  /* close the container's stdin (-i without -t: the client's stdin ended) */
    MSG_RESIZE = 'W', /* "rows cols": resize the container's terminal */
    MSG_DETACH = 'D', /* the client goes; the container stays */
    MSG_EXEC = 'P',   /* exec --detach: NUL-separated flags, "--", command; the monitor runs
                       * rbox-runtime exec (and reaps) */
    MSG_HEALTH = 'H', /* rbox healthcheck run: run the health check now (healthconf.h) */
    /* monitor -> client */
    MSG_EXEC_ANSWER = 'R',   /* "code message": the answer to MSG_EXEC (0: it runs) */
    MSG_HEALTH_ANSWER = 'h', /* "EXITCODE STATUS": the check's result and the status after it;
                              * "-2 none": the container has no health check */
    MSG_STDOUT = 'O',        /* stdout bytes (a terminal's output is all stdout) */
    MSG_STDERR = 'E',        /* stderr bytes */
    MSG_VERDICT = 'V',       /* the run's verdict (JSON, docs/sandbox.md), just before MSG_EXIT */
    MSG_EXIT = 'X',          /* "code signal": the container exited and was cleaned up; the
                              * monitor closes the connection after it */
};

/* Exit codes of the manager (docker's). */
#define EXIT_RBOX     125
#define EXIT_CANNOT   126
#define EXIT_NOTFOUND 127

#endif
