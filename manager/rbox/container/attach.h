/* attach.h - the client side of the attach protocol (proto.h): foreground run, start -a and
 * attach stream a container's output here, send it our stdin, our terminal's size and our
 * signals, and watch for the detach key sequence. */
#ifndef RBOX_ATTACH_H
#define RBOX_ATTACH_H

#include "error.h"
#include "store.h"
#include <stdbool.h>
#include <stddef.h>

#define DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"
#define DETACH_KEYS_MAX     16

struct attach_opts {
    bool tty;        /* the container has a terminal (-t) */
    bool in;         /* our stdin goes to the container (-i, and not --no-stdin) */
    bool stdin_once; /* our EOF closes the container's stdin (docker's StdinOnce, no tty) */
    char keys[DETACH_KEYS_MAX];
    size_t nkeys;
};

/* attach_stream's result when the user typed the detach sequence. */
#define ATTACH_DETACHED (-1)

/* docker's --detach-keys format: comma-separated keys, each one character, "ctrl-X" (X one of
 * a-z @ [ \ ] ^ _) or "DEL". */
int detach_keys_parse(const char *spec, char *out, size_t *n, rbox_err **err);

/* The options for attaching to a stored container: tty/stdin from its config, want_stdin
 * (run/start -i, attach without --no-stdin), keys (NULL: the default). Fails with docker's
 * "the input device is not a TTY" when stdin would feed a terminal but is no terminal. */
int attach_opts_for(struct store *s, const char *id, bool want_stdin, const char *keys,
                    struct attach_opts *o, rbox_err **err);
/* The ATTACH_* hello flags for these options. */
unsigned attach_flags(const struct attach_opts *o);

/* Block the signals a foreground client forwards (INT, TERM, HUP, QUIT, USR1, USR2) and
 * SIGWINCH; returns a signalfd for them (-1 on failure). */
int attach_signals(void);

/* Relay until the container exits (its exit code) or the user detaches (ATTACH_DETACHED).
 * The local terminal is in raw mode meanwhile (tty + stdin from a terminal), restored before
 * returning. */
int attach_stream(struct store *s, const char *id, int afd, int sfd, const struct attach_opts *o);

/* Send our terminal's size as a 'W' (rows+extra, cols+extra). */
void attach_send_size(int afd, int extra);

#endif
