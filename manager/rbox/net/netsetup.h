/* netsetup.h - a container's network at start and stop: IP leases, the host ports held open,
 * the network namespace file, `netavark setup`, /etc/hosts and /etc/resolv.conf; and what
 * inspect, ps and port read back (<run dir>/net.json). docs/networking.md. */
#ifndef RBOX_NETSETUP_H
#define RBOX_NETSETUP_H

#include "netreq.h"
#include "spec.h"
#include "store.h"

#define NET_MAX_PORT_FDS 256

/* The published host ports, bound (never listened on) so that no other container or host
 * program can take them while the container runs: rbox-monitor holds them. */
struct net_fds {
    int fd[NET_MAX_PORT_FDS];
    size_t n;
};
void net_fds_close(struct net_fds *f);

/* Before the monitor starts: set up what sp's network mode needs (nothing for none/host).
 * On failure nothing is left. */
int net_start(struct store *s, const struct ctr_spec *sp, struct net_fds *fds, rbox_err **err);
/* Undo it (what the record lists; the monitor does the same at exit). */
void net_stop(const struct store *s, const char *id);

/* network connect / disconnect of a running container (a stopped one: its spec only). */
int net_connect(struct store *s, const char *id, const char *network, const char *ip,
                char **aliases, rbox_err **err);
int net_disconnect(struct store *s, const char *id, const char *network, rbox_err **err);

/* What a running container got: net.json parsed (NULL when it has none). */
yajl_val net_state_load(const struct store *s, const char *id);
/* docker's inspect NetworkSettings object, from the spec and net.json. */
void net_inspect_json(const struct store *s, json_w *w, const struct ctr_spec *sp, bool running);
/* HostConfig's NetworkMode (docker's names), PortBindings, Dns*, ExtraHosts. */
void net_inspect_host_config(json_w *w, const struct ctr_spec *sp);
/* ps's PORTS text: "0.0.0.0:8080->80/tcp, ..." (allocated; "" when none). */
char *net_ports_text(const struct store *s, const char *id);

/* A run root kept across a reboot (not a tmpfs): every lease and aardvark-dns file (its pid file
 * names a process of the old boot) belongs to dead containers; drop them once per boot. */
void net_boot_check(const struct store *s);
/* The netns path config.json names for sp (NULL: a new namespace, or none for host). */
char *net_ns_path(const struct store *s, const struct ctr_spec *sp);
/* The container's /etc/resolv.conf for the network modes without netavark (none: empty). */
char *net_resolv_default(const struct ctr_spec *sp);
/* At create: the networks exist (names, not IDs, are kept), container:REF names a container
 * (kept by ID), ns:PATH exists. */
int net_create_check(struct store *s, struct ctr_spec *sp, rbox_err **err);

#endif
