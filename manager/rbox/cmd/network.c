/* network.c - rbox network create, ls, inspect, rm, prune, connect, disconnect; rbox port. */
#define _GNU_SOURCE
#include "cmdcore.h"
#include "ctr.h"
#include "events.h"
#include "format.h"
#include "json.h"
#include "mcli.h"
#include "netsetup.h"
#include "network.h"
#include "network_filter.h"
#include "proto.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char network_usage[] =
    "Usage: rbox network COMMAND\n"
    "\n"
    "Bridge networks, set up by netavark (podman's network stack) with aardvark-dns answering\n"
    "container names on user networks. The default network `rbox` (--network bridge) always\n"
    "exists; docs/networking.md.\n"
    "\n"
    "Commands:\n"
    "  create [--subnet CIDR] [--gateway IP] [--internal] [--label K=V] NAME\n"
    "                    create a network; prints its ID\n"
    "  ls [-q] [--format F]\n"
    "                    list networks (F: table, json, a Go template)\n"
    "  inspect [-f F] NETWORK...\n"
    "                    print a JSON array describing networks, or a template per network\n"
    "  rm [-f] NETWORK...\n"
    "                    remove networks (refused while a container uses one)\n"
    "  prune [-f]        remove every user network no container uses\n"
    "  connect [--alias A] [--ip IP] NETWORK CONTAINER\n"
    "                    attach a container to a network (a running one at once)\n"
    "  disconnect [-f] NETWORK CONTAINER\n"
    "                    detach a container from a network\n";

static const char create_usage[] =
    "Usage: rbox network create [OPTIONS] NAME\n"
    "\n"
    "Create a bridge network and print its ID. Without --subnet it takes the first free /24 of\n"
    "subnet_pool (rbox.conf; 10.78.0.0/16) that no network and no host interface uses.\n"
    "Containers on it resolve each other by name and --network-alias.\n"
    "\n"
    "Options:\n"
    "  -d, --driver D      bridge (the only driver)\n"
    "      --subnet CIDR   its IPv4 subnet (10.78.5.0/24)\n"
    "      --gateway IP    the bridge's address (default: the subnet's first)\n"
    "      --internal      no route out: no masquerade, no default route\n"
    "      --label K=V     a label (repeatable)\n";

static const char ls_usage[] = "Usage: rbox network ls [OPTIONS]\n"
                               "\n"
                               "List networks, the default one first.\n"
                               "\n"
                               "Options:\n"
                               "  -q, --quiet       only the IDs\n"
                               "  -f, --filter K=V  only the networks it matches (repeatable;\n"
                               "                    values of one key ORed, keys ANDed):\n"
                               "                    name=, id= (a regular expression),\n"
                               "                    driver=bridge, label=KEY or KEY=VALUE,\n"
                               "                    dangling=true|false (no container is\n"
                               "                    attached), type=custom|builtin\n"
                               "      --no-trunc    full IDs\n"
                               "      --format F    table (default), json (one object per "
                               "line),\n"
                               "                    a Go template ('{{.Name}}') or 'table "
                               "TEMPLATE'\n";

static const char *const network_headers[] = {
    "ID",   "NETWORK ID", "Name",     "NAME",   "Driver", "DRIVER",    "Scope",   "SCOPE", "IPv6",
    "IPV6", "Internal",   "INTERNAL", "Labels", "LABELS", "CreatedAt", "CREATED", NULL
};

static const char inspect_usage[] =
    "Usage: rbox network inspect [OPTIONS] NETWORK [NETWORK...]\n"
    "\n"
    "Print a JSON array describing networks (docker's layout: IPAM.Config, Containers, ...).\n"
    "\n"
    "Options:\n"
    "  -f, --format F   json (default) or a Go template over each network ('{{.Id}}')\n";

static const char rm_usage[] =
    "Usage: rbox network rm [OPTIONS] NETWORK [NETWORK...]\n"
    "\n"
    "Remove networks. A network that a container (running or not) is attached to is refused,\n"
    "naming the container; the default network cannot be removed.\n"
    "\n"
    "Options:\n"
    "  -f, --force   no error for a network that does not exist (as docker)\n";

