/* ctr.h - the container lifecycle on the manager's side: create, start (spawning the monitor),
 * reconcile, stop/kill, wait, remove. */
#ifndef RBOX_CTR_H
#define RBOX_CTR_H

#include "spec.h"
#include "store.h"

/* Create the store entry (status created): name, config.json, bundle, state. */
int ctr_create(struct store *s, struct ctr_spec *spec, const struct image *img, rbox_err **err);

/* Lock-free check of a state just read: is its monitor gone, or the host rebooted? */
bool ctr_needs_reconcile(const struct store *s, const struct ctr_state *st);
/* Read a container's state, reconciling it first when its monitor is gone or the host
 * rebooted (then the container lock is taken briefly). ENOENT-like errors say "no such
 * container". */
int ctr_read(struct store *s, const char *id, struct ctr_state *st, rbox_err **err);

/* Start: mount the overlay, spawn the monitor, wait until the container runs.
 * attach_flags != 0: connect to the attach socket before the container starts and return
 * the connection in *attach_fd. On failure *code is 125, 126 or 127 (docker's meanings).
 * Returns 1 when the container was already running (nothing done). */
int ctr_start(struct store *s, const char *id, unsigned attach_flags, int *attach_fd, int *code,
              rbox_err **err);
/* ctr_start's failure before anything of the container ran (its network: a taken port or
 * address; a namespace to join that is gone): run removes the container it just made. */
#define CTR_START_REFUSED (-2)

/* Thaw a paused container (cmd/pause.c); nothing when it is not paused. */
int ctr_thaw(struct store *s, const char *id);
/* Signal the container's init through rbox-runtime (a paused one is thawed after, so that
 * the signal is delivered, as docker does). */
int ctr_kill(struct store *s, const char *id, int sig, rbox_err **err);
/* Wait until the container's monitor is gone (timeout_ms < 0: forever). 0 done, 1 timeout. */
int ctr_wait_monitor(const struct ctr_state *st, int timeout_ms);
/* Stop: stop signal, then SIGKILL after timeout seconds; returns when it is recorded. */
int ctr_stop(struct store *s, const char *id, int timeout, rbox_err **err);
/* Remove (force: kill a running container first). */
int ctr_remove(struct store *s, const char *id, bool force, rbox_err **err);

/* Connect to a container's attach socket and say hello. */
int attach_connect(const struct store *s, const char *id, unsigned flags, rbox_err **err);

#endif
