/* netreq.h - what run/create asked of the network: --network (repeatable), --ip,
 * --network-alias, -p, --dns, --dns-search, --dns-option, --add-host; kept in the container's
 * config.json ("net") and turned into netavark's input at start (netsetup.h). */
#ifndef RBOX_NETREQ_H
#define RBOX_NETREQ_H

#include "error.h"
#include "json.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_attach {
    char *name;     /* a network's name (the default network: "rbox") */
    char *ip;       /* --ip (NULL: the first free address) */
    char **aliases; /* --network-alias / connect --alias (NULL-terminated) */
};

struct port_map {
    char host_ip[16];   /* "" = every address */
    uint16_t host_port; /* 0 = a free port, chosen at start */
    uint16_t ctr_port;
    uint16_t range; /* ports host_port.., ctr_port.. (>= 1) */
    char proto[4];  /* "tcp", "udp" */
};

struct net_req {
    char **modes; /* --network values as given, in order (NULL-terminated or NULL) */
    struct net_attach *nets;
    size_t n_nets;
    struct port_map *ports;
    size_t n_ports;
    char **dns, **dns_search, **dns_opt, **add_hosts;
    bool publish_all; /* -P: the image's ExposedPorts on free host ports (at create) */
    char *ip;         /* --ip, until net_finish gives it to the network */
    char **aliases;   /* --network-alias, likewise */
};
void net_req_clear(struct net_req *r);

/* One flag (its long name) of run/create; false when name is not a network flag. */
bool net_req_flag(struct net_req *r, const char *name, const char *v, rbox_err **err, int *rc);
/* After every flag: the network mode in *mode ("none", "host", "bridge" with nets[],
 * "container:REF", "ns:PATH"), default_network from rbox.conf when no --network was given. */
int net_req_finish(struct net_req *r, char **mode, rbox_err **err);
int net_port_parse(const char *v, struct port_map *out, rbox_err **err);
/* -P: each of the image config's ExposedPorts ("80/tcp") that no -p publishes, on a free port. */
int net_req_publish_all(struct net_req *r, yajl_val image_config, rbox_err **err);

void net_req_save(json_w *w, const struct net_req *r);
void net_req_load(yajl_val v, struct net_req *r);

#endif
