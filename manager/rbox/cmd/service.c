/* service.c - rbox system service: the Docker Engine API on a Unix socket (api/, docs/api.md). */
#define _GNU_SOURCE
#include "api.h"
#include "mcli.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char service_usage[] =
    "Usage: rbox system service [OPTIONS]\n"
    "\n"
    "Serve the Docker Engine API (v" API_VERSION ") on a Unix socket, so that the docker CLI,\n"
    "docker-compose and the Docker SDKs drive rbox (DOCKER_HOST=unix://PATH). Containers made\n"
    "through it are ordinary rbox containers. Under systemd socket activation (LISTEN_FDS) it\n"
    "serves the socket it is given. docs/api.md lists the endpoints.\n"
    "\n"
    "Whoever can connect to the socket can run any container, with any host path mounted:\n"
    "membership of its group is equivalent to root, as for docker's socket.\n"
    "\n"
    "Options:\n"
    "      --socket PATH     the socket (default /run/rbox/docker.sock)\n"
    "      --timeout SECS    exit after this many seconds without a connection (default 5;\n"
    "                        0: never)\n"
    "      --group NAME      the socket's group (name or number; default root's)\n"
    "      --mode MODE       the socket's mode, octal (default 0660)\n";

int cmd_system_service(struct cmd_ctx *c, int argc, char **argv)
{
    enum { S_SOCKET = 1, S_TIMEOUT, S_GROUP, S_MODE };
    static const struct mopt opts[] = { { "socket", 0, true, S_SOCKET },
                                        { "timeout", 0, true, S_TIMEOUT },
                                        { "group", 0, true, S_GROUP },
                                        { "mode", 0, true, S_MODE },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox system service", .interspersed = true
    };
    struct api_opts o = { .socket = "/run/rbox/docker.sock", .timeout = 5, .mode = 0660 };
    rbox_err *err = NULL;
    const char *arg;
    int id, r = 0;
    while (r == 0 && (id = margs_next(&p, opts, &arg, &err)) != 0) {
        char *end;
        unsigned long m;
        switch (id) {
        case MOPT_HELP: margs_free(&p); return cmd_help(service_usage);
        case -1: r = -1; break;
        case S_SOCKET:
            if (*arg != '/')
                r = rbox_error(&err, 0,
                               "invalid value \"%s\" for --socket: expected an "
                               "absolute path",
                               arg);
            o.socket = arg;
            break;
        case S_TIMEOUT:
            if (parse_int(arg, &o.timeout) < 0 || o.timeout < 0)
                r = rbox_error(&err, 0,
                               "invalid value \"%s\" for --timeout: expected seconds (>= 0)", arg);
            break;
        case S_GROUP: o.group = arg; break;
        case S_MODE:
            m = strtoul(arg, &end, 8);
            if (*arg == '\0' || *end || m > 0777)
                r = rbox_error(&err, 0,
                               "invalid value \"%s\" for --mode: expected an octal "
                               "mode such as 0660",
                               arg);
            o.mode = (unsigned)m;
            break;
        }
    }
    if (r == 0)
        r = margs_require(&p, 0, 0, "no arguments", &err);
    if (r == 0)
        r = api_serve(c->s, &o, &err);
    margs_free(&p);
    return r < 0 ? cmd_fail(err) : 0;
}