static const char prune_usage[] = "Usage: rbox network prune [OPTIONS]\n"
                                  "\n"
                                  "Remove every user network that no container is attached "
                                  "to. Asks first unless --force.\n"
                                  "\n"
                                  "Options:\n"
                                  "  -f, --force   do not ask for confirmation\n";

static const char connect_usage[] =
    "Usage: rbox network connect [OPTIONS] NETWORK CONTAINER\n"
    "\n"
    "Attach a container to a network: a running container gets a new interface (eth1, ...)\n"
    "at once; a stopped one when it starts.\n"
    "\n"
    "Options:\n"
    "      --alias A   another name the container answers to on this network (repeatable)\n"
    "      --ip IP     its address on this network\n";

static const char disconnect_usage[] =
    "Usage: rbox network disconnect [OPTIONS] NETWORK CONTAINER\n"
    "\n"
    "Detach a container from a network (a running one loses the interface at once).\n"
    "\n"
    "Options:\n"
    "  -f, --force   accepted for docker's command line\n";

static void created_text(int64_t ns, char *buf, size_t len)
{
    struct timespec t = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
    format_time_rfc3339(&t, buf, len);
}

static void inspect_json(struct store *s, json_w *w, const struct network *n)
{
    char created[48];
    created_text(n->created_ns, created, sizeof(created));
    jw_obj_open(w);
    jw_kstr(w, "Name", n->name);
    jw_kstr(w, "Id", n->id);
    jw_kstr(w, "Created", created);
    jw_kstr(w, "Scope", "local");
    jw_kstr(w, "Driver", "bridge");
    jw_kbool(w, "EnableIPv6", false);
    jw_key(w, "IPAM");
    jw_obj_open(w);
    jw_kstr(w, "Driver", "default");
    jw_key(w, "Options");
    jw_obj_open(w);
    jw_obj_close(w);
    jw_key(w, "Config");
    jw_arr_open(w);
    jw_obj_open(w);
    jw_kstr(w, "Subnet", n->subnet);
    jw_kstr(w, "Gateway", n->gateway);
    jw_obj_close(w);
    jw_arr_close(w);
    jw_obj_close(w);
    jw_kbool(w, "Internal", n->internal);
    jw_kbool(w, "Attachable", false);
    jw_kbool(w, "Ingress", false);
    jw_kbool(w, "DNSEnabled", n->dns); /* rbox (podman: dns_enabled) */
    jw_key(w, "Containers");
    jw_obj_open(w);
    _cleanup_strv_ char **ids = NULL, **ips = NULL;
    size_t cnt = 0;
    network_leases(s, n->name, &ids, &ips, &cnt);
    for (size_t i = 0; i < cnt; i++) {
        struct ctr_state st;
        if (ctr_read(s, ids[i], &st, NULL) < 0)
            continue;
        _cleanup_yajl_ yajl_val ns = net_state_load(s, ids[i]);
        const char *mac = "";
        yajl_val list = json_get(ns, "networks");
        int64_t prefix = n->prefix;
        for (size_t k = 0; YAJL_IS_ARRAY(list) && k < list->u.array.len; k++)
            if (str_eq(json_get_str(list->u.array.values[k], "name"), n->name)) {
                const char *m = json_get_str(list->u.array.values[k], "mac");
                mac = m ? m : "";
                json_get_i64(list->u.array.values[k], "prefix", &prefix);
            }
        jw_key(w, ids[i]);
        jw_obj_open(w);
        jw_kstr(w, "Name", st.name);
        jw_kstr(w, "MacAddress", mac);
        _cleanup_free_ char *a = xasprintf("%s/%lld", ips[i], (long long)prefix);
        jw_kstr(w, "IPv4Address", a);
        jw_kstr(w, "IPv6Address", "");
        jw_obj_close(w);
    }
    jw_obj_close(w);
    jw_key(w, "Options");
    jw_obj_open(w);
    jw_kstr(w, "com.docker.network.bridge.name", n->iface);
    jw_obj_close(w);
    jw_key(w, "Labels");
    network_labels_json(w, n->labels);
    jw_obj_close(w);
}

