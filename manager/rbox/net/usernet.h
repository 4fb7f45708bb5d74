/* usernet.h - user-mode networking: `--network slirp4netns[:OPT=VAL,...]` and
 * `--network pasta[:ARG,...]` (podman's spellings). The container gets its own network
 * namespace (the netns file, as a bridge network's) with a tap device, and a helper process
 * outside it (slirp4netns or pasta) carries its traffic through ordinary sockets of the host:
 * no bridge, no firewall rule, nothing that needs privileges beyond the namespaces, so that
 * rootless containers can use it. Published ports (-p, -P) are sockets of the helper.
 *
 * The helper is started by rbox once the namespace exists and before the monitor runs the
 * container, and its PID (with its start time) goes into net.teardown ("helper PID START"),
 * which the teardown kills (netdown.h). slirp4netns also exits by itself when its --exit-fd
 * closes (rbox-monitor holds the other end, so a monitor killed with -9 takes it along); pasta
 * exits by itself when the namespace file is removed. docs/networking.md. */
#ifndef RBOX_USERNET_H
#define RBOX_USERNET_H

#include "error.h"
#include "netsetup.h"
#include <stdbool.h>

/* slirp4netns's fixed addresses (its defaults with --configure). */
#define USERNET_SLIRP_IP      "10.0.2.100"
#define USERNET_SLIRP_GATEWAY "10.0.2.2"
#define USERNET_SLIRP_DNS     "10.0.2.3"

/* mode is "slirp4netns[:...]" or "pasta[:...]". */
bool usernet_is(const char *mode);
bool usernet_is_slirp(const char *mode);
/* The options of mode are valid (slirp4netns: allow_host_loopback=true|false, mtu=N,
 * port_handler=slirp4netns; pasta: any arguments, checked by pasta at start). */
int usernet_check(const char *mode, rbox_err **err);
/* The network mode a rootless container gets by default: "slirp4netns" when it is installed,
 * else "pasta" when that is, else "none" (no helper: loopback only). */
const char *usernet_rootless_default(void);

/* Start sp's helper on the namespace bound at netns; userns: the user namespace the helper
 * joins (the container's, for a rootless one) or NULL. Writes the teardown record
 * (run_dir/net.teardown) first, then makes the namespace with mkns(netns) (NULL: it exists),
 * starts the helper and writes net.json; the fd rbox-monitor must hold is added to fds. On
 * failure the record lists what remains: net_teardown(run_dir) undoes it. */
int usernet_start(const struct ctr_spec *sp, const char *run_dir, const char *netns,
                  const char *userns, int (*mkns)(const char *path, rbox_err **err),
                  struct net_fds *fds, rbox_err **err);

#endif
