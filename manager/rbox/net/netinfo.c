/* netinfo.c - what inspect, ps and port show of a container's network (netsetup.h). */
#define _GNU_SOURCE
#include "netsetup.h"
#include "network.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entry of network name in net.json's list, or NULL. */
static yajl_val state_entry(yajl_val st, const char *name)
{
    yajl_val list = json_get(st, "networks");
    for (size_t i = 0; YAJL_IS_ARRAY(list) && i < list->u.array.len; i++)
        if (str_eq(json_get_str(list->u.array.values[i], "name"), name))
            return list->u.array.values[i];
    return NULL;
}

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

/* "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], ...} */
static void ports_json(json_w *w, yajl_val st, const struct net_req *req)
{
    jw_key(w, "Ports");
    jw_obj_open(w);
    yajl_val ports = json_get(st, "ports");
    size_t n = YAJL_IS_ARRAY(ports) ? ports->u.array.len : 0;
    bool *done = xcalloc(n + 1, sizeof(bool));
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        yajl_val p = ports->u.array.values[i];
        int64_t cp = 0;
        json_get_i64(p, "container_port", &cp);
        const char *proto = str_or_empty(json_get_str(p, "protocol"));
        _cleanup_free_ char *key = xasprintf("%lld/%s", (long long)cp, proto);
        jw_key(w, key);
        jw_arr_open(w);
        for (size_t k = i; k < n; k++) {
            yajl_val q = ports->u.array.values[k];
            int64_t cq = 0, hp = 0;
            json_get_i64(q, "container_port", &cq);
            if (cq != cp || !str_eq(json_get_str(q, "protocol"), proto))
                continue;
            done[k] = true;
            json_get_i64(q, "host_port", &hp);
            const char *hip = json_get_str(q, "host_ip");
            char port[8];
            snprintf(port, sizeof(port), "%lld", (long long)hp);
            jw_obj_open(w);
            jw_kstr(w, "HostIp", hip && *hip ? hip : "0.0.0.0");
            jw_kstr(w, "HostPort", port);
            jw_obj_close(w);
        }
        jw_arr_close(w);
    }
    free(done);
    /* a stopped container: its requested ports, unbound (docker shows them as null) */
    for (size_t i = 0; st == NULL && req && i < req->n_ports; i++)
        for (uint16_t k = 0; k < req->ports[i].range; k++) {
            _cleanup_free_ char *key =
                xasprintf("%u/%s", (unsigned)(req->ports[i].ctr_port + k), req->ports[i].proto);
            jw_key(w, key);
            jw_null(w);
        }
    jw_obj_close(w);
}

void net_inspect_json(const struct store *s, json_w *w, const struct ctr_spec *sp, bool running)
{
    _cleanup_yajl_ yajl_val st = running ? net_state_load(s, sp->id) : NULL;
    jw_key(w, "NetworkSettings");
    jw_obj_open(w);
    _cleanup_free_ char *key = NULL;
    if (st)
        key = ctr_run_path(s, sp->id, "netns");
    jw_kstr(w, "SandboxKey", key ? key : "");
    ports_json(w, st, &sp->net);
    yajl_val list = json_get(st, "networks");
    yajl_val first = YAJL_IS_ARRAY(list) && list->u.array.len ? list->u.array.values[0] : NULL;
    int64_t prefix = 0;
    json_get_i64(first, "prefix", &prefix);
    jw_kstr(w, "Gateway", str_or_empty(json_get_str(first, "gateway")));
    jw_kstr(w, "IPAddress", str_or_empty(json_get_str(first, "ip")));
    jw_kint(w, "IPPrefixLen", prefix);
    jw_kstr(w, "MacAddress", str_or_empty(json_get_str(first, "mac")));
    jw_key(w, "Networks");
    jw_obj_open(w);
    for (size_t i = 0; i < sp->net.n_nets; i++) {
        const struct net_attach *a = &sp->net.nets[i];
        yajl_val e = state_entry(st, a->name);
        int64_t pl = 0;
        json_get_i64(e, "prefix", &pl);
        jw_key(w, a->name);
        jw_obj_open(w);
        jw_key(w, "IPAMConfig");
        if (a->ip) {
            jw_obj_open(w);
            jw_kstr(w, "IPv4Address", a->ip);
            jw_obj_close(w);
        } else {
            jw_null(w);
        }
        jw_kstrv(w, "Aliases", a->aliases);
        jw_kstr(w, "NetworkID", str_or_empty(json_get_str(e, "id")));
        jw_kstr(w, "Gateway", str_or_empty(json_get_str(e, "gateway")));
        jw_kstr(w, "IPAddress", str_or_empty(json_get_str(e, "ip")));
        jw_kint(w, "IPPrefixLen", pl);
        jw_kstr(w, "MacAddress", str_or_empty(json_get_str(e, "mac")));
        jw_kstr(w, "InterfaceName", str_or_empty(json_get_str(e, "iface")));
        jw_obj_close(w);
    }
    jw_obj_close(w);
    jw_obj_close(w);
}