/* The row object of ls --format (docker's field names). */
static void row_json(json_w *w, const struct network *n, bool no_trunc)
{
    char created[48], id[ID_LEN + 1];
    created_text(n->created_ns, created, sizeof(created));
    snprintf(id, sizeof(id), "%.*s", no_trunc ? ID_LEN : 12, n->id);
    jw_obj_open(w);
    jw_kstr(w, "ID", id);
    jw_kstr(w, "Name", n->name);
    jw_kstr(w, "Driver", "bridge");
    jw_kstr(w, "Scope", "local");
    jw_kstr(w, "IPv6", "false");
    jw_kstr(w, "Internal", n->internal ? "true" : "false");
    size_t cap = 1, len = 0;
    _cleanup_free_ char *labels = xzalloc(cap);
    for (size_t i = 0; n->labels && n->labels[i]; i++) {
        size_t l = strlen(n->labels[i]);
        labels = xrealloc(labels, cap += l + 1);
        len += (size_t)sprintf(labels + len, "%s%s", i ? "," : "", n->labels[i]);
    }
    jw_kstr(w, "Labels", labels);
    jw_kstr(w, "CreatedAt", created);
    jw_obj_close(w);
}

static int create_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    enum { O_DRIVER = 1, O_SUBNET, O_GATEWAY, O_INTERNAL, O_LABEL };
    static const struct mopt opts[] = {
        { "driver", 'd', true, O_DRIVER }, { "subnet", 0, true, O_SUBNET },
        { "gateway", 0, true, O_GATEWAY }, { "internal", 0, false, O_INTERNAL },
        { "label", 0, true, O_LABEL },     { NULL, 0, false, 0 }
    };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox network create", .interspersed = true
    };
    rbox_err *err = NULL;
    struct network_req req = { 0 };
    _cleanup_strv_ char **labels = xcalloc(1, sizeof(char *));
    size_t nl = 0;
    const char *arg;
    int id, r = 0;
    while (r == 0 && (id = margs_next(&p, opts, &arg, &err)) != 0) {
        if (id == MOPT_HELP || id < 0) {
            r = id;
            break;
        }
        switch (id) {
        case O_DRIVER:
            if (!str_eq(arg, "bridge"))
                r = rbox_error(&err, 0,
                               "invalid value \"%s\" for --driver: only bridge is supported", arg);
            break;
        case O_SUBNET: req.subnet = arg; break;
        case O_GATEWAY: req.gateway = arg; break;
        case O_INTERNAL: req.internal = true; break;
        case O_LABEL:
            if (*arg == '\0' || *arg == '=')
                r = rbox_error(&err, 0, "invalid value \"%s\" for --label: expected K=V", arg);
            strv_push(&labels, &nl, xstrdup(arg));
            break;
        }
    }
    if (r == 0)
        r = margs_require(&p, 1, 1, "exactly one NAME", &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(create_usage) : cmd_fail(err);
    }
    req.name = margs_at(&p, 0);
    req.labels = labels;
    struct network n;
    if (store_lock(c->s, &err) < 0 || network_create(c->s, &req, &n, &err) < 0) {
        store_unlock(c->s);
        margs_free(&p);
        return cmd_fail(err);
    }
    store_unlock(c->s);
    printf("%s\n", n.id);
    event_append(c->s->root, "network", "create", n.id,
                 (const char *[]){ "name", n.name, "type", "bridge", NULL });
    network_clear(&n);
    margs_free(&p);
    return 0;
}

