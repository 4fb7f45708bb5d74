/* netreq.c - the network flags of run/create (netreq.h). */
#define _GNU_SOURCE
#include "netreq.h"
#include "conf.h"
#include "network.h"
#include "usernet.h"
#include "rootless.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void net_req_clear(struct net_req *r)
{
    strv_free(r->modes);
    for (size_t i = 0; i < r->n_nets; i++) {
        free(r->nets[i].name);
        free(r->nets[i].ip);
        strv_free(r->nets[i].aliases);
    }
    free(r->nets);
    free(r->ports);
    strv_free(r->dns);
    strv_free(r->dns_search);
    strv_free(r->dns_opt);
    strv_free(r->add_hosts);
    free(r->ip);
    strv_free(r->aliases);
    memset(r, 0, sizeof(*r));
}

static void push(char ***v, const char *s)
{
    size_t n = strv_len(*v);
    strv_push(v, &n, xstrdup(s));
}

/* "80" or "8080-8081": first and count. */
static int port_range(const char *s, size_t len, uint16_t *first, uint16_t *count)
{
    char buf[16];
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *dash = strchr(buf, '-');
    int a, b;
    if (dash)
        *dash = '\0';
    if (parse_int(buf, &a) < 0 || (dash && parse_int(dash + 1, &b) < 0))
        return -1;
    if (!dash)
        b = a;
    if (a < 1 || a > 65535 || b < 1 || b > 65535)
        return -2;
    if (b < a)
        return -1;
    *first = (uint16_t)a;
    *count = (uint16_t)(b - a + 1);
    return 0;
}

int net_port_parse(const char *v, struct port_map *out, rbox_err **err)
{
    memset(out, 0, sizeof(*out));
    _cleanup_free_ char *s = xstrdup(v);
    char *slash = strchr(s, '/');
    snprintf(out->proto, sizeof(out->proto), "tcp");
    if (slash) {
        *slash = '\0';
        if (strcmp(slash + 1, "tcp") != 0 && strcmp(slash + 1, "udp") != 0)
            return rbox_error(err, 0, "invalid -p \"%s\": the protocol must be tcp or udp", v);
        snprintf(out->proto, sizeof(out->proto), "%s", slash + 1);
    }
    /* [IP:][HOSTPORT:]CPORT: split from the right */
    char *parts[3] = { NULL, NULL, NULL };
    int n = 0;
    for (char *p = s, *c; n < 3; p = c + 1) {
        c = strchr(p, ':');
        parts[n++] = p;
        if (c == NULL)
            break;
        *c = '\0';
        if (n == 3)
            return rbox_error(err, 0, "invalid -p \"%s\": expected [IP:][HOSTPORT:]PORT", v);
    }
    const char *ip = n == 3 ? parts[0] : NULL;
    const char *host = n >= 2 ? parts[n - 2] : "";
    const char *ctr = parts[n - 1];
    if (ip && *ip) {
        uint32_t a;
        if (ip4_parse(ip, &a) < 0)
            return rbox_error(err, 0, "invalid -p \"%s\": \"%s\" is not an IPv4 address", v, ip);
        snprintf(out->host_ip, sizeof(out->host_ip), "%s", ip);
    }
    uint16_t cfirst, ccount, hfirst = 0, hcount = 0;
    int r = port_range(ctr, strlen(ctr), &cfirst, &ccount);
    if (r == 0 && *host)
        r = port_range(host, strlen(host), &hfirst, &hcount);
    if (r == -2)
        return rbox_error(err, 0, "invalid -p \"%s\": a port is out of range (1-65535)", v);
    if (r < 0)
        return rbox_error(err, 0,
                          "invalid -p \"%s\": expected [IP:][HOSTPORT:]PORT[/tcp|udp] (a port or "
                          "a range A-B)",
                          v);
    if (*host && hcount != ccount)
        return rbox_error(err, 0,
                          "invalid -p \"%s\": the host and container ranges differ in length", v);
    out->host_port = hfirst;
    out->ctr_port = cfirst;
    out->range = ccount;
    return 0;
}

static int check_dns(const char *v, rbox_err **err)
{
    uint32_t a;
    if (ip4_parse(v, &a) < 0)
        return rbox_error(err, 0, "invalid value \"%s\" for --dns: expected an IPv4 address", v);
    return 0;
}

