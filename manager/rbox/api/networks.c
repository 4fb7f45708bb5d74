/* networks.c - /networks/create, DELETE /networks/NAME, /networks/NAME/connect and
 * /disconnect, through the same core calls as `rbox network` (net/network.c, net/netsetup.c). */
#define _GNU_SOURCE
#include "api.h"
#include "network.h"
#include "netsetup.h"
#include "util.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

int api_network_create(struct api_req *r)
{
    _cleanup_yajl_ yajl_val body = NULL;
    rbox_err *err = NULL;
    if (json_parse(r->body, "the request body", &body, &err) < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    const char *driver = json_get_str(body, "Driver");
    if (driver && *driver && strcmp(driver, "bridge") != 0)
        return api_error(r, MHD_HTTP_BAD_REQUEST, "network driver \"%s\": only bridge is supported",
                         driver);
    struct network_req req = { .name = json_get_str(body, "Name") };
    if (req.name == NULL || *req.name == '\0')
        return api_error(r, MHD_HTTP_BAD_REQUEST, "no network name given (Name)");
    json_get_bool(body, "Internal", &req.internal);
    yajl_val cfg = json_get(json_get(body, "IPAM"), "Config");
    if (YAJL_IS_ARRAY(cfg) && cfg->u.array.len > 0) {
        if (cfg->u.array.len > 1)
            return api_error(r, MHD_HTTP_BAD_REQUEST, "one IPAM subnet at most");
        req.subnet = json_get_str(cfg->u.array.values[0], "Subnet");
        req.gateway = json_get_str(cfg->u.array.values[0], "Gateway");
    }
    _cleanup_strv_ char **labels = xcalloc(1, sizeof(char *));
    size_t nl = 0;
    yajl_val lab = json_get(body, "Labels");
    for (size_t i = 0; YAJL_IS_OBJECT(lab) && i < lab->u.object.len; i++) {
        const char *v = YAJL_GET_STRING(lab->u.object.values[i]);
        strv_push(&labels, &nl, xasprintf("%s=%s", lab->u.object.keys[i], v ? v : ""));
    }
    req.labels = labels;
    struct network n;
    api_lock();
    int rc = store_lock(r->s, &err);
    if (rc == 0)
        rc = network_create(r->s, &req, &n, &err);
    store_unlock(r->s);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    json_w w;
    jw_init(&w, false);
    jw_obj_open(&w);
    jw_kstr(&w, "Id", n.id);
    jw_kstr(&w, "Warning", "");
    jw_obj_close(&w);
    network_clear(&n);
    return api_json(r, MHD_HTTP_CREATED, &w);
}

int api_network_remove(struct api_req *r)
{
    rbox_err *err = NULL;
    api_lock();
    int rc = network_remove(r->s, r->seg[1], &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_INTERNAL_SERVER_ERROR);
    return api_no_content(r);
}

static int attach_net(struct api_req *r, bool on)
{
    _cleanup_yajl_ yajl_val body = NULL;
    rbox_err *err = NULL;
    if (json_parse(r->body, "the request body", &body, &err) < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    const char *ref = json_get_str(body, "Container");
    if (ref == NULL || *ref == '\0')
        return api_error(r, MHD_HTTP_BAD_REQUEST, "no container given (Container)");
    yajl_val ep = json_get(body, "EndpointConfig");
    const char *ip = json_get_str(json_get(ep, "IPAMConfig"), "IPv4Address");
    _cleanup_strv_ char **aliases = xcalloc(1, sizeof(char *));
    size_t na = 0;
    yajl_val al = json_get(ep, "Aliases");
    for (size_t i = 0; YAJL_IS_ARRAY(al) && i < al->u.array.len; i++)
        if (YAJL_IS_STRING(al->u.array.values[i]))
            strv_push(&aliases, &na, xstrdup(YAJL_GET_STRING(al->u.array.values[i])));
    char id[ID_LEN + 1];
    api_lock();
    int rc = ctr_resolve(r->s, ref, id, &err);
    if (rc == 0)
        rc = on ? net_connect(r->s, id, r->seg[1], ip && *ip ? ip : NULL, aliases, &err)
                : net_disconnect(r->s, id, r->seg[1], &err);
    api_unlock();
    if (rc < 0)
        return api_fail(r, err, MHD_HTTP_BAD_REQUEST);
    return api_reply(r, MHD_HTTP_OK, NULL, NULL, 0);
}

int api_network_connect(struct api_req *r)
{
    return attach_net(r, true);
}

int api_network_disconnect(struct api_req *r)
{
    return attach_net(r, false);
}