static int ls_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "quiet", 'q', false, 1 },
                                        { "no-trunc", 0, false, 2 },
                                        { "format", 0, true, 3 },
                                        { "filter", 'f', true, 4 },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox network ls", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[4] = { false };
    const char *format = "table", *arg;
    struct fmt fm;
    __attribute__((cleanup(nf_clear))) struct net_filter nf = { 0 };
    int r;
    while ((r = margs_next(&p, opts, &arg, &err)) > 0) {
        if (r == 3)
            format = arg;
        else if (r == 1 || r == 2)
            f[r] = true;
        else if (nf_add(&nf, arg, &err) < 0)
            break;
    }
    if (r > 0)
        r = -1;
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments", &err);
    margs_free(&p);
    if (r == 0)
        r = fmt_init(&fm, format, network_headers, &err);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(ls_usage) : cmd_fail(err);
    struct network *nets;
    size_t n;
    if (network_list(c->s, &nets, &n, &err) < 0) {
        fmt_clear(&fm);
        return cmd_fail(err);
    }
    size_t cap = 64, len = 0;
    char *table = xzalloc(cap);
    for (size_t i = 0; i < n && r == 0; i++) {
        if (!nf_match(&nf, c->s, &nets[i]))
            continue;
        if (f[1]) {
            printf("%.*s\n", f[2] ? ID_LEN : 12, nets[i].id);
            continue;
        }
        json_w w;
        jw_init(&w, false);
        row_json(&w, &nets[i], f[2]);
        if (fm.kind == FMT_TEMPLATE)
            r = fmt_row_text(&fm, jw_text(&w, NULL), &err);
        else if (fm.kind == FMT_JSON)
            printf("%s\n", jw_text(&w, NULL));
        else {
            _cleanup_free_ char *line = xasprintf("%.*s\t%s\tbridge\tlocal\n", f[2] ? ID_LEN : 12,
                                                  nets[i].id, nets[i].name);
            size_t l = strlen(line);
            while (len + l + 1 > cap)
                table = xrealloc(table, cap *= 2);
            memcpy(table + len, line, l + 1);
            len += l;
        }
        jw_free(&w);
    }
    if (r == 0 && !f[1] && fm.kind == FMT_DEFAULT) {
        _cleanup_free_ char *all = xasprintf("NETWORK ID\tNAME\tDRIVER\tSCOPE\n%s", table);
        tabwrite(all, strlen(all), stdout);
    }
    free(table);
    network_list_free(nets, n);
    if (r == 0)
        fmt_print(&fm, stdout);
    fmt_clear(&fm);
    return r < 0 ? cmd_fail(err) : 0;
}

static int inspect_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox network inspect", .interspersed = true
    };
    static const struct mopt opts[] = { { "format", 'f', true, 3 }, { NULL, 0, false, 0 } };
    rbox_err *err = NULL;
    bool f[4] = { false };
    const char *format = NULL;
    struct fmt fm;
    int r = margs_bools(&p, opts, f, 3, &format, &err);
    if (r == 0)
        r = margs_require(&p, 1, -1, "at least one NETWORK", &err);
    if (r == 0)
        r = fmt_init(&fm, format, NULL, &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(inspect_usage) : cmd_fail(err);
    }
    bool tmpl = fm.kind == FMT_TEMPLATE;
    json_w all;
    jw_init(&all, true);
    jw_arr_open(&all);
    int ret = 0;
    for (int k = 0; k < margs_count(&p); k++) {
        struct network n;
        if (network_load(c->s, margs_at(&p, k), &n, &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
            continue;
        }
        if (tmpl) {
            json_w w;
            jw_init(&w, false);
            inspect_json(c->s, &w, &n);
            r = fmt_row_text(&fm, jw_text(&w, NULL), &err);
            jw_free(&w);
        } else {
            inspect_json(c->s, &all, &n);
        }
        network_clear(&n);
        if (r < 0) {
            ret = cmd_fail(err);
            err = NULL;
            break;
        }
    }
    jw_arr_close(&all);
    if (tmpl && r == 0)
        fmt_print(&fm, stdout);
    else if (!tmpl)
        printf("%s\n", jw_text(&all, NULL));
    jw_free(&all);
    fmt_clear(&fm);
    margs_free(&p);
    return ret;
}