static int check_host(const char *v, rbox_err **err)
{
    const char *colon = strchr(v, ':');
    uint32_t a;
    if (colon == NULL || colon == v ||
        (ip4_parse(colon + 1, &a) < 0 && strcmp(colon + 1, "host-gateway") != 0))
        return rbox_error(err, 0, "invalid value \"%s\" for --add-host: expected NAME:IPv4", v);
    for (const char *p = v; p < colon; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-._", *p))
            return rbox_error(err, 0, "invalid value \"%s\" for --add-host: bad host name", v);
    return 0;
}

bool net_req_flag(struct net_req *r, const char *name, const char *v, rbox_err **err, int *rc)
{
    *rc = 0;
    if (str_eq(name, "network") || str_eq(name, "net")) {
        if (*v == '\0')
            *rc = rbox_error(err, 0, "invalid value \"\" for --network");
        else
            push(&r->modes, v);
    } else if (str_eq(name, "ip")) {
        uint32_t a;
        if (ip4_parse(v, &a) < 0)
            *rc = rbox_error(err, 0, "invalid value \"%s\" for --ip: expected an IPv4 address", v);
        free(r->ip);
        r->ip = xstrdup(v);
    } else if (str_eq(name, "network-alias")) {
        if (network_name_validate(v, NULL) < 0 && !str_eq(v, DEFAULT_NETWORK))
            *rc = rbox_error(err, 0, "invalid value \"%s\" for --network-alias", v);
        push(&r->aliases, v);
    } else if (str_eq(name, "publish")) {
        struct port_map pm;
        if ((*rc = net_port_parse(v, &pm, err)) == 0) {
            r->ports = xrealloc(r->ports, (r->n_ports + 1) * sizeof(*r->ports));
            r->ports[r->n_ports++] = pm;
        }
    } else if (str_eq(name, "publish-all")) {
        r->publish_all = true;
    } else if (str_eq(name, "dns")) {
        *rc = check_dns(v, err);
        push(&r->dns, v);
    } else if (str_eq(name, "dns-search")) {
        push(&r->dns_search, v);
    } else if (str_eq(name, "dns-option")) {
        push(&r->dns_opt, v);
    } else if (str_eq(name, "add-host")) {
        *rc = check_host(v, err);
        push(&r->add_hosts, v);
    } else {
        return false;
    }
    return true;
}

static bool special(const char *m)
{
    return usernet_is(m) || str_eq(m, "none") || str_eq(m, "host") ||
           str_has_prefix(m, "container:") || str_has_prefix(m, "ns:");
}

int net_req_finish(struct net_req *r, char **mode, rbox_err **err)
{
    if (r->modes == NULL) {
        const struct rbox_conf *conf;
        if (rbox_conf_get(&conf, err) < 0)
            return -1;
        push(&r->modes, conf->default_network);
    }
    size_t n = strv_len(r->modes);
    for (size_t i = 0; i < n; i++) {
        const char *m = r->modes[i];
        if (usernet_is(m) && n > 1)
            return rbox_error(err, 0,
                              "invalid --network %s: slirp4netns and pasta cannot be combined "
                              "with other networks",
                              m);
        if (special(m) && n > 1)
            return rbox_error(err, 0,
                              "invalid --network %s: none, host, container: and ns: cannot be "
                              "combined with other networks",
                              m);
        if (usernet_is(m) && usernet_check(m, err) < 0)
            return -1;
        if ((str_has_prefix(m, "container:") && m[10] == '\0') ||
            (str_has_prefix(m, "ns:") && m[3] != '/'))
            return rbox_error(err, 0, "invalid --network %s: expected container:NAME or ns:/PATH",
                              m);
    }
    free(*mode);
    const char *m0 = r->modes[0];
    if (special(m0)) {
        *mode = xstrdup(m0);
        const char *bad = r->ip ? "--ip" : r->aliases ? "--network-alias" : NULL;
        if (bad)
            return rbox_error(err, 0, "%s needs a bridge network (not --network %s)", bad, m0);
        if ((r->n_ports || r->publish_all) && !str_eq(m0, "host") && !usernet_is(m0))
            return rbox_error(err, 0,
                              "conflicting options: port publishing and the network mode %s", m0);
        if (str_has_prefix(m0, "container:") && (r->dns || r->dns_search || r->add_hosts))
            return rbox_error(err, 0,
                              "conflicting options: --dns, --dns-search or --add-host and the "
                              "network mode %s",
                              m0);
        return 0;
    }
    if (rootless())
        return rbox_error(err, 0,
                          "--network %s: rootless rbox has no bridge networks (use --network "
                          "slirp4netns, pasta, none or host)",
                          m0);
    *mode = xstrdup("bridge");
    if (r->ip && n > 1)
        return rbox_error(err, 0, "--ip needs exactly one --network (use network connect --ip)");
    for (size_t i = 0; i < n; i++) {
        const char *name = str_eq(r->modes[i], "bridge") ? DEFAULT_NETWORK : r->modes[i];
        for (size_t k = 0; k < r->n_nets; k++)
            if (str_eq(r->nets[k].name, name))
                return rbox_error(err, 0, "network %s is given twice", name);
        r->nets = xrealloc(r->nets, (r->n_nets + 1) * sizeof(*r->nets));
        struct net_attach *a = &r->nets[r->n_nets++];
        a->name = xstrdup(name);
        a->ip = i == 0 && r->ip ? xstrdup(r->ip) : NULL;
        a->aliases = strv_dup(i == 0 && r->aliases ? r->aliases : (char *[]){ NULL });
    }
    return 0;
}

int net_req_publish_all(struct net_req *r, yajl_val image_config, rbox_err **err)
{
    yajl_val exposed = json_get(json_get(image_config, "config"), "ExposedPorts");
    bool usernet = r->modes && usernet_is(r->modes[0]);
    if (!r->publish_all || (r->n_nets == 0 && !usernet) || !YAJL_IS_OBJECT(exposed))
        return 0; /* --network host: nothing to publish, as -p */
    for (size_t i = 0; i < exposed->u.object.len; i++) {
        const char *key = exposed->u.object.keys[i];
        struct port_map pm;
        if (net_port_parse(key, &pm, err) < 0)
            return rbox_error_prefix(err, "the image's ExposedPorts");
        bool given = false;
        for (size_t k = 0; k < r->n_ports; k++)
            given |= str_eq(r->ports[k].proto, pm.proto) && r->ports[k].ctr_port <= pm.ctr_port &&
                     pm.ctr_port < r->ports[k].ctr_port + r->ports[k].range;
        if (given)
            continue;
        r->ports = xrealloc(r->ports, (r->n_ports + 1) * sizeof(*r->ports));
        r->ports[r->n_ports++] = pm;
    }
    return 0;
}

void net_req_save(json_w *w, const struct net_req *r)
{
    jw_key(w, "net");
    jw_obj_open(w);
    jw_key(w, "networks");
    jw_arr_open(w);
    for (size_t i = 0; i < r->n_nets; i++) {
        jw_obj_open(w);
        jw_kstr(w, "name", r->nets[i].name);
        jw_kstr(w, "ip", r->nets[i].ip);
        jw_kstrv(w, "aliases", r->nets[i].aliases);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_key(w, "ports");
    jw_arr_open(w);
    for (size_t i = 0; i < r->n_ports; i++) {
        const struct port_map *p = &r->ports[i];
        jw_obj_open(w);
        jw_kstr(w, "host_ip", p->host_ip);
        jw_kint(w, "host_port", p->host_port);
        jw_kint(w, "container_port", p->ctr_port);
        jw_kint(w, "range", p->range);
        jw_kstr(w, "protocol", p->proto);
        jw_obj_close(w);
    }
    jw_arr_close(w);
    jw_kstrv(w, "dns", r->dns);
    jw_kstrv(w, "dns_search", r->dns_search);
    jw_kstrv(w, "dns_options", r->dns_opt);
    jw_kstrv(w, "add_hosts", r->add_hosts);
    jw_obj_close(w);
}

void net_req_load(yajl_val v, struct net_req *r)
{
    memset(r, 0, sizeof(*r));
    yajl_val nets = json_get(v, "networks");
    for (size_t i = 0; YAJL_IS_ARRAY(nets) && i < nets->u.array.len; i++) {
        yajl_val e = nets->u.array.values[i];
        const char *name = json_get_str(e, "name"), *ip = json_get_str(e, "ip");
        if (name == NULL)
            continue;
        r->nets = xrealloc(r->nets, (r->n_nets + 1) * sizeof(*r->nets));
        struct net_attach *a = &r->nets[r->n_nets++];
        a->name = xstrdup(name);
        a->ip = ip ? xstrdup(ip) : NULL;
        a->aliases = json_get_strv(e, "aliases");
        if (a->aliases == NULL)
            a->aliases = xcalloc(1, sizeof(char *));
    }
    yajl_val ports = json_get(v, "ports");
    for (size_t i = 0; YAJL_IS_ARRAY(ports) && i < ports->u.array.len; i++) {
        yajl_val e = ports->u.array.values[i];
        struct port_map p = { .range = 1 };
        int64_t hp = 0, cp = 0, rg = 1;
        json_get_i64(e, "host_port", &hp);
        json_get_i64(e, "container_port", &cp);
        json_get_i64(e, "range", &rg);
        const char *hip = json_get_str(e, "host_ip"), *proto = json_get_str(e, "protocol");
        snprintf(p.host_ip, sizeof(p.host_ip), "%s", hip ? hip : "");
        snprintf(p.proto, sizeof(p.proto), "%s", proto ? proto : "tcp");
        p.host_port = (uint16_t)hp;
        p.ctr_port = (uint16_t)cp;
        p.range = (uint16_t)(rg > 0 ? rg : 1);
        r->ports = xrealloc(r->ports, (r->n_ports + 1) * sizeof(*r->ports));
        r->ports[r->n_ports++] = p;
    }
    r->dns = json_get_strv(v, "dns");
    r->dns_search = json_get_strv(v, "dns_search");
    r->dns_opt = json_get_strv(v, "dns_options");
    r->add_hosts = json_get_strv(v, "add_hosts");
}
