/* netsetup.c - a container's network at start and stop (netsetup.h). */
#define _GNU_SOURCE
#include "netsetup.h"
#include "conf.h"
#include "ctr.h"
#include "netdown.h"
#include "network.h"
#include "usernet.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *str_or_null(const char *s)
{
    return s ? s : "";
}

/* A growing text (resolv.conf, hosts, the teardown record). */
struct sbuf {
    char *p;
    size_t n, cap;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) PRINTF(2, 3);
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    while (b->n + (size_t)k + 1 > b->cap)
        b->p = xrealloc(b->p, b->cap = b->cap ? b->cap * 2 : 256);
    va_start(ap, fmt);
    b->n += (size_t)vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
}

/* The text, "" when nothing was added (allocated). */
static char *sb_take(struct sbuf *b)
{
    return b->p ? b->p : xstrdup("");
}

void net_fds_close(struct net_fds *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->fd[i] >= 0)
            close(f->fd[i]);
    f->n = 0;
}

char *net_ns_path(const struct store *s, const struct ctr_spec *sp)
{
    if (str_eq(sp->network, "bridge") || str_has_prefix(sp->network, "container:") ||
        usernet_is(sp->network))
        return ctr_run_path(s, sp->id, NET_NETNS_FILE);
    if (str_has_prefix(sp->network, "ns:"))
        return xstrdup(sp->network + 3);
    return NULL;
}

/* The host's resolv.conf, split: name servers (loopback ones dropped: they do not answer
 * inside the container's namespace, as docker does), search domains, options. */
static void host_resolv(char ***servers, char ***search, char ***options)
{
    size_t ns = 0, nsr = 0, no = 0;
    *servers = xcalloc(1, sizeof(char *));
    *search = xcalloc(1, sizeof(char *));
    *options = xcalloc(1, sizeof(char *));
    _cleanup_free_ char *text = NULL;
    if (read_file_at(AT_FDCWD, "/etc/resolv.conf", &text, NULL) < 0)
        return;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *s2 = NULL, *key = strtok_r(line, " \t", &s2);
        if (key == NULL)
            continue;
        char *v;
        if (str_eq(key, "nameserver") && (v = strtok_r(NULL, " \t", &s2)) != NULL) {
            if (!str_has_prefix(v, "127.") && !str_eq(v, "::1"))
                strv_push(servers, &ns, xstrdup(v));
        } else if (str_eq(key, "search") || str_eq(key, "domain")) {
            while ((v = strtok_r(NULL, " \t", &s2)) != NULL)
                strv_push(search, &nsr, xstrdup(v));
        } else if (str_eq(key, "options")) {
            while ((v = strtok_r(NULL, " \t", &s2)) != NULL)
                strv_push(options, &no, xstrdup(v));
        }
    }
}

/* resolv.conf text: --dns/--dns-search replace, --dns-option adds. */
static char *resolv_text(const struct net_req *r, char *const *servers, char *const *search,
                         char *const *options)
{
    char *const *sv = r->dns ? r->dns : servers;
    char *const *se = r->dns_search ? r->dns_search : search;
    struct sbuf b = { 0 };
    if (se && se[0] && !(se[0][0] == '.' && se[0][1] == '\0')) {
        sb_add(&b, "search");
        for (size_t i = 0; se[i]; i++)
            sb_add(&b, " %s", se[i]);
        sb_add(&b, "\n");
    }
    for (size_t i = 0; sv && sv[i]; i++)
        sb_add(&b, "nameserver %s\n", sv[i]);
    size_t nopt = strv_len(options) + strv_len(r->dns_opt);
    if (nopt) {
        sb_add(&b, "options");
        for (size_t i = 0; options && options[i]; i++)
            sb_add(&b, " %s", options[i]);
        for (size_t i = 0; r->dns_opt && r->dns_opt[i]; i++)
            sb_add(&b, " %s", r->dns_opt[i]);
        sb_add(&b, "\n");
    }
    return sb_take(&b);
}

char *net_resolv_default(const struct ctr_spec *sp)
{
    if (str_eq(sp->network, "none") && !sp->net.dns)
        return xstrdup("");
    _cleanup_strv_ char **servers = NULL, **search = NULL, **options = NULL;
    host_resolv(&servers, &search, &options);
    if (usernet_is_slirp(sp->network)) /* slirp4netns's resolver; pasta: the host's */
        return resolv_text(&sp->net, (char *[]){ USERNET_SLIRP_DNS, NULL }, search, options);
    if (servers[0] == NULL) {
        const struct rbox_conf *conf;
        char *const fallback[] = { "8.8.8.8", "8.8.4.4", NULL }; /* docker's */
        if (rbox_conf_get(&conf, NULL) == 0 && conf->dns_servers)
            return resolv_text(&sp->net, conf->dns_servers, search, options);
        return resolv_text(&sp->net, fallback, search, options);
    }
    return resolv_text(&sp->net, servers, search, options);
}

