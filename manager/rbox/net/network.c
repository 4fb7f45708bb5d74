/* network.c - network files, subnets and IP leases (network.h). */
#define _GNU_SOURCE
#include "network.h"
#include "conf.h"
#include "spec.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_NETWORK_ID "aeb7a4889f70a80ae2bbb74f4f7eec6e7a3b4a5d66040cffe009d19c02030070"

void network_clear(struct network *n)
{
    free(n->name);
    free(n->iface);
    free(n->subnet);
    free(n->gateway);
    strv_free(n->labels);
    memset(n, 0, sizeof(*n));
}

void network_list_free(struct network *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        network_clear(&v[i]);
    free(v);
}

int ip4_parse(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *out = ntohl(a.s_addr);
    return 0;
}

void ip4_format(uint32_t a, char buf[16])
{
    struct in_addr in = { .s_addr = htonl(a) };
    inet_ntop(AF_INET, &in, buf, 16);
}

static uint32_t mask_of(int prefix)
{
    return prefix == 0 ? 0 : ~(uint32_t)0 << (32 - prefix);
}

int cidr4_parse(const char *s, uint32_t *addr, int *prefix)
{
    const char *slash = strchr(s, '/');
    if (slash == NULL || slash - s > 15)
        return -1;
    char ip[16];
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = '\0';
    int p;
    if (ip4_parse(ip, addr) < 0 || parse_int(slash + 1, &p) < 0 || p < 0 || p > 32)
        return -1;
    *prefix = p;
    return (*addr & ~mask_of(p)) == 0 ? 0 : -2;
}

static bool overlaps(uint32_t a, int pa, uint32_t b, int pb)
{
    int p = pa < pb ? pa : pb;
    return ((a ^ b) & mask_of(p)) == 0;
}

int network_name_validate(const char *name, rbox_err **err)
{
    size_t len = strlen(name);
    bool ok = len >= 1 && len <= 64 && isalnum((unsigned char)name[0]);
    for (size_t i = 1; ok && i < len; i++)
        ok = isalnum((unsigned char)name[i]) || strchr("_.-", name[i]);
    if (!ok)
        return rbox_error(err, 0,
                          "invalid network name \"%s\": use 1-64 characters of "
                          "[a-zA-Z0-9][a-zA-Z0-9_.-]",
                          name);
    if (str_eq(name, "none") || str_eq(name, "host") || str_eq(name, "bridge") ||
        str_eq(name, DEFAULT_NETWORK))
        return rbox_error(err, 0, "network name \"%s\" is reserved", name);
    return 0;
}

static int fill_subnet(struct network *n, const char *subnet, const char *gateway, rbox_err **err)
{
    int r = cidr4_parse(subnet, &n->addr, &n->prefix);
    if (r == -2)
        return rbox_error(err, 0, "invalid subnet \"%s\": the host bits are not zero", subnet);
    if (r < 0)
        return rbox_error(err, 0, "invalid subnet \"%s\": expected an IPv4 CIDR (10.78.1.0/24)",
                          subnet);
    if (n->prefix < 8 || n->prefix > 30)
        return rbox_error(err, 0, "invalid subnet \"%s\": the prefix must be /8 to /30", subnet);
    uint32_t gw = n->addr + 1;
    if (gateway && ip4_parse(gateway, &gw) < 0)
        return rbox_error(err, 0, "invalid gateway \"%s\": expected an IPv4 address", gateway);
    uint32_t bcast = n->addr | ~mask_of(n->prefix);
    if ((gw & mask_of(n->prefix)) != n->addr || gw == n->addr || gw == bcast)
        return rbox_error(err, 0, "invalid gateway \"%s\": not a host address of %s", gateway,
                          subnet);
    char buf[16];
    ip4_format(gw, buf);
    n->subnet = xstrdup(subnet);
    n->gateway = xstrdup(buf);
    return 0;
}

static int default_network(struct network *n, rbox_err **err)
{
    const struct rbox_conf *conf;
    memset(n, 0, sizeof(*n));
    if (rbox_conf_get(&conf, err) < 0)
        return -1;
    n->name = xstrdup(DEFAULT_NETWORK);
    memcpy(n->id, DEFAULT_NETWORK_ID, ID_LEN + 1);
    n->iface = xstrdup("rbox0");
    n->builtin = true;
    n->labels = xcalloc(1, sizeof(char *));
    if (fill_subnet(n, conf->default_subnet, NULL, err) < 0) {
        network_clear(n);
        return rbox_error_prefix(err, "%s: default_subnet",
                                 conf->path ? conf->path : RBOX_CONF_DEFAULT);
    }
    return 0;
}