char *net_ports_text(const struct store *s, const char *id)
{
    _cleanup_yajl_ yajl_val st = net_state_load(s, id);
    yajl_val ports = json_get(st, "ports");
    size_t cap = 64, n = 0;
    char *out = xmalloc(cap);
    out[0] = '\0';
    for (size_t i = 0; YAJL_IS_ARRAY(ports) && i < ports->u.array.len; i++) {
        yajl_val p = ports->u.array.values[i];
        int64_t cp = 0, hp = 0;
        json_get_i64(p, "container_port", &cp);
        json_get_i64(p, "host_port", &hp);
        const char *hip = json_get_str(p, "host_ip");
        _cleanup_free_ char *one =
            xasprintf("%s%s:%lld->%lld/%s", n ? ", " : "", hip && *hip ? hip : "0.0.0.0",
                      (long long)hp, (long long)cp, str_or_empty(json_get_str(p, "protocol")));
        size_t l = strlen(one);
        while (n + l + 1 > cap)
            out = xrealloc(out, cap *= 2);
        memcpy(out + n, one, l + 1);
        n += l;
    }
    return out;
}

void net_inspect_host_config(json_w *w, const struct ctr_spec *sp)
{
    const char *mode = sp->network ? sp->network : "none";
    if (str_eq(mode, "bridge") && sp->net.n_nets && !str_eq(sp->net.nets[0].name, DEFAULT_NETWORK))
        mode = sp->net.nets[0].name; /* docker: a user network's name; "bridge": the default */
    jw_kstr(w, "NetworkMode", mode);
    jw_key(w, "PortBindings");
    jw_obj_open(w);
    for (size_t i = 0; i < sp->net.n_ports; i++)
        for (uint16_t k = 0; k < sp->net.ports[i].range; k++) {
            const struct port_map *p = &sp->net.ports[i];
            _cleanup_free_ char *key = xasprintf("%u/%s", (unsigned)(p->ctr_port + k), p->proto);
            char port[8] = "";
            if (p->host_port)
                snprintf(port, sizeof(port), "%u", (unsigned)(p->host_port + k));
            jw_key(w, key);
            jw_arr_open(w);
            jw_obj_open(w);
            jw_kstr(w, "HostIp", p->host_ip);
            jw_kstr(w, "HostPort", port);
            jw_obj_close(w);
            jw_arr_close(w);
        }
    jw_obj_close(w);
    char *const none[] = { NULL };
    jw_kstrv(w, "Dns", sp->net.dns ? sp->net.dns : none);
    jw_kstrv(w, "DnsSearch", sp->net.dns_search ? sp->net.dns_search : none);
    jw_kstrv(w, "DnsOptions", sp->net.dns_opt ? sp->net.dns_opt : none);
    jw_kstrv(w, "ExtraHosts", sp->net.add_hosts ? sp->net.add_hosts : none);
}