static int write_etc(const struct store *s, const struct ctr_spec *sp, const char *hosts,
                     const char *resolv, rbox_err **err)
{
    _cleanup_free_ char *dir = ctr_path(s, sp->id, NULL);
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 ||
        (hosts && write_file_atomic_at(fd, "hosts", hosts, strlen(hosts), 0644, false) < 0) ||
        (resolv &&
         write_file_atomic_at(fd, "resolv.conf", resolv, strlen(resolv), 0644, false) < 0))
        return rbox_error(err, errno, "writing the container's /etc/hosts and /etc/resolv.conf");
    return 0;
}

static char *hosts_text(const struct ctr_spec *sp, const char *ip, const char *gateway)
{
    char shortid[13];
    snprintf(shortid, sizeof(shortid), "%.12s", sp->id);
    const char *hn = sp->hostname ? sp->hostname : shortid;
    struct sbuf b = { 0 };
    sb_add(&b, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    if (ip)
        sb_add(&b, "%s\t%s %s\n", ip, hn, sp->name);
    for (size_t i = 0; sp->net.add_hosts && sp->net.add_hosts[i]; i++) {
        const char *h = sp->net.add_hosts[i], *colon = strchr(h, ':');
        const char *addr = str_eq(colon + 1, "host-gateway") ? gateway : colon + 1;
        if (addr)
            sb_add(&b, "%s\t%.*s\n", addr, (int)(colon - h), h);
    }
    return sb_take(&b);
}

/* Bind the host side of every published port; port 0 becomes the kernel's free one. */
static int bind_ports(const struct ctr_spec *sp, struct port_map **out, size_t *nout,
                      struct net_fds *fds, rbox_err **err)
{
    *out = NULL;
    *nout = 0;
    for (size_t i = 0; i < sp->net.n_ports; i++) {
        const struct port_map *p = &sp->net.ports[i];
        for (uint16_t k = 0; k < p->range; k++) {
            if (fds->n == NET_MAX_PORT_FDS)
                return rbox_error(err, 0, "too many published ports (at most %d)",
                                  NET_MAX_PORT_FDS);
            bool udp = str_eq(p->proto, "udp");
            int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
            if (fd < 0)
                return rbox_error(err, errno, "socket");
            fds->fd[fds->n++] = fd;
            struct sockaddr_in a = { .sin_family = AF_INET };
            a.sin_port = htons(p->host_port ? (uint16_t)(p->host_port + k) : 0);
            if (p->host_ip[0])
                inet_pton(AF_INET, p->host_ip, &a.sin_addr);
            if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
                if (errno == EADDRINUSE)
                    return rbox_error(err, 0,
                                      "cannot publish %s:%u/%s: the port is already allocated "
                                      "(by another container or a host program)",
                                      p->host_ip[0] ? p->host_ip : "0.0.0.0",
                                      (unsigned)(p->host_port + k), p->proto);
                return rbox_error(err, errno, "binding %s:%u/%s",
                                  p->host_ip[0] ? p->host_ip : "0.0.0.0",
                                  (unsigned)(p->host_port + k), p->proto);
            }
            socklen_t len = sizeof(a);
            getsockname(fd, (struct sockaddr *)&a, &len);
            *out = xrealloc(*out, (*nout + 1) * sizeof(**out));
            struct port_map *m = &(*out)[(*nout)++];
            *m = *p;
            m->host_port = ntohs(a.sin_port);
            m->ctr_port = (uint16_t)(p->ctr_port + k);
            m->range = 1;
        }
    }
    return 0;
}

static void write_ports(json_w *w, const struct port_map *pm, size_t n, bool netavark)
{
    jw_key(w, netavark ? "port_mappings" : "ports");
    jw_arr_open(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_open(w);
        jw_kstr(w, "host_ip", pm[i].host_ip);
        jw_kint(w, "container_port", pm[i].ctr_port);
        jw_kint(w, "host_port", pm[i].host_port);
        if (netavark)
            jw_kint(w, "range", 1);
        jw_kstr(w, "protocol", pm[i].proto);
        jw_obj_close(w);
    }
    jw_arr_close(w);
}

/* netavark's input for the networks nets[0..n) with addresses ips and interfaces ifnames. */
static char *options_json(const struct ctr_spec *sp, const struct network *nets,
                          const struct net_attach *at, char (*ips)[16], char (*ifnames)[16],
                          size_t n, const struct port_map *pm, size_t npm)
{
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    jw_kstr(&w, "container_id", sp->id);
    jw_kstr(&w, "container_name", sp->name);
    write_ports(&w, pm, npm, true);
    jw_key(&w, "networks");
    jw_obj_open(&w);
    for (size_t i = 0; i < n; i++) {
        jw_key(&w, nets[i].name);
        jw_obj_open(&w);
        jw_key(&w, "static_ips");
        jw_arr_open(&w);
        jw_str(&w, ips[i]);
        jw_arr_close(&w);
        jw_key(&w, "aliases");
        jw_arr_open(&w);
        char shortid[13];
        snprintf(shortid, sizeof(shortid), "%.12s", sp->id);
        jw_str(&w, shortid);
        for (size_t k = 0; at[i].aliases && at[i].aliases[k]; k++)
            jw_str(&w, at[i].aliases[k]);
        jw_arr_close(&w);
        jw_kstr(&w, "interface_name", ifnames[i]);
        jw_obj_close(&w);
    }
    jw_obj_close(&w);
    jw_key(&w, "network_info");
    jw_obj_open(&w);
    for (size_t i = 0; i < n; i++) {
        jw_key(&w, nets[i].name);
        jw_obj_open(&w);
        network_netavark_json(&w, &nets[i]);
        jw_obj_close(&w);
    }
    jw_obj_close(&w);
    jw_obj_close(&w);
    char *text = xstrdup(jw_text(&w, NULL));
    jw_free(&w);
    return text;
}