static int networks_dir(const struct store *s, rbox_err **err)
{
    if (mkdirat(s->root_fd, "networks", 0700) < 0 && errno != EEXIST)
        return rbox_error(err, errno, "creating %s/networks", s->root);
    int fd = openat(s->root_fd, "networks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rbox_error(err, errno, "opening %s/networks", s->root);
    return fd;
}

static int parse_file(const char *text, const char *path, struct network *n, rbox_err **err)
{
    _cleanup_yajl_ yajl_val v = NULL;
    memset(n, 0, sizeof(*n));
    if (json_parse(text, path, &v, err) < 0)
        return -1;
    const char *name = json_get_str(v, "name"), *id = json_get_str(v, "id");
    const char *iface = json_get_str(v, "network_interface");
    yajl_val subnets = json_get(v, "subnets");
    yajl_val sn =
        YAJL_IS_ARRAY(subnets) && subnets->u.array.len ? subnets->u.array.values[0] : NULL;
    if (!name || !id || strlen(id) != ID_LEN || !iface || !sn)
        return rbox_error(err, 0, "%s: not a network file", path);
    n->name = xstrdup(name);
    memcpy(n->id, id, ID_LEN + 1);
    n->iface = xstrdup(iface);
    if (fill_subnet(n, json_get_str(sn, "subnet") ? json_get_str(sn, "subnet") : "",
                    json_get_str(sn, "gateway"), err) < 0) {
        network_clear(n);
        return rbox_error_prefix(err, "%s", path);
    }
    json_get_bool(v, "internal", &n->internal);
    json_get_bool(v, "dns_enabled", &n->dns);
    json_get_i64(v, "rbox_created_ns", &n->created_ns);
    size_t cnt = 0;
    n->labels = xcalloc(1, sizeof(char *));
    yajl_val labels = json_get(v, "labels");
    for (size_t i = 0; YAJL_IS_OBJECT(labels) && i < labels->u.object.len; i++)
        if (YAJL_IS_STRING(labels->u.object.values[i]))
            strv_push(&n->labels, &cnt,
                      xasprintf("%s=%s", labels->u.object.keys[i],
                                YAJL_GET_STRING(labels->u.object.values[i])));
    return 0;
}

static int load_file(const struct store *s, const char *name, struct network *n, rbox_err **err)
{
    _cleanup_close_ int dfd = networks_dir(s, err);
    if (dfd < 0)
        return -1;
    _cleanup_free_ char *file = xasprintf("%s.json", name);
    _cleanup_free_ char *path = xasprintf("%s/networks/%s", s->root, file);
    _cleanup_free_ char *text = NULL;
    if (read_file_at(dfd, file, &text, NULL) < 0)
        return errno == ENOENT ? rbox_error(err, 0, "network %s not found", name)
                               : rbox_error(err, errno, "reading %s", path);
    return parse_file(text, path, n, err);
}

static int cmp_net(const void *a, const void *b)
{
    const struct network *x = a, *y = b;
    if (x->builtin != y->builtin)
        return x->builtin ? -1 : 1;
    return strcmp(x->name, y->name);
}

int network_list(struct store *s, struct network **out, size_t *n, rbox_err **err)
{
    *out = xcalloc(1, sizeof(**out));
    *n = 0;
    if (default_network(&(*out)[0], err) < 0)
        return -1;
    *n = 1;
    int dfd = networks_dir(s, err);
    if (dfd < 0)
        return -1;
    _cleanup_closedir_ DIR *d = fdopendir(dfd);
    if (d == NULL) {
        close(dfd);
        return rbox_error(err, errno, "listing %s/networks", s->root);
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        _cleanup_free_ char *name = xstrndup(e->d_name, len - 5);
        struct network net;
        if (load_file(s, name, &net, NULL) < 0)
            continue;
        *out = xrealloc(*out, (*n + 1) * sizeof(**out));
        (*out)[(*n)++] = net;
    }
    qsort(*out, *n, sizeof(**out), cmp_net);
    return 0;
}

int network_load(struct store *s, const char *ref, struct network *out, rbox_err **err)
{
    if (str_eq(ref, "bridge") || str_eq(ref, DEFAULT_NETWORK))
        return default_network(out, err);
    if (strchr(ref, '/') == NULL && ref[0] != '.' && load_file(s, ref, out, NULL) == 0)
        return 0;
    /* an ID or a unique prefix of one */
    size_t len = strlen(ref);
    struct network *all;
    size_t n;
    if (len == 0 || strspn(ref, "0123456789abcdef") != len || network_list(s, &all, &n, NULL) < 0)
        return rbox_error(err, 0, "network %s not found", ref);
    int found = -1;
    for (size_t i = 0; i < n; i++)
        if (strncmp(all[i].id, ref, len) == 0) {
            if (found >= 0) {
                network_list_free(all, n);
                return rbox_error(err, 0, "network ID prefix %s is ambiguous", ref);
            }
            found = (int)i;
        }
    if (found < 0) {
        network_list_free(all, n);
        return rbox_error(err, 0, "network %s not found", ref);
    }
    *out = all[found];
    memset(&all[found], 0, sizeof(all[found]));
    network_list_free(all, n);
    return 0;
}

/* An IPv4 address of a host interface inside addr/prefix that is not one of our bridges. */
static bool host_address_in(uint32_t addr, int prefix, const struct network *nets, size_t n,
                            char *ifname, size_t len)
{
    struct ifaddrs *ifa;
    if (getifaddrs(&ifa) < 0)
        return false;
    bool hit = false;
    for (struct ifaddrs *i = ifa; i && !hit; i = i->ifa_next) {
        if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
            continue;
        uint32_t a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
        bool ours = false;
        for (size_t k = 0; k < n; k++)
            ours |= str_eq(nets[k].iface, i->ifa_name);
        if (!ours && overlaps(a, 32, addr, prefix)) {
            hit = true;
            snprintf(ifname, len, "%s", i->ifa_name);
        }
    }
    freeifaddrs(ifa);
    return hit;
}

static const char *overlapping(uint32_t addr, int prefix, const struct network *nets, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (overlaps(addr, prefix, nets[i].addr, nets[i].prefix))
            return nets[i].name;
    return NULL;
}

static int pick_subnet(const struct network *nets, size_t n, char out[24], rbox_err **err)
{
    const struct rbox_conf *conf;
    if (rbox_conf_get(&conf, err) < 0)
        return -1;
    uint32_t pool;
    int pp;
    if (cidr4_parse(conf->subnet_pool, &pool, &pp) != 0 || pp > 24)
        return rbox_error(err, 0, "%s: subnet_pool: \"%s\" is not an IPv4 CIDR of /24 or wider",
                          conf->path ? conf->path : RBOX_CONF_DEFAULT, conf->subnet_pool);
    char ifname[IF_NAMESIZE];
    for (uint64_t a = pool; a < (uint64_t)pool + ((uint64_t)1 << (32 - pp)); a += 256) {
        if (overlapping((uint32_t)a, 24, nets, n) ||
            host_address_in((uint32_t)a, 24, nets, n, ifname, sizeof(ifname)))
            continue;
        char ip[16];
        ip4_format((uint32_t)a, ip);
        snprintf(out, 24, "%s/24", ip);
        return 0;
    }
    return rbox_error(err, 0, "no free /24 left in the subnet pool %s", conf->subnet_pool);
}

static void write_file_json(json_w *w, const struct network *n, const struct network_req *req)
{
    jw_obj_open(w);
    network_netavark_json(w, n);
    jw_obj_close(w);
    (void)req;
}

int network_create(struct store *s, const struct network_req *req, struct network *out,
                   rbox_err **err)
{
    memset(out, 0, sizeof(*out));
    if (network_name_validate(req->name, err) < 0)
        return -1;
    struct network *nets;
    size_t n;
    if (network_list(s, &nets, &n, err) < 0)
        return -1;
    int r = -1;
    _cleanup_close_ int dfd = -1;
    _cleanup_free_ char *file = NULL;
    for (size_t i = 0; i < n; i++)
        if (str_eq(nets[i].name, req->name)) {
            rbox_error(err, 0, "network with name %s already exists", req->name);
            goto out;
        }
    char picked[24];
    const char *subnet = req->subnet;
    if (subnet == NULL) {
        if (req->gateway) {
            rbox_error(err, 0, "--gateway needs --subnet");
            goto out;
        }
        if (pick_subnet(nets, n, picked, err) < 0)
            goto out;
        subnet = picked;
    }
    out->name = xstrdup(req->name);
    if (fill_subnet(out, subnet, req->gateway, err) < 0)
        goto out;
    const char *other = overlapping(out->addr, out->prefix, nets, n);
    char ifname[IF_NAMESIZE];
    if (other) {
        rbox_error(err, 0, "subnet %s overlaps the subnet of network %s", subnet, other);
        goto out;
    }
    if (host_address_in(out->addr, out->prefix, nets, n, ifname, sizeof(ifname))) {
        rbox_error(err, 0, "subnet %s is already used on the host (interface %s)", subnet, ifname);
        goto out;
    }
    for (unsigned k = 1;; k++) {
        _cleanup_free_ char *name = xasprintf("rbox%u", k);
        bool used = false;
        for (size_t i = 0; i < n; i++)
            used |= str_eq(nets[i].iface, name);
        if (!used) {
            out->iface = steal_pointer(&name);
            break;
        }
    }
    id_generate(out->id);
    out->internal = req->internal;
    out->dns = true;
    out->labels = strv_dup(req->labels ? req->labels : (char *[]){ NULL });
    out->created_ns = now_ns_realtime();
    if ((dfd = networks_dir(s, err)) < 0)
        goto out;
    json_w w;
    jw_init(&w, true);
    write_file_json(&w, out, req);
    size_t len;
    const char *text = jw_text(&w, &len);
    file = xasprintf("%s.json", out->name);
    int wr = write_file_atomic_at(dfd, file, text, len, 0644, true);
    int saved = errno;
    jw_free(&w);
    if (wr < 0) {
        rbox_error(err, saved, "writing %s/networks/%s", s->root, file);
        goto out;
    }
    r = 0;
out:
    network_list_free(nets, n);
    if (r < 0)
        network_clear(out);
    return r;
}

int network_users(struct store *s, const char *name, char ***names, rbox_err **err)
{
    *names = xcalloc(1, sizeof(char *));
    size_t cnt = 0, count;
    _cleanup_strv_ char **ids = NULL;
    if (ctr_list_ids(s, &ids, &count, err) < 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        _cleanup_close_ int fd = ctr_open_dir(s, ids[i], NULL);
        struct ctr_spec sp;
        if (fd < 0 || spec_load(fd, &sp, NULL) < 0)
            continue;
        bool uses = false;
        for (size_t k = 0; k < sp.net.n_nets; k++)
            uses |= str_eq(sp.net.nets[k].name, name);
        if (uses)
            strv_push(names, &cnt, xstrdup(sp.name));
        spec_clear(&sp);
    }
    return 0;
}

int network_remove(struct store *s, const char *name, rbox_err **err)
{
    struct network n;
    if (network_load(s, name, &n, err) < 0)
        return -1;
    if (n.builtin) {
        network_clear(&n);
        return rbox_error(err, 0, "network %s is the default network: it cannot be removed", name);
    }
    _cleanup_strv_ char **users = NULL;
    if (network_users(s, n.name, &users, err) < 0) {
        network_clear(&n);
        return -1;
    }
    if (users[0]) {
        rbox_error(err, 0, "network %s is in use by container %s%s", n.name, users[0],
                   users[1] ? " and others" : "");
        network_clear(&n);
        return -1;
    }
    _cleanup_close_ int dfd = networks_dir(s, err);
    _cleanup_free_ char *file = xasprintf("%s.json", n.name);
    int r = 0;
    if (dfd < 0 || unlinkat(dfd, file, 0) < 0)
        r = dfd < 0 ? -1 : rbox_error(err, errno, "removing network %s", n.name);
    _cleanup_free_ char *leases = xasprintf("%s/networks/leases/%s", s->runroot, n.name);
    rm_rf_at(AT_FDCWD, leases);
    network_clear(&n);
    return r;
}

void network_labels_json(json_w *w, char *const *labels)
{
    jw_obj_open(w);
    for (size_t i = 0; labels && labels[i]; i++) {
        const char *eq = strchr(labels[i], '=');
        _cleanup_free_ char *k =
            eq ? xstrndup(labels[i], (size_t)(eq - labels[i])) : xstrdup(labels[i]);
        jw_kstr(w, k, eq ? eq + 1 : "");
    }
    jw_obj_close(w);
}

void network_netavark_json(json_w *w, const struct network *n)
{
    char created[48];
    struct timespec t = { .tv_sec = n->created_ns / 1000000000,
                          .tv_nsec = n->created_ns % 1000000000 };
    format_time_rfc3339(&t, created, sizeof(created));
    jw_kstr(w, "name", n->name);
    jw_kstr(w, "id", n->id);
    jw_kstr(w, "driver", "bridge");
    jw_kstr(w, "network_interface", n->iface);
    jw_kstr(w, "created", created);
    jw_key(w, "subnets");
    jw_arr_open(w);
    jw_obj_open(w);
    jw_kstr(w, "subnet", n->subnet);
    jw_kstr(w, "gateway", n->gateway);
    jw_obj_close(w);
    jw_arr_close(w);
    jw_kbool(w, "ipv6_enabled", false);
    jw_kbool(w, "internal", n->internal);
    jw_kbool(w, "dns_enabled", n->dns);
    jw_key(w, "labels");
    network_labels_json(w, n->labels);
    jw_key(w, "ipam_options");
    jw_obj_open(w);
    jw_kstr(w, "driver", "host-local");
    jw_obj_close(w);
    jw_kint(w, "rbox_created_ns", n->created_ns);
}

char *network_lease_path(const struct store *s, const char *name, const char *ip)
{
    return xasprintf("%s/networks/leases/%s/%s", s->runroot, name, ip);
}

/* Is the lease at path held by a container whose network is set up? */
static bool lease_live(const struct store *s, const char *path)
{
    char id[ID_LEN + 2];
    ssize_t len = readlink(path, id, sizeof(id) - 1);
    if (len != ID_LEN)
        return false;
    id[len] = '\0';
    _cleanup_free_ char *rec = ctr_run_path(s, id, "net.teardown");
    return access(rec, F_OK) == 0;
}

static int try_lease(const struct store *s, const char *name, uint32_t a, const char *id,
                     char ip[16])
{
    ip4_format(a, ip);
    _cleanup_free_ char *path = network_lease_path(s, name, ip);
    if (symlink(id, path) == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    if (lease_live(s, path)) {
        errno = EADDRINUSE;
        return -1;
    }
    /* left by a container whose network was never set up or is gone: take it over */
    unlink(path);
    return symlink(id, path);
}

int network_ip_check(const struct network *n, const char *ip, rbox_err **err)
{
    uint32_t a, gw = 0;
    ip4_parse(n->gateway, &gw);
    uint32_t bcast = n->addr | ~mask_of(n->prefix);
    if (ip4_parse(ip, &a) < 0)
        return rbox_error(err, 0, "invalid --ip \"%s\": expected an IPv4 address", ip);
    if ((a & mask_of(n->prefix)) != n->addr || a == n->addr || a == bcast || a == gw)
        return rbox_error(err, 0, "invalid --ip %s: not a free host address of network %s (%s)", ip,
                          n->name, n->subnet);
    return 0;
}

int network_lease(struct store *s, const struct network *n, const char *requested, const char *id,
                  char ip[16], rbox_err **err)
{
    _cleanup_free_ char *dir = xasprintf("%s/networks/leases/%s", s->runroot, n->name);
    if (mkdir_p(dir, 0700) < 0)
        return rbox_error(err, errno, "creating %s", dir);
    uint32_t gw = 0;
    ip4_parse(n->gateway, &gw);
    uint32_t bcast = n->addr | ~mask_of(n->prefix);
    if (requested) {
        uint32_t a = 0;
        if (network_ip_check(n, requested, err) < 0)
            return -1;
        ip4_parse(requested, &a);
        if (try_lease(s, n->name, a, id, ip) < 0)
            return errno == EADDRINUSE
                       ? rbox_error(err, 0, "IP address %s is already in use on network %s",
                                    requested, n->name)
                       : rbox_error(err, errno, "leasing %s on network %s", requested, n->name);
        return 0;
    }
    for (uint32_t a = n->addr + 1; a < bcast; a++) {
        if (a == gw)
            continue;
        if (try_lease(s, n->name, a, id, ip) == 0)
            return 0;
        if (errno != EADDRINUSE)
            return rbox_error(err, errno, "leasing an address on network %s", n->name);
    }
    return rbox_error(err, 0, "network %s has no free address left (%s)", n->name, n->subnet);
}

int network_leases(struct store *s, const char *name, char ***ids, char ***ips, size_t *n)
{
    *ids = xcalloc(1, sizeof(char *));
    *ips = xcalloc(1, sizeof(char *));
    size_t ni = 0, np = 0;
    *n = 0;
    _cleanup_free_ char *dir = xasprintf("%s/networks/leases/%s", s->runroot, name);
    _cleanup_closedir_ DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, e->d_name);
        char id[ID_LEN + 2];
        ssize_t len = readlink(path, id, sizeof(id) - 1);
        if (len != ID_LEN || !lease_live(s, path))
            continue;
        id[len] = '\0';
        strv_push(ids, &ni, xstrdup(id));
        strv_push(ips, &np, xstrdup(e->d_name));
    }
    *n = ni;
    return 0;
}
