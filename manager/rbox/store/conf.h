/* conf.h - the operator's configuration file: /etc/rbox/rbox.conf, or the file $RBOX_CONFIG
 * names. Lines of `key = "value"` (TOML's basic strings), `key = ["a", "b"]`, `# comments`;
 * unknown keys are refused with their line, so a typo never passes silently. docs/config.md
 * lists the keys. */
#ifndef RBOX_CONF_H
#define RBOX_CONF_H

#include "error.h"

#define RBOX_CONF_DEFAULT "/etc/rbox/rbox.conf"

struct rbox_conf {
    char *path;                 /* the file read (NULL: none existed) */
    char *default_network;      /* "bridge" (docker's default), "none" or "host" */
    char *default_subnet;       /* the `rbox` network's subnet, "10.77.0.0/24" */
    char *subnet_pool;          /* user networks take /24s from it, "10.78.0.0/16" */
    char **dns_servers;         /* name servers for the default network when the host has only
                                   loopback ones (docker's fallback: none; NULL: none) */
    char *cgroup_parent;        /* "/rbox" ($RBOX_CGROUP_PARENT wins) */
    char *log_max_size;         /* containers' log rotation default (--log-opt max-size) */
    char *log_max_file;         /* and how many files are kept (--log-opt max-file) */
    char **insecure_registries; /* HOST[:PORT] reached without TLS checks (and over http) */
    char **registry_mirrors;    /* "REGISTRY=MIRROR": pulls from REGISTRY try MIRROR first */
    char *netavark;             /* "/usr/lib/podman/netavark" */
    char *aardvark_dns;         /* "/usr/lib/podman/aardvark-dns" */
};

/* The configuration, read once per process (defaults where the file is silent or absent). */
int rbox_conf_get(const struct rbox_conf **out, rbox_err **err);
/* Parse text (for tests and the fuzzer): fills c with defaults, then the file's values. */
int rbox_conf_parse(struct rbox_conf *c, const char *text, const char *path, rbox_err **err);
void rbox_conf_clear(struct rbox_conf *c);

#endif