/* netavark's error: its {"error": "..."} line, else its stderr's last line. */
static void netavark_error(const char *text, char *msg, size_t len)
{
    yajl_val v = NULL;
    const char *brace = text ? strrchr(text, '{') : NULL;
    if (brace && json_parse(brace, "netavark", &v, NULL) == 0 && json_get_str(v, "error")) {
        snprintf(msg, len, "%s", json_get_str(v, "error"));
        yajl_tree_free(v);
        return;
    }
    if (v)
        yajl_tree_free(v);
    const char *last = text && *text ? text : "no message";
    snprintf(msg, len, "%s", last);
    size_t l = strlen(msg);
    while (l && msg[l - 1] == '\n')
        msg[--l] = '\0';
    char *nl = strrchr(msg, '\n');
    if (nl)
        memmove(msg, nl + 1, strlen(nl + 1) + 1);
}

static int spawn_wait(const char *const *argv)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int r = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (r != 0) {
        errno = r;
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return st;
}

/* A new network namespace bound on path (util-linux unshare keeps it, as `ip netns add`). */
static int make_netns(const char *path, rbox_err **err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return rbox_error(err, errno, "creating %s", path);
    close(fd);
    _cleanup_free_ char *opt = xasprintf("--net=%s", path);
    const char *argv[] = { "/usr/bin/unshare", opt, "/bin/true", NULL };
    int st = spawn_wait(argv);
    if (st != 0)
        return st < 0 ? rbox_error(err, errno, "cannot run %s", argv[0])
                      : rbox_error(err, 0, "unshare --net=%s failed (status %d)", path, st);
    return 0;
}

struct setup {
    const struct rbox_conf *conf;
    char *run_dir, *config_dir, *ns, *options;
};

static void setup_clear(struct setup *u)
{
    free(u->run_dir);
    free(u->config_dir);
    free(u->ns);
    free(u->options);
}

static int record_write(const struct store *s, const struct setup *u, const char *id,
                        const struct network *nets, char (*ips)[16], size_t n, bool link,
                        rbox_err **err)
{
    struct sbuf b = { 0 };
    if (link) {
        sb_add(&b, "link %s\n", u->ns);
    } else {
        sb_add(&b, "netavark %s\naardvark %s\nconfig %s\noptions %s\nnetns %s\n", u->conf->netavark,
               u->conf->aardvark_dns, u->config_dir, u->options, u->ns);
        for (size_t i = 0; i < n; i++) {
            _cleanup_free_ char *lp = network_lease_path(s, nets[i].name, ips[i]);
            sb_add(&b, "lease %s\n", lp);
        }
    }
    _cleanup_free_ char *rec = sb_take(&b);
    _cleanup_close_ int fd = open(u->run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || write_file_atomic_at(fd, NET_TEARDOWN_FILE, rec, b.n, 0600, false) < 0)
        return rbox_error(err, errno, "writing %s/%s", u->run_dir, NET_TEARDOWN_FILE);
    (void)id;
    return 0;
}

/* --network container:C: a link to C's namespace, C's /etc files. */
static int start_joined(struct store *s, const struct ctr_spec *sp, struct setup *u, rbox_err **err)
{
    const char *ref = sp->network + strlen("container:");
    struct ctr_state st;
    if (ctr_read(s, ref, &st, err) < 0)
        return rbox_error_prefix(err, "--network %s", sp->network);
    if (st.status != CS_RUNNING && st.status != CS_PAUSED)
        return rbox_error(err, 0, "cannot join the network of container %s: it is not running",
                          st.name);
    _cleanup_free_ char *target = xasprintf("/proc/%d/ns/net", st.pid);
    if (record_write(s, u, sp->id, NULL, NULL, 0, true, err) < 0)
        return -1;
    unlink(u->ns);
    if (symlink(target, u->ns) < 0)
        return rbox_error(err, errno, "linking %s", u->ns);
    _cleanup_free_ char *hosts = NULL, *resolv = NULL;
    _cleanup_free_ char *hp = ctr_path(s, st.id, "hosts"), *rp = ctr_path(s, st.id, "resolv.conf");
    read_file_at(AT_FDCWD, hp, &hosts, NULL);
    read_file_at(AT_FDCWD, rp, &resolv, NULL);
    return write_etc(s, sp, hosts, resolv, err);
}

