/* proto.h - the two small protocols between rbox and rbox-monitor (documented in
 * docs/manager.md; both use SOCK_SEQPACKET, so every message arrives whole).
 *
 * 1. Startup (a socketpair; the monitor gets its end as --sync-fd):
 *      monitor -> rbox  "R<pid>"          ready: log open, attach socket listening
 *      rbox -> monitor  "G"               go (after a foreground client has connected);
 *                                         EOF instead means rbox died: the monitor gives up
 *      monitor -> rbox  "S<pid>"          the container runs (state.status = running)
 *                       "F<code> <msg>"   start failed; code is 125, 126 or 127
 *
 * 2. Attach (<runroot>/containers/<id>/attach.sock). Byte 0 is the type, the rest the payload.
 *      client -> monitor  'A' flags(1 byte)   first message: which streams it wants; with
 *                             [" rows cols"]  ATTACH_RESIZE the terminal size follows
 *                         'K' signal(decimal) signal the container's init
 *                         'I' data            container input (needs ATTACH_STDIN and a
 *                                             container created with -i)
 *                         'C'                 close the container's stdin (-i without -t:
 *                                             the client's stdin ended)
 *                         'W' "rows cols"     resize the container's terminal
 *                         'D'                 detach (the client goes; the container stays)
 *                         'P' args (NUL-sep.) exec --detach: flags, "--", command; the
 *                                             monitor runs rbox-runtime exec (and reaps)
 *      monitor -> client  'R' "code message"  the answer to 'P' (0: it runs)
 *      monitor -> client  'O' data            stdout bytes
 *                         'E' data            stderr bytes
 *                         'X' "code signal"   the container exited and was cleaned up; the
 *                                             monitor closes the connection after it
 *    A client that asks for no stream only waits for 'X' (rbox wait).
 */
#ifndef RBOX_PROTO_H
#define RBOX_PROTO_H

#define ATTACH_SOCKET  "attach.sock"
#define ATTACH_STDOUT  0x01
#define ATTACH_STDERR  0x02
#define ATTACH_STDIN   0x04
#define ATTACH_RESIZE  0x08 /* the hello carries " rows cols" */
#define CONSOLE_SOCKET "console.sock"
#define PROTO_DATA_MAX 8192
#define PROTO_MSG_MAX  (PROTO_DATA_MAX + 1)

/* Exit codes of the manager (docker's). */
#define EXIT_RBOX     125
#define EXIT_CANNOT   126
#define EXIT_NOTFOUND 127

#endif
