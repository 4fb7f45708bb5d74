/* netdown.h - undoing a container's network, for rbox and rbox-monitor alike.
 *
 * Before it runs `netavark setup`, rbox writes <run dir>/net.teardown: one "KEY VALUE" line per
 * thing to undo, so that whoever finds the container stopped (its monitor at exit, or rbox's
 * reconcile after a monitor was killed or the host rebooted) undoes exactly what was done:
 *   netavark BIN      aardvark BIN      config DIR      options FILE (netavark's input)
 *   netns PATH        the namespace file (netavark teardown on it, then unmount and unlink)
 *   link PATH         a symlink to another container's namespace (unlink)
 *   lease PATH        an IP lease: a symlink naming the container (unlink when it still does)
 *   helper PID START  slirp4netns or pasta (usernet.h): killed when PID still started at START
 *   file PATH         a file of the helper's (its API socket, pasta's pid file): unlink
 * The record goes last, so a teardown killed half-way is finished by the next one. */
#ifndef RBOX_NETDOWN_H
#define RBOX_NETDOWN_H

#define NET_TEARDOWN_FILE "net.teardown"
#define NET_OPTIONS_FILE  "netavark.json"
#define NET_STATE_FILE    "net.json"
#define NET_NETNS_FILE    "netns"

/* Undo what run_dir's record lists (nothing when there is none). No allocation: the monitor
 * calls it too. 0, or -1 when netavark failed (the rest is still undone). */
int net_teardown(const char *run_dir, const char *id);
/* Run `netavark [--config DIR] [-a AARDVARK] VERB NSPATH` with stdin from options_fd; its
 * stdout to out_fd (-1: /dev/null), stderr to err_fd (-1: /dev/null). The wait status, or -1. */
int netavark_run(const char *bin, const char *aardvark, const char *config, const char *verb,
                 const char *nspath, int options_fd, int out_fd, int err_fd);

#endif