static int parse_result(const char *out, const struct network *nets, char (*ifnames)[16], size_t n,
                        json_w *w, char ***dns_servers, char ***dns_search, rbox_err **err)
{
    _cleanup_yajl_ yajl_val v = NULL;
    if (json_parse(out, "netavark's output", &v, err) < 0)
        return -1;
    size_t ns = 0, nsr = 0;
    *dns_servers = xcalloc(1, sizeof(char *));
    *dns_search = xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        yajl_val r = json_get(v, nets[i].name);
        yajl_val ifc = json_get(json_get(r, "interfaces"), ifnames[i]);
        yajl_val subnets = json_get(ifc, "subnets");
        yajl_val sn =
            YAJL_IS_ARRAY(subnets) && subnets->u.array.len ? subnets->u.array.values[0] : NULL;
        const char *ipnet = json_get_str(sn, "ipnet");
        if (ipnet == NULL)
            return rbox_error(err, 0, "netavark set up no address on network %s", nets[i].name);
        const char *slash = strchr(ipnet, '/');
        jw_obj_open(w);
        jw_kstr(w, "name", nets[i].name);
        jw_kstr(w, "id", nets[i].id);
        _cleanup_free_ char *ip = slash ? xstrndup(ipnet, (size_t)(slash - ipnet)) : xstrdup(ipnet);
        jw_kstr(w, "ip", ip);
        jw_kint(w, "prefix", slash ? atoi(slash + 1) : 32);
        jw_kstr(w, "gateway", json_get_str(sn, "gateway"));
        jw_kstr(w, "mac", json_get_str(ifc, "mac_address"));
        jw_kstr(w, "iface", ifnames[i]);
        jw_obj_close(w);
        yajl_val d = json_get(r, "dns_server_ips");
        for (size_t k = 0; YAJL_IS_ARRAY(d) && k < d->u.array.len; k++)
            if (YAJL_IS_STRING(d->u.array.values[k]))
                strv_push(dns_servers, &ns, xstrdup(YAJL_GET_STRING(d->u.array.values[k])));
        d = json_get(r, "dns_search_domains");
        for (size_t k = 0; YAJL_IS_ARRAY(d) && k < d->u.array.len; k++)
            if (YAJL_IS_STRING(d->u.array.values[k]))
                strv_push(dns_search, &nsr, xstrdup(YAJL_GET_STRING(d->u.array.values[k])));
    }
    return 0;
}

