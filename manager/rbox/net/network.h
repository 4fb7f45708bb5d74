/* network.h - networks: netavark's own network files in the store, IPv4 subnets, and the IP
 * leases of running containers.
 *
 *   <root>/networks/<name>.json              a user network, in netavark's Network format
 *                                            (what `netavark setup` takes in network_info)
 *   <runroot>/networks/leases/<name>/<ip>    -> <container id>: an address in use (a symlink:
 *                                            creation is atomic); released at teardown
 *   <runroot>/networks/netavark/             netavark's --config (aardvark-dns's files)
 * The default network `rbox` (bridge rbox0, the configured default_subnet, no DNS, as docker's
 * default bridge) is not stored: it always exists. `bridge` names it on the command line. */
#ifndef RBOX_NETWORK_H
#define RBOX_NETWORK_H

#include "error.h"
#include "json.h"
#include "store.h"
#include <stdbool.h>
#include <stdint.h>

#define DEFAULT_NETWORK "rbox"

struct network {
    char *name;
    char id[ID_LEN + 1];
    char *iface;   /* the bridge: rbox0, rbox1, ... */
    char *subnet;  /* "10.78.0.0/24" */
    char *gateway; /* "10.78.0.1" */
    uint32_t addr; /* the subnet's address and prefix, host order */
    int prefix;
    bool internal, dns, builtin;
    char **labels; /* K=V */
    int64_t created_ns;
};
void network_clear(struct network *n);

/* IPv4 text <-> host-order numbers. */
int ip4_parse(const char *s, uint32_t *out);
void ip4_format(uint32_t a, char buf[16]);
int cidr4_parse(const char *s, uint32_t *addr, int *prefix); /* host bits must be 0 */

int network_name_validate(const char *name, rbox_err **err);
/* By name ("bridge" = the default network), full ID or unique ID prefix. */
int network_load(struct store *s, const char *ref, struct network *out, rbox_err **err);
/* Every network, the default first, then by name. */
int network_list(struct store *s, struct network **out, size_t *n, rbox_err **err);
void network_list_free(struct network *v, size_t n);

struct network_req {
    const char *name, *subnet, *gateway;
    bool internal;
    char **labels;
};
/* Create (under the store lock): checks the name, the subnet's overlap with every network and
 * with the host's own addresses, picks a free /24 from subnet_pool without --subnet, a free
 * bridge name. Fills out. */
int network_create(struct store *s, const struct network_req *req, struct network *out,
                   rbox_err **err);
/* Remove (under the store lock): refused while a container (running or not) names it. */
int network_remove(struct store *s, const char *name, rbox_err **err);
/* Names of the containers that are attached to network name (their spec names it). */
int network_users(struct store *s, const char *name, char ***names, rbox_err **err);

/* The netavark Network object of n (network_info's value). */
void network_netavark_json(json_w *w, const struct network *n);
/* {"K": "V", ...} of K=V labels. */
void network_labels_json(json_w *w, char *const *labels);

/* --ip on n: a host address of its subnet, not its gateway (at create; a taken one at start). */
int network_ip_check(const struct network *n, const char *ip, rbox_err **err);
/* Take an address on n for container id (requested: --ip, else the first free one). */
int network_lease(struct store *s, const struct network *n, const char *requested, const char *id,
                  char ip[16], rbox_err **err);
/* The lease file of ip on network name (allocated). */
char *network_lease_path(const struct store *s, const char *name, const char *ip);
/* The running containers on network name: their IDs with addresses. */
int network_leases(struct store *s, const char *name, char ***ids, char ***ips, size_t *n);

#endif