static int rm_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "force", 'f', false, 1 }, { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox network rm", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[4] = { false };
    const char *unused = NULL;
    int r = margs_bools(&p, opts, f, 3, &unused, &err);
    if (r == 0)
        r = margs_require(&p, 1, -1, "at least one NETWORK", &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(rm_usage) : cmd_fail(err);
    }
    int ret = 0;
    for (int k = 0; k < margs_count(&p); k++) {
        const char *ref = margs_at(&p, k);
        struct network n;
        if (network_load(c->s, ref, &n, &err) < 0) {
            if (f[1]) {
                rbox_err_free(err);
                err = NULL;
            } else {
                ret = cmd_fail(err);
                err = NULL;
            }
            continue;
        }
        if (store_lock(c->s, &err) < 0 || network_remove(c->s, n.name, &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
        } else {
            printf("%s\n", ref);
            event_append(c->s->root, "network", "destroy", n.id,
                         (const char *[]){ "name", n.name, "type", "bridge", NULL });
        }
        store_unlock(c->s);
        network_clear(&n);
    }
    margs_free(&p);
    return ret;
}

static int prune_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct mopt opts[] = { { "force", 'f', false, 1 }, { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox network prune", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[4] = { false };
    const char *unused = NULL;
    int r = margs_bools(&p, opts, f, 3, &unused, &err);
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments", &err);
    margs_free(&p);
    if (r != 0)
        return r == MOPT_HELP ? cmd_help(prune_usage) : cmd_fail(err);
    if (!f[1] &&
        !cmd_confirm("This will remove all custom networks not used by at least one container."))
        return 0;
    if (store_lock(c->s, &err) < 0)
        return cmd_fail(err);
    struct network *nets;
    size_t n;
    if (network_list(c->s, &nets, &n, &err) < 0) {
        store_unlock(c->s);
        return cmd_fail(err);
    }
    int ret = 0;
    bool header = false;
    for (size_t i = 0; i < n; i++) {
        _cleanup_strv_ char **users = NULL;
        if (nets[i].builtin || network_users(c->s, nets[i].name, &users, &err) < 0 || users[0])
            continue;
        if (network_remove(c->s, nets[i].name, &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
            continue;
        }
        if (!header)
            printf("Deleted Networks:\n");
        header = true;
        printf("%s\n", nets[i].name);
        event_append(c->s->root, "network", "destroy", nets[i].id,
                     (const char *[]){ "name", nets[i].name, "type", "bridge", NULL });
    }
    rbox_err_free(err);
    network_list_free(nets, n);
    store_unlock(c->s);
    return ret;
}

static int connect_cmd(struct cmd_ctx *c, int argc, char **argv, bool connect)
{
    enum { O_ALIAS = 1, O_IP, O_FORCE };
    static const struct mopt copts[] = { { "alias", 0, true, O_ALIAS },
                                         { "ip", 0, true, O_IP },
                                         { NULL, 0, false, 0 } };
    static const struct mopt dopts[] = { { "force", 'f', false, O_FORCE }, { NULL, 0, false, 0 } };
    struct margs p = { .argc = argc,
                       .argv = argv,
                       .i = 1,
                       .cmd = connect ? "rbox network connect" : "rbox network disconnect",
                       .interspersed = true };
    rbox_err *err = NULL;
    _cleanup_strv_ char **aliases = xcalloc(1, sizeof(char *));
    size_t na = 0;
    const char *ip = NULL, *arg;
    int id, r = 0;
    while ((id = margs_next(&p, connect ? copts : dopts, &arg, &err)) != 0) {
        if (id == MOPT_HELP || id < 0) {
            r = id;
            break;
        }
        if (id == O_ALIAS)
            strv_push(&aliases, &na, xstrdup(arg));
        if (id == O_IP)
            ip = arg;
    }
    if (r == 0)
        r = margs_require(&p, 2, 2, "NETWORK and CONTAINER", &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(connect ? connect_usage : disconnect_usage)
                              : cmd_fail(err);
    }
    char cid[ID_LEN + 1];
    struct network n;
    if (ctr_resolve(c->s, margs_at(&p, 1), cid, &err) < 0 ||
        network_load(c->s, margs_at(&p, 0), &n, &err) < 0) {
        margs_free(&p);
        return cmd_fail(err);
    }
    if ((connect ? net_connect(c->s, cid, n.name, ip, aliases, &err)
                 : net_disconnect(c->s, cid, n.name, &err)) < 0) {
        network_clear(&n);
        margs_free(&p);
        return cmd_fail(err);
    }
    event_append(c->s->root, "network", connect ? "connect" : "disconnect", n.id,
                 (const char *[]){ "container", cid, "name", n.name, "type", "bridge", NULL });
    network_clear(&n);
    margs_free(&p);
    return 0;
}

static int connect_main(struct cmd_ctx *c, int argc, char **argv)
{
    return connect_cmd(c, argc, argv, true);
}

static int disconnect_main(struct cmd_ctx *c, int argc, char **argv)
{
    return connect_cmd(c, argc, argv, false);
}

int cmd_network(struct cmd_ctx *c, int argc, char **argv)
{
    static const struct {
        const char *name;
        cmd_fn fn;
    } sub[] = {
        { "create", create_cmd },
        { "ls", ls_cmd },
        { "list", ls_cmd },
        { "inspect", inspect_cmd },
        { "rm", rm_cmd },
        { "remove", rm_cmd },
        { "prune", prune_cmd },
        { "connect", connect_main },
        { "disconnect", disconnect_main },
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return argc < 2 ? (fputs(network_usage, stderr), EXIT_RBOX) : cmd_help(network_usage);
    for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
        if (strcmp(argv[1], sub[i].name) == 0)
            return sub[i].fn(c, argc - 1, argv + 1);
    rbox_err *err = NULL;
    rbox_error(&err, 0, "rbox network: unknown command \"%s\" (see 'rbox network --help')",
               argv[1]);
    return cmd_fail(err);
}

static const char port_usage[] =
    "Usage: rbox port CONTAINER [PORT[/PROTO]]\n"
    "\n"
    "The published ports of a running container: \"80/tcp -> 0.0.0.0:8080\" lines, or the host\n"
    "addresses of one container port.\n";

int cmd_port(struct cmd_ctx *c, int argc, char **argv)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox port", .interspersed = true
    };
    rbox_err *err = NULL;
    bool f[4] = { false };
    const char *unused = NULL;
    int r = margs_bools(&p, NULL, f, 3, &unused, &err);
    if (r == 0)
        r = margs_require(&p, 1, 2, "CONTAINER [PORT[/PROTO]]", &err);
    if (r != 0) {
        margs_free(&p);
        return r == MOPT_HELP ? cmd_help(port_usage) : cmd_fail(err);
    }
    char id[ID_LEN + 1];
    struct ctr_state st;
    if (ctr_resolve(c->s, margs_at(&p, 0), id, &err) < 0 || ctr_read(c->s, id, &st, &err) < 0) {
        margs_free(&p);
        return cmd_fail(err);
    }
    int want = 0;
    char want_proto[8] = "";
    if (margs_count(&p) == 2) {
        const char *spec = margs_at(&p, 1);
        const char *slash = strchr(spec, '/');
        _cleanup_free_ char *num = slash ? xstrndup(spec, (size_t)(slash - spec)) : xstrdup(spec);
        if (parse_int(num, &want) < 0 || want < 1 || want > 65535 ||
            (slash && !str_eq(slash + 1, "tcp") && !str_eq(slash + 1, "udp"))) {
            rbox_error(&err, 0, "invalid port \"%s\": expected PORT[/tcp|udp]", spec);
            margs_free(&p);
            return cmd_fail(err);
        }
        snprintf(want_proto, sizeof(want_proto), "%s", slash ? slash + 1 : "tcp");
    }
    _cleanup_yajl_ yajl_val ns =
        st.status == CS_RUNNING || st.status == CS_PAUSED ? net_state_load(c->s, id) : NULL;
    yajl_val ports = json_get(ns, "ports");
    bool found = false;
    for (size_t i = 0; YAJL_IS_ARRAY(ports) && i < ports->u.array.len; i++) {
        yajl_val q = ports->u.array.values[i];
        int64_t cp = 0, hp = 0;
        json_get_i64(q, "container_port", &cp);
        json_get_i64(q, "host_port", &hp);
        const char *proto = json_get_str(q, "protocol"), *hip = json_get_str(q, "host_ip");
        if (want && (cp != want || !str_eq(proto, want_proto)))
            continue;
        found = true;
        if (want)
            printf("%s:%lld\n", hip && *hip ? hip : "0.0.0.0", (long long)hp);
        else
            printf("%lld/%s -> %s:%lld\n", (long long)cp, proto ? proto : "tcp",
                   hip && *hip ? hip : "0.0.0.0", (long long)hp);
    }
    if (want && !found) {
        rbox_error(&err, 0, "no public port '%d/%s' published for %s", want, want_proto, st.name);
        margs_free(&p);
        return cmd_fail(err);
    }
    margs_free(&p);
    return 0;
}

void network_inspect_json(struct store *s, json_w *w, const struct network *n)
{
    inspect_json(s, w, n);
}