/* Write options to run_dir/file, run `netavark VERB` on u->ns with it; its stdout in *out. */
static int netavark_call(const struct setup *u, const char *verb, const char *file,
                         const char *options, char **out, rbox_err **err)
{
    *out = NULL;
    _cleanup_close_ int dfd = open(u->run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || write_file_atomic_at(dfd, file, options, strlen(options), 0600, false) < 0)
        return rbox_error(err, errno, "writing %s/%s", u->run_dir, file);
    _cleanup_close_ int ofd = openat(dfd, file, O_RDONLY | O_CLOEXEC);
    _cleanup_close_ int outf =
        openat(dfd, "netavark.out", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    _cleanup_close_ int errf =
        openat(dfd, "netavark.err", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (ofd < 0 || outf < 0 || errf < 0)
        return rbox_error(err, errno, "opening netavark's files in %s", u->run_dir);
    int st = netavark_run(u->conf->netavark, u->conf->aardvark_dns, u->config_dir, verb, u->ns, ofd,
                          outf, errf);
    _cleanup_free_ char *etext = NULL;
    read_file_at(dfd, "netavark.out", out, NULL);
    read_file_at(dfd, "netavark.err", &etext, NULL);
    unlinkat(dfd, "netavark.out", 0);
    unlinkat(dfd, "netavark.err", 0);
    if (st < 0)
        return rbox_error(err, errno, "cannot run netavark (%s)", u->conf->netavark);
    if (st != 0) {
        char msg[512];
        netavark_error(etext && *etext ? etext : *out, msg, sizeof(msg));
        free(*out);
        *out = NULL;
        return rbox_error(err, 0, "%s the network: netavark: %s",
                          str_eq(verb, "setup") ? "setting up" : "tearing down", msg);
    }
    if (*out == NULL)
        *out = xstrdup("");
    return 0;
}

/* net.json from w (freed). */
static int state_write(const struct setup *u, json_w *w, rbox_err **err)
{
    size_t len;
    const char *text = jw_text(w, &len);
    _cleanup_close_ int dfd = open(u->run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r = dfd < 0 ? -1 : write_file_atomic_at(dfd, NET_STATE_FILE, text, len, 0600, false);
    int saved = errno;
    jw_free(w);
    if (r < 0)
        return rbox_error(err, saved, "writing %s/%s", u->run_dir, NET_STATE_FILE);
    return 0;
}

/* netavark setup of nets on u->ns; the result into net.json. */
static int run_setup(struct store *s, const struct ctr_spec *sp, struct setup *u,
                     const struct network *nets, const struct net_attach *at, char (*ips)[16],
                     size_t n, const struct port_map *pm, size_t npm, rbox_err **err)
{
    char ifnames[64][16];
    for (size_t i = 0; i < n; i++)
        snprintf(ifnames[i], sizeof(ifnames[i]), "eth%u", (unsigned)i % 100);
    _cleanup_free_ char *opts = options_json(sp, nets, at, ips, ifnames, n, pm, npm);
    _cleanup_free_ char *otext = NULL;
    if (n > 0 && netavark_call(u, "setup", NET_OPTIONS_FILE, opts, &otext, err) < 0)
        return -1;
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    _cleanup_strv_ char **servers = NULL, **search = NULL;
    jw_key(&w, "networks");
    jw_arr_open(&w);
    if (n > 0 &&
        parse_result(otext ? otext : "", nets, ifnames, n, &w, &servers, &search, err) < 0) {
        jw_free(&w);
        return -1;
    }
    jw_arr_close(&w);
    write_ports(&w, pm, npm, false);
    jw_obj_close(&w);
    (void)s;
    return state_write(u, &w, err);
}

static int setup_paths(const struct store *s, const char *id, struct setup *u, rbox_err **err)
{
    memset(u, 0, sizeof(*u));
    if (rbox_conf_get(&u->conf, err) < 0)
        return -1;
    u->run_dir = ctr_run_path(s, id, NULL);
    u->config_dir = xasprintf("%s/networks/netavark", s->runroot);
    u->ns = ctr_run_path(s, id, NET_NETNS_FILE);
    u->options = ctr_run_path(s, id, NET_OPTIONS_FILE);
    if (mkdir_p(u->run_dir, 0700) < 0 || mkdir_p(u->config_dir, 0700) < 0)
        return rbox_error(err, errno, "creating %s", u->config_dir);
    return 0;
}

/* The etc files from what the setup gave (net.json) and the spec. */
static int write_bridge_etc(struct store *s, const struct ctr_spec *sp, const struct network *nets,
                            size_t n, rbox_err **err)
{
    _cleanup_yajl_ yajl_val st = net_state_load(s, sp->id);
    yajl_val list = json_get(st, "networks");
    yajl_val first = YAJL_IS_ARRAY(list) && list->u.array.len ? list->u.array.values[0] : NULL;
    _cleanup_free_ char *hosts =
        hosts_text(sp, json_get_str(first, "ip"), json_get_str(first, "gateway"));
    _cleanup_strv_ char **servers = xcalloc(1, sizeof(char *)), **search = NULL, **options = NULL,
                        **hs = NULL;
    size_t nsv = 0;
    bool dns = false;
    for (size_t i = 0; i < n; i++)
        if (nets[i].dns) {
            dns = true;
            strv_push(&servers, &nsv, xstrdup(nets[i].gateway));
        }
    host_resolv(&hs, &search, &options);
    _cleanup_free_ char *resolv = NULL;
    if (dns) {
        /* dns.podman first: names on the network before the host's domains */
        _cleanup_strv_ char **all = xcalloc(1, sizeof(char *));
        size_t na = 0;
        strv_push(&all, &na, xstrdup("dns.podman"));
        for (size_t i = 0; search[i]; i++)
            strv_push(&all, &na, xstrdup(search[i]));
        resolv = resolv_text(&sp->net, servers, all, options);
    } else {
        resolv = net_resolv_default(sp);
    }
    return write_etc(s, sp, hosts, resolv, err);
}

int net_start(struct store *s, const struct ctr_spec *sp, struct net_fds *fds, rbox_err **err)
{
    fds->n = 0;
    bool joined = str_has_prefix(sp->network, "container:");
    if (usernet_is(sp->network)) { /* slirp4netns, pasta: usernet.h */
        _cleanup_free_ char *run = ctr_run_path(s, sp->id, NULL);
        _cleanup_free_ char *ns = ctr_run_path(s, sp->id, NET_NETNS_FILE);
        if (mkdir_p(run, 0700) < 0)
            return rbox_error(err, errno, "creating %s", run);
        if (usernet_start(sp, run, ns, NULL, make_netns, fds, err) == 0)
            return 0;
        net_fds_close(fds);
        net_teardown(run, sp->id);
        return -1;
    }
    if (!str_eq(sp->network, "bridge") && !joined)
        return 0;
    struct setup u;
    struct network nets[64];
    char ips[64][16];
    size_t n = 0;
    _cleanup_free_ struct port_map *pm = NULL;
    size_t npm = 0;
    int r = -1;
    bool had = s->lock_fd >= 0;
    if (setup_paths(s, sp->id, &u, err) < 0)
        goto out;
    if (joined) {
        r = start_joined(s, sp, &u, err);
        goto out;
    }
    if (sp->net.n_nets > 64) {
        rbox_error(err, 0, "too many networks (at most 64)");
        goto out;
    }
    if (store_lock(s, err) < 0)
        goto out;
    for (; n < sp->net.n_nets; n++) {
        if (network_load(s, sp->net.nets[n].name, &nets[n], err) < 0)
            goto unlock;
        if (network_lease(s, &nets[n], sp->net.nets[n].ip, sp->id, ips[n], err) < 0) {
            network_clear(&nets[n]);
            goto unlock;
        }
    }
    if (bind_ports(sp, &pm, &npm, fds, err) < 0 ||
        record_write(s, &u, sp->id, nets, ips, n, false, err) < 0)
        goto unlock;
    if (!had)
        store_unlock(s);
    if (make_netns(u.ns, err) < 0 ||
        run_setup(s, sp, &u, nets, sp->net.nets, ips, n, pm, npm, err) < 0 ||
        write_bridge_etc(s, sp, nets, n, err) < 0)
        goto out;
    r = 0;
    goto out;
unlock:
    if (!had)
        store_unlock(s);
    /* leases taken before the record existed */
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *lp = network_lease_path(s, nets[i].name, ips[i]);
        unlink(lp);
    }
out:
    if (r < 0) {
        net_fds_close(fds);
        if (u.run_dir)
            net_teardown(u.run_dir, sp->id);
    }
    for (size_t i = 0; i < n; i++)
        network_clear(&nets[i]);
    setup_clear(&u);
    return r;
}

void net_stop(const struct store *s, const char *id)
{
    _cleanup_free_ char *run = ctr_run_path(s, id, NULL);
    net_teardown(run, id);
}

yajl_val net_state_load(const struct store *s, const char *id)
{
    _cleanup_free_ char *path = ctr_run_path(s, id, NET_STATE_FILE);
    _cleanup_free_ char *text = NULL;
    yajl_val v = NULL;
    if (read_file_at(AT_FDCWD, path, &text, NULL) < 0 || json_parse(text, path, &v, NULL) < 0)
        return NULL;
    return v;
}

int net_create_check(struct store *s, struct ctr_spec *sp, rbox_err **err)
{
    if (str_has_prefix(sp->network, "container:")) {
        char id[ID_LEN + 1];
        if (ctr_resolve(s, sp->network + 10, id, err) < 0)
            return rbox_error_prefix(err, "--network %s", sp->network);
        if (sp->hostname)
            return rbox_error(err, 0, "conflicting options: --hostname and the network mode %s",
                              sp->network);
        free(sp->network);
        sp->network = xasprintf("container:%s", id);
        return 0;
    }
    if (str_has_prefix(sp->network, "ns:")) {
        struct stat st;
        if (stat(sp->network + 3, &st) < 0)
            return rbox_error(err, errno, "invalid --network %s", sp->network);
        return 0;
    }
    for (size_t i = 0; i < sp->net.n_nets; i++) {
        struct network n;
        if (network_load(s, sp->net.nets[i].name, &n, err) < 0)
            return -1;
        free(sp->net.nets[i].name);
        sp->net.nets[i].name = xstrdup(n.name); /* an ID or prefix becomes the name */
        int bad = sp->net.nets[i].ip ? network_ip_check(&n, sp->net.nets[i].ip, err) : 0;
        network_clear(&n);
        if (bad < 0)
            return -1;
    }
    return 0;
}

/* From net.json's entries (the networks set up now): netavark.json and the record, so that
 * the teardown undoes exactly these. */
static int regen(struct store *s, const struct ctr_spec *sp, struct setup *u, yajl_val st,
                 rbox_err **err)
{
    yajl_val list = json_get(st, "networks");
    size_t n = YAJL_IS_ARRAY(list) ? list->u.array.len : 0;
    if (n > 64)
        return rbox_error(err, 0, "too many networks (at most 64)");
    struct network nets[64];
    struct net_attach at[64];
    char ips[64][16], ifnames[64][16];
    size_t k = 0;
    int r = 0;
    for (; k < n && r == 0; k++) {
        yajl_val e = list->u.array.values[k];
        r = network_load(s, str_or_null(json_get_str(e, "name")), &nets[k], err);
        if (r < 0)
            break;
        snprintf(ips[k], sizeof(ips[k]), "%s", str_or_null(json_get_str(e, "ip")));
        snprintf(ifnames[k], sizeof(ifnames[k]), "%s", str_or_null(json_get_str(e, "iface")));
        at[k] = (struct net_attach){ .name = nets[k].name };
        for (size_t a = 0; a < sp->net.n_nets; a++)
            if (str_eq(sp->net.nets[a].name, nets[k].name))
                at[k].aliases = sp->net.nets[a].aliases;
    }
    _cleanup_free_ struct port_map *pm = NULL;
    size_t npm = 0;
    yajl_val ports = json_get(st, "ports");
    for (size_t i = 0; r == 0 && YAJL_IS_ARRAY(ports) && i < ports->u.array.len; i++) {
        yajl_val p = ports->u.array.values[i];
        int64_t hp = 0, cp = 0;
        json_get_i64(p, "host_port", &hp);
        json_get_i64(p, "container_port", &cp);
        pm = xrealloc(pm, (npm + 1) * sizeof(*pm));
        struct port_map *m = &pm[npm++];
        memset(m, 0, sizeof(*m));
        snprintf(m->host_ip, sizeof(m->host_ip), "%s", str_or_null(json_get_str(p, "host_ip")));
        snprintf(m->proto, sizeof(m->proto), "%s", str_or_null(json_get_str(p, "protocol")));
        m->host_port = (uint16_t)hp;
        m->ctr_port = (uint16_t)cp;
        m->range = 1;
    }
    if (r == 0) {
        _cleanup_free_ char *opts = options_json(sp, nets, at, ips, ifnames, k, pm, npm);
        _cleanup_close_ int dfd = open(u->run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 ||
            write_file_atomic_at(dfd, NET_OPTIONS_FILE, opts, strlen(opts), 0600, false) < 0)
            r = rbox_error(err, errno, "writing %s", u->options);
        else
            r = record_write(s, u, sp->id, nets, ips, k, false, err);
    }
    for (size_t i = 0; i < k; i++)
        network_clear(&nets[i]);
    return r;
}

/* net.json with entry name dropped and add (JSON text of array elements, or NULL) added. */
static int state_rewrite(const struct setup *u, yajl_val st, const char *drop, const char *add,
                         rbox_err **err)
{
    json_w w;
    jw_init(&w, true);
    jw_obj_open(&w);
    jw_key(&w, "networks");
    jw_arr_open(&w);
    yajl_val list = json_get(st, "networks");
    for (size_t i = 0; YAJL_IS_ARRAY(list) && i < list->u.array.len; i++)
        if (!drop || !str_eq(json_get_str(list->u.array.values[i], "name"), drop))
            jw_value(&w, list->u.array.values[i]);
    _cleanup_yajl_ yajl_val extra = NULL;
    if (add && json_parse(add, "net.json", &extra, err) < 0) {
        jw_free(&w);
        return -1;
    }
    for (size_t i = 0; YAJL_IS_ARRAY(extra) && i < extra->u.array.len; i++)
        jw_value(&w, extra->u.array.values[i]);
    jw_arr_close(&w);
    jw_key(&w, "ports");
    yajl_val ports = json_get(st, "ports");
    if (ports)
        jw_value(&w, ports);
    else {
        jw_arr_open(&w);
        jw_arr_close(&w);
    }
    jw_obj_close(&w);
    return state_write(u, &w, err);
}

static bool running_locked(const struct store *s, const char *id)
{
    _cleanup_close_ int fd = ctr_open_dir(s, id, NULL);
    struct ctr_state st;
    if (fd < 0 || ctr_state_read(fd, &st) < 0)
        return false;
    return (st.status == CS_RUNNING || st.status == CS_PAUSED) &&
           proc_alive(st.monitor_pid, st.monitor_start);
}

/* Set up one more network on a running container's namespace. */
static int connect_live(struct store *s, struct ctr_spec *sp, const struct network *n,
                        const struct net_attach *a, rbox_err **err)
{
    struct setup u;
    if (setup_paths(s, sp->id, &u, err) < 0)
        return -1;
    _cleanup_yajl_ yajl_val st = net_state_load(s, sp->id);
    int r = -1;
    char ip[16], ifname[16] = "";
    bool leased = false;
    _cleanup_free_ char *opts = NULL, *out = NULL, *entry = NULL;
    _cleanup_strv_ char **servers = NULL, **search = NULL;
    char ifn[1][16], ipa[1][16];
    for (unsigned k = 0; k < 100 && !ifname[0]; k++) {
        char cand[16];
        snprintf(cand, sizeof(cand), "eth%u", k);
        bool used = false;
        yajl_val list = json_get(st, "networks");
        for (size_t i = 0; YAJL_IS_ARRAY(list) && i < list->u.array.len; i++)
            used |= str_eq(json_get_str(list->u.array.values[i], "iface"), cand);
        if (!used)
            snprintf(ifname, sizeof(ifname), "%s", cand);
    }
    bool had = s->lock_fd >= 0;
    if (store_lock(s, err) < 0)
        goto out;
    r = network_lease(s, n, a->ip, sp->id, ip, err);
    if (!had)
        store_unlock(s);
    if (r < 0)
        goto out;
    leased = true;
    r = -1;
    snprintf(ifn[0], sizeof(ifn[0]), "%s", ifname);
    snprintf(ipa[0], sizeof(ipa[0]), "%s", ip);
    opts = options_json(sp, n, a, ipa, ifn, 1, NULL, 0);
    if (netavark_call(&u, "setup", "netavark.connect.json", opts, &out, err) < 0)
        goto out;
    json_w w;
    jw_init(&w, false);
    jw_arr_open(&w);
    int pr = parse_result(out, n, ifn, 1, &w, &servers, &search, err);
    jw_arr_close(&w);
    entry = xstrdup(jw_text(&w, NULL));
    jw_free(&w);
    if (pr < 0 || state_rewrite(&u, st, NULL, entry, err) < 0)
        goto out;
    yajl_val now = net_state_load(s, sp->id);
    r = regen(s, sp, &u, now, err);
    yajl_tree_free(now);
out:
    if (r < 0 && leased) {
        _cleanup_free_ char *lp = network_lease_path(s, n->name, ip);
        unlink(lp);
    }
    _cleanup_free_ char *one = xasprintf("%s/netavark.connect.json", u.run_dir);
    unlink(one);
    setup_clear(&u);
    return r;
}

int net_connect(struct store *s, const char *id, const char *network, const char *ip,
                char **aliases, rbox_err **err)
{
    _cleanup_close_ int lock = ctr_lock(s, id, err);
    _cleanup_close_ int fd = lock < 0 ? -1 : ctr_open_dir(s, id, err);
    struct ctr_spec sp;
    if (fd < 0 || spec_load(fd, &sp, err) < 0)
        return -1;
    struct network n;
    int r = -1;
    if (network_load(s, network, &n, err) < 0)
        goto out;
    if (!str_eq(sp.network, "bridge")) {
        rbox_error(err, 0, "container %s uses --network %s: it cannot join other networks", sp.name,
                   sp.network);
        goto out_n;
    }
    for (size_t i = 0; i < sp.net.n_nets; i++)
        if (str_eq(sp.net.nets[i].name, n.name)) {
            rbox_error(err, 0, "container %s is already connected to network %s", sp.name, n.name);
            goto out_n;
        }
    sp.net.nets = xrealloc(sp.net.nets, (sp.net.n_nets + 1) * sizeof(*sp.net.nets));
    struct net_attach *a = &sp.net.nets[sp.net.n_nets++];
    a->name = xstrdup(n.name);
    a->ip = ip ? xstrdup(ip) : NULL;
    a->aliases = strv_dup(aliases ? aliases : (char *[]){ NULL });
    if (running_locked(s, id) && connect_live(s, &sp, &n, a, err) < 0)
        goto out_n;
    r = spec_save(fd, &sp, err);
out_n:
    network_clear(&n);
out:
    spec_clear(&sp);
    return r;
}

int net_disconnect(struct store *s, const char *id, const char *network, rbox_err **err)
{
    _cleanup_close_ int lock = ctr_lock(s, id, err);
    _cleanup_close_ int fd = lock < 0 ? -1 : ctr_open_dir(s, id, err);
    struct ctr_spec sp;
    if (fd < 0 || spec_load(fd, &sp, err) < 0)
        return -1;
    int r = -1;
    struct network n;
    _cleanup_yajl_ yajl_val st = NULL;
    if (network_load(s, network, &n, err) < 0)
        goto out;
    size_t idx = sp.net.n_nets;
    for (size_t i = 0; i < sp.net.n_nets; i++)
        if (str_eq(sp.net.nets[i].name, n.name))
            idx = i;
    if (idx == sp.net.n_nets) {
        rbox_error(err, 0, "container %s is not connected to network %s", sp.name, n.name);
        goto out_n;
    }
    st = running_locked(s, id) ? net_state_load(s, id) : NULL;
    yajl_val list = json_get(st, "networks");
    yajl_val e = NULL;
    for (size_t i = 0; YAJL_IS_ARRAY(list) && i < list->u.array.len; i++)
        if (str_eq(json_get_str(list->u.array.values[i], "name"), n.name))
            e = list->u.array.values[i];
    if (e) {
        struct setup u;
        if (setup_paths(s, id, &u, err) < 0)
            goto out_n;
        char ifn[1][16], ipa[1][16];
        snprintf(ifn[0], sizeof(ifn[0]), "%s", str_or_null(json_get_str(e, "iface")));
        snprintf(ipa[0], sizeof(ipa[0]), "%s", str_or_null(json_get_str(e, "ip")));
        _cleanup_free_ char *opts = options_json(&sp, &n, &sp.net.nets[idx], ipa, ifn, 1, NULL, 0);
        _cleanup_free_ char *out = NULL;
        int cr = netavark_call(&u, "teardown", "netavark.connect.json", opts, &out, err);
        _cleanup_free_ char *one = xasprintf("%s/netavark.connect.json", u.run_dir);
        unlink(one);
        if (cr == 0 && state_rewrite(&u, st, n.name, NULL, err) == 0) {
            _cleanup_free_ char *lp = network_lease_path(s, n.name, ipa[0]);
            unlink(lp);
            yajl_val now = net_state_load(s, id);
            cr = regen(s, &sp, &u, now, err);
            yajl_tree_free(now);
        } else {
            cr = -1;
        }
        setup_clear(&u);
        if (cr < 0)
            goto out_n;
    }
    free(sp.net.nets[idx].name);
    free(sp.net.nets[idx].ip);
    strv_free(sp.net.nets[idx].aliases);
    memmove(&sp.net.nets[idx], &sp.net.nets[idx + 1],
            (sp.net.n_nets - idx - 1) * sizeof(*sp.net.nets));
    sp.net.n_nets--;
    r = spec_save(fd, &sp, err);
out_n:
    network_clear(&n);
out:
    spec_clear(&sp);
    return r;
}

void net_boot_check(const struct store *s)
{
    _cleanup_free_ char *mark = xasprintf("%s/networks/boot_id", s->runroot);
    _cleanup_free_ char *seen = NULL;
    if (read_file_at(AT_FDCWD, mark, &seen, NULL) == 0 && str_eq(seen, s->boot_id))
        return;
    _cleanup_free_ char *dir = xasprintf("%s/networks", s->runroot);
    if (seen != NULL) { /* the first run of this boot on a kept run root */
        _cleanup_free_ char *leases = xasprintf("%s/leases", dir);
        _cleanup_free_ char *aard = xasprintf("%s/netavark/aardvark-dns", dir);
        rm_rf_at(AT_FDCWD, leases);
        rm_rf_at(AT_FDCWD, aard);
    }
    if (mkdir_p(dir, 0700) == 0)
        write_file_atomic_at(AT_FDCWD, mark, s->boot_id, strlen(s->boot_id), 0600, false);
}
