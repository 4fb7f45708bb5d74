/* run.c - rbox run, create and start. */
#define _GNU_SOURCE
#include "attach.h"
#include "cmdcore.h"
#include "conf.h"
#include "netsetup.h"
#include "registry.h"
#include "rootless_spec.h"
#include "ctr.h"
#include "log.h"
#include "mcli.h"
#include "proto.h"
#include "signals.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define CREATE_FLAGS_HELP                                                                       \
    "      --blkio-weight N       block I/O weight (10 to 1000; a warning and none where the\n" \
    "                             host's cgroups have no weight file)\n"                        \
    "      --blkio-weight-device /dev/DEV:N\n"                                                  \
    "                             block I/O weight on one device (repeatable)\n"                \
    "      --cap-add CAP          add a Linux capability (repeatable; ALL for every one)\n"     \
    "      --cap-drop CAP         drop a Linux capability (repeatable; ALL for every one)\n"    \
    "      --cgroup-parent PATH   parent cgroup (default $RBOX_CGROUP_PARENT, else /rbox;\n"    \
    "                             a relative path nests under rbox's own cgroup)\n"             \
    "  -c, --cpu-shares N         relative CPU weight (2 to 262144; default 1024)\n"            \
    "      --cpus N               CPU quota in CPUs (e.g. 0.5)\n"                               \
    "      --cpuset-cpus LIST     CPUs the container may use (e.g. 0-2,4)\n"                    \
    "      --device HOST[:CTR][:PERMS]\n"                                                       \
    "                             a host device node in the container, with a device\n"         \
    "                             cgroup rule (PERMS: r, w, m; default rwm)\n"                  \
    "      --entrypoint CMD       run CMD instead of the image's Entrypoint (and drop its\n"    \
    "                             Cmd; \"\" clears it); the arguments after IMAGE become\n"     \
    "                             its arguments\n"                                              \
    "  -e, --env K=V              set an environment variable (repeatable; K alone takes\n"     \
    "                             rbox's own value)\n"                                          \
    "      --env-file FILE        read K=V lines from FILE (# comments)\n"                      \
    "      --group-add GROUP      another supplementary group (name in the image, or number)\n" \
    "      --health-cmd CMD       a health check: the monitor runs /bin/sh -c CMD in the\n"     \
    "                             container (exit 0: healthy); replaces the image's\n"          \
    "      --health-interval D    time between checks (default 30s; 200ms, 1m30s)\n"            \
    "      --health-timeout D     a check running longer fails (default 30s)\n"                 \
    "      --health-retries N     failures in a row that make it unhealthy (default 3)\n"       \
    "      --health-start-period D\n"                                                           \
    "                             failures in this time after the start do not count\n"         \
    "      --no-healthcheck       run no health check (not even the image's HEALTHCHECK)\n"     \
    "  -h, --hostname NAME        container host name (default: the short ID)\n"                \
    "      --init                 run a static init (catatonit) as PID 1: it reaps zombies\n"   \
    "                             and forwards signals (RBOX_INIT_BINARY: another one)\n"       \
    "  -i, --interactive          keep the container's stdin open (fed by attached clients;\n"  \
    "                             at run/create the first client's end of input closes it)\n"   \
    "  -l, --label K=V            set a label (repeatable; shown in inspect .Config.Labels)\n"  \
    "      --label-file FILE      read labels from FILE (one K=V a line, # comments)\n"         \
    "  -m, --memory SIZE          memory limit (e.g. 256m; units b, k, m, g, t)\n"              \
    "      --memory-swap SIZE     memory + swap limit (needs -m; -1: unlimited swap)\n"         \
    "      --name NAME            container name (default: a generated adjective_noun)\n"       \
    "      --oom-kill-disable     no OOM kill in the container's cgroup (cgroup v1; with -m)\n" \
    "      --pids-limit N         maximum number of processes (0 or -1: no limit)\n"            \
    "      --pull missing|always|never\n"                                                       \
    "                             pull IMAGE from its registry when the store lacks it\n"       \
    "                             (default), every time, or never (rbox pull --help)\n"         \
    "      --privileged           every capability, every device, no seccomp, nothing\n"        \
    "                             masked, /sys writable (docker's --privileged)\n"              \
    "      --read-only            mount the root filesystem read-only\n"                        \
    "      --restart POLICY       no (default), on-failure[:N] (N: at most), always or\n"       \
    "                             unless-stopped: the monitor restarts it after an exit\n"      \
    "                             (not after stop, kill -s KILL, rm -f)\n"                      \
    "      --rm                   remove the container when it exits\n"                         \
    "      --shm-size SIZE        size of /dev/shm (default 64m)\n"                             \
    "      --stop-signal SIG      signal 'stop' sends first (default SIGTERM)\n"                \
    "      --stop-timeout N       seconds 'stop' waits before SIGKILL (default 10)\n"           \
    "      --sysctl K=V           a namespaced sysctl (kernel.msg*, kernel.sem, kernel.shm*,\n" \
    "                             kernel.domainname, fs.mqueue.*, net.* but with --network\n"   \
    "                             host)\n"                                                      \
    "  -t, --tty                  give the container a terminal (its output is logged as\n"     \
    "                             stdout; TERM=xterm)\n"                                        \
    "  -u, --user USER[:GROUP]    user (name or uid) and group, from the image's /etc/passwd\n" \
    "                             and /etc/group\n"                                             \
    "      --ulimit NAME=SOFT[:HARD]\n"                                                         \
    "                             a resource limit (nofile, nproc, core, ...; -1:\n"            \
    "                             unlimited; above the current hard limit needs\n"              \
    "                             CAP_SYS_RESOURCE)\n"                                          \
    "  -w, --workdir DIR          working directory (absolute; created when missing)\n"

/* networks (net/netreq.c; docs/networking.md) */
#define NETWORK_FLAGS_HELP                                                                     \
    "\n"                                                                                       \
    "Networks:\n"                                                                              \
    "      --network MODE         bridge (the default network `rbox`), NAME (a network from\n" \
    "                             'rbox network create'; repeatable), none (loopback only),\n" \
    "                             host, container:NAME (share its stack), ns:PATH (join a\n"   \
    "                             network namespace), slirp4netns[:OPT=VAL,...] (user-mode\n"  \
    "                             networking: allow_host_loopback=true|false, mtu=N,\n"        \
    "                             port_handler=slirp4netns), pasta[:ARG,...] (pasta with\n"    \
    "                             these arguments); default: rbox.conf's default_network\n"    \
    "                             (bridge; rootless: slirp4netns)\n"                           \
    "      --ip IP                the container's address on its (one) network\n"              \
    "      --network-alias NAME   another name it answers to on a user network\n"              \
    "  -p, --publish [IP:][HOSTPORT:]PORT[/tcp|udp]\n"                                         \
    "                             publish a port (ranges A-B; no HOSTPORT: a free one;\n"      \
    "                             'rbox port' shows it)\n"                                     \
    "  -P, --publish-all          publish the image's exposed ports on free host ports\n"      \
    "      --dns IP               a name server for /etc/resolv.conf (repeatable)\n"           \
    "      --dns-search DOMAIN    a search domain (repeatable; . for none)\n"                  \
    "      --dns-option OPT       a resolv.conf option (repeatable)\n"                         \
    "      --add-host NAME:IP     a line in /etc/hosts (IP host-gateway: the gateway)\n"       \
    "      --pid host|container:NAME\n"                                                        \
    "                             the host's or another container's PID namespace\n"           \
    "      --ipc host|container:NAME|private|shareable\n"                                      \
    "                             the IPC namespace (default: its own)\n"                      \
    "      --uts host             the host's host name (no --hostname then)\n"                 \
    "      --cgroupns host|private\n"                                                          \
    "                             the cgroup namespace (default: its own)\n"                   \
    "      --userns host|keep-id  host: accepted (root's containers use no user namespace);\n" \
    "                             keep-id (rootless rbox only): your own uid and gid inside\n" \
    "      --log-opt max-size=SIZE|max-file=N\n"                                               \
    "                             rotate the container's log at SIZE, keeping N files\n"       \
    "                             (default: rbox.conf's log_max_size, log_max_file)\n"

/* sandbox mode and volumes (sandbox.c, container/mounts.c; docs/sandbox.md) */
#define SANDBOX_FLAGS_HELP                                                                     \
    "\n"                                                                                       \
    "Sandbox and volumes:\n"                                                                   \
    "      --timeout DURATION     kill the container (SIGKILL) when it has run this long\n"    \
    "                             (30 = 30s, 1m30s, 500ms; 0: none)\n"                         \
    "      --report FILE|-        write a JSON verdict when the container ends: exit code,\n"  \
    "                             signal, OOM kill, timeout, wall and CPU time, peak memory\n" \
    "                             and pids (-: to stdout after the output; foreground run)\n"  \
    "      --security-opt OPT     seccomp=PROFILE: default, minimal, io-heavy, compute,\n"     \
    "                             network, unconfined (or unrestricted) or a .json file\n"     \
    "                             (default: default); no-new-privileges[=true|false]\n"        \
    "                             (minimal, io-heavy, compute and network imply it);\n"        \
    "                             label=disable, apparmor=unconfined: accepted (rbox sets\n"   \
    "                             no SELinux label nor AppArmor profile)\n"                    \
    "  -v, --volume SRC:DST[:ro]  bind mount an absolute host path, or a named volume\n"       \
    "                             (created on first use), at DST (repeatable)\n"               \
    "      --mount type=bind|volume|tmpfs,source=SRC,target=DST[,readonly]\n"                  \
    "                             docker's long form of -v and --tmpfs (tmpfs-size=,\n"        \
    "                             tmpfs-mode=; type defaults to volume)\n"                     \
    "      --tmpfs DST[:OPTS]     a tmpfs at DST (OPTS: size=64m, mode=, uid=, gid=, ro,\n"    \
    "                             exec, suid, dev; default nosuid,nodev,noexec,mode=1777)\n"

static const char run_usage[] =
    "Usage: rbox run [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
    "\n"
    "Create and start a container. In the foreground (the default) its stdout and stderr are\n"
    "streamed here, signals are forwarded to it, and rbox exits with its exit code (125: rbox\n"
    "failed, 126: the command cannot be invoked, 127: the command was not found).\n"
    "With -i this stdin goes to the container; with -it this terminal is put into raw mode and\n"
    "relayed to the container's, and the detach sequence (ctrl-p,ctrl-q) leaves the container\n"
    "running ('rbox attach' reconnects) and exits with 0.\n"
    "\n"
    "Options:\n"
    "  -d, --detach               run in the background and print the container ID\n"
    "      --detach-keys KEYS     the detach sequence (docker's format, e.g. "
    "ctrl-x,y)\n" CREATE_FLAGS_HELP NETWORK_FLAGS_HELP SANDBOX_FLAGS_HELP;

static const char create_usage[] =
    "Usage: rbox create [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
    "\n"
    "Create a container (status 'created') without starting it; prints its ID.\n"
    "\n"
    "Options:\n" CREATE_FLAGS_HELP NETWORK_FLAGS_HELP SANDBOX_FLAGS_HELP;

static const char start_usage[] =
    "Usage: rbox start [OPTIONS] CONTAINER [CONTAINER...]\n"
    "\n"
    "Start created or exited containers (a running one is left alone). Prints each name given.\n"
    "\n"
    "Options:\n"
    "  -a, --attach             stream the container's output and exit with its code (one\n"
    "                           container; a running one is attached to)\n"
    "      --detach-keys KEYS   the detach sequence with a terminal (default ctrl-p,ctrl-q)\n"
    "  -i, --interactive        send this stdin to the container (implies -a)\n";

enum {
    F_DETACH = 1,
    F_RM,
    F_NAME,
    F_ENV,
    F_ENV_FILE,
    F_WORKDIR,
    F_USER,
    F_HOSTNAME,
    F_ENTRYPOINT,
    F_MEMORY,
    F_CPUS,
    F_PIDS,
    F_READONLY,
    F_CAP_ADD,
    F_CAP_DROP,
    F_STOP_SIGNAL,
    F_STOP_TIMEOUT,
    F_CGROUP_PARENT,
    F_TIMEOUT, /* sandbox.c from here */
    F_REPORT,
    F_SECURITY_OPT,
    F_VOLUME,
    F_TMPFS,
    F_MOUNT,
    /* interactive */
    F_INTERACTIVE,
    F_TTY,
    F_DETACH_KEYS,
    F_PULL,
    /* runflags.c from here: each set by its long name */
    F_RUNFLAG_FIRST = 100,
    /* netreq.c from here: each set by its long name */
    F_NETFLAG_FIRST = 200,
    /* nsflags.c from here */
    F_NSFLAG_FIRST = 300,
};

static const struct mopt run_opts[] = {
    { "detach", 'd', false, F_DETACH },
    { "rm", 0, false, F_RM },
    { "name", 0, true, F_NAME },
    { "env", 'e', true, F_ENV },
    { "env-file", 0, true, F_ENV_FILE },
    { "workdir", 'w', true, F_WORKDIR },
    { "user", 'u', true, F_USER },
    { "hostname", 'h', true, F_HOSTNAME },
    { "entrypoint", 0, true, F_ENTRYPOINT },
    { "memory", 'm', true, F_MEMORY },
    { "cpus", 0, true, F_CPUS },
    { "pids-limit", 0, true, F_PIDS },
    { "read-only", 0, false, F_READONLY },
    { "cap-add", 0, true, F_CAP_ADD },
    { "cap-drop", 0, true, F_CAP_DROP },
    { "network", 0, true, F_NETFLAG_FIRST },
    { "net", 0, true, F_NETFLAG_FIRST + 1 },
    { "ip", 0, true, F_NETFLAG_FIRST + 2 },
    { "network-alias", 0, true, F_NETFLAG_FIRST + 3 },
    { "publish", 'p', true, F_NETFLAG_FIRST + 4 },
    { "publish-all", 'P', false, F_NETFLAG_FIRST + 9 },
    { "dns", 0, true, F_NETFLAG_FIRST + 5 },
    { "dns-search", 0, true, F_NETFLAG_FIRST + 6 },
    { "dns-option", 0, true, F_NETFLAG_FIRST + 7 },
    { "add-host", 0, true, F_NETFLAG_FIRST + 8 },
    { "pid", 0, true, F_NSFLAG_FIRST },
    { "ipc", 0, true, F_NSFLAG_FIRST + 1 },
    { "uts", 0, true, F_NSFLAG_FIRST + 2 },
    { "cgroupns", 0, true, F_NSFLAG_FIRST + 3 },
    { "userns", 0, true, F_NSFLAG_FIRST + 4 },
    { "log-opt", 0, true, F_NSFLAG_FIRST + 5 },
    { "log-driver", 0, true, F_NSFLAG_FIRST + 6 },
    { "health-cmd", 0, true, F_NSFLAG_FIRST + 7 },
    { "health-interval", 0, true, F_NSFLAG_FIRST + 8 },
    { "health-timeout", 0, true, F_NSFLAG_FIRST + 9 },
    { "health-retries", 0, true, F_NSFLAG_FIRST + 10 },
    { "health-start-period", 0, true, F_NSFLAG_FIRST + 11 },
    { "no-healthcheck", 0, false, F_NSFLAG_FIRST + 12 },
    { "blkio-weight", 0, true, F_NSFLAG_FIRST + 13 },
    { "blkio-weight-device", 0, true, F_NSFLAG_FIRST + 14 },
    { "stop-signal", 0, true, F_STOP_SIGNAL },
    { "stop-timeout", 0, true, F_STOP_TIMEOUT },
    { "cgroup-parent", 0, true, F_CGROUP_PARENT },
    { "timeout", 0, true, F_TIMEOUT },
    { "report", 0, true, F_REPORT },
    { "security-opt", 0, true, F_SECURITY_OPT },
    { "volume", 'v', true, F_VOLUME },
    { "tmpfs", 0, true, F_TMPFS },
    { "mount", 0, true, F_MOUNT },
    { "interactive", 'i', false, F_INTERACTIVE },
    { "tty", 't', false, F_TTY },
    { "detach-keys", 0, true, F_DETACH_KEYS },
    { "pull", 0, true, F_PULL },
    { "label", 'l', true, F_RUNFLAG_FIRST },
    { "label-file", 0, true, F_RUNFLAG_FIRST + 1 },
    { "init", 0, false, F_RUNFLAG_FIRST + 2 },
    { "privileged", 0, false, F_RUNFLAG_FIRST + 3 },
    { "ulimit", 0, true, F_RUNFLAG_FIRST + 4 },
    { "shm-size", 0, true, F_RUNFLAG_FIRST + 5 },
    { "sysctl", 0, true, F_RUNFLAG_FIRST + 6 },
    { "group-add", 0, true, F_RUNFLAG_FIRST + 7 },
    { "device", 0, true, F_RUNFLAG_FIRST + 8 },
    { "memory-swap", 0, true, F_RUNFLAG_FIRST + 9 },
    { "cpu-shares", 'c', true, F_RUNFLAG_FIRST + 10 },
    { "cpuset-cpus", 0, true, F_RUNFLAG_FIRST + 11 },
    { "oom-kill-disable", 0, false, F_RUNFLAG_FIRST + 12 },
    { "restart", 0, true, F_RUNFLAG_FIRST + 13 },
    { NULL, 0, false, 0 },
};

struct run_req {
    struct ctr_spec spec;
    bool run, detach;
    size_t n_env, n_add, n_drop;
    struct attach_opts ao; /* foreground run: detach keys (the rest comes from the spec) */
    const char *detach_keys;
    const char *pull; /* --pull: missing (docker's default), always, never */
};

static int set_flag(struct run_req *r, int id, const char *v, rbox_err **err)
{
    struct ctr_spec *s = &r->spec;
    char *cap = NULL;
    switch (id) {
    case F_DETACH: r->detach = true; return 0;
    case F_RM: s->auto_remove = true; return 0;
    case F_NAME:
        free(s->name);
        s->name = xstrdup(v);
        return name_validate(v, err);
    case F_ENV: return parse_env_arg(v, &s->env, &r->n_env, err);
    case F_ENV_FILE: return parse_env_file(v, &s->env, &r->n_env, err);
    case F_WORKDIR:
        free(s->workdir);
        s->workdir = xstrdup(v);
        return 0;
    case F_USER:
        free(s->user);
        s->user = xstrdup(v);
        return 0;
    case F_HOSTNAME:
        free(s->hostname);
        s->hostname = xstrdup(v);
        return validate_hostname(v, err);
    case F_ENTRYPOINT:
        strv_free(s->entrypoint);
        s->entrypoint = xcalloc(1, sizeof(char *)); /* "": none, not the image's */
        if (*v) {
            size_t n = 0;
            strv_push(&s->entrypoint, &n, xstrdup(v));
        }
        return 0;
    case F_MEMORY: return parse_memory(v, &s->memory, err);
    case F_CPUS: return parse_cpus(v, &s->nano_cpus, err);
    case F_PIDS: return parse_pids_limit(v, &s->pids_limit, err);
    case F_READONLY: s->read_only = true; return 0;
    case F_CAP_ADD:
    case F_CAP_DROP:
        if (parse_capability(v, id == F_CAP_ADD ? "--cap-add" : "--cap-drop", &cap, err) < 0)
            return -1;
        if (id == F_CAP_ADD)
            strv_push(&s->cap_add, &r->n_add, cap);
        else
            strv_push(&s->cap_drop, &r->n_drop, cap);
        return 0;
    case F_STOP_SIGNAL: {
        int sig = signal_parse(v);
        if (sig < 0 || signal_name(sig) == NULL)
            return rbox_error(err, 0, "invalid value \"%s\" for --stop-signal: unknown signal", v);
        free(s->stop_signal);
        s->stop_signal = xstrdup(signal_name(sig));
        return 0;
    }
    case F_STOP_TIMEOUT:
        if (parse_int(v, &s->stop_timeout) < 0 || s->stop_timeout < 0)
            return rbox_error(
                err, 0, "invalid value \"%s\" for --stop-timeout: expected seconds (>= 0)", v);
        return 0;
    case F_INTERACTIVE: s->open_stdin = true; return 0;
    case F_TTY: s->tty = true; return 0;
    case F_PULL:
        if (!str_eq(v, "missing") && !str_eq(v, "always") && !str_eq(v, "never"))
            return rbox_error(err, 0,
                              "invalid value \"%s\" for --pull: use missing, always or never", v);
        r->pull = v;
        return 0;
    case F_DETACH_KEYS:
        r->detach_keys = v;
        return *v ? detach_keys_parse(v, r->ao.keys, &r->ao.nkeys, err) : 0;
    case F_CGROUP_PARENT:
        if (*v == '\0' || strstr(v, "..") ||
            strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/") !=
                strlen(v))
            return rbox_error(err, 0, "invalid value \"%s\" for --cgroup-parent", v);
        free(s->cgroup_parent);
        s->cgroup_parent = xstrdup(v);
        return 0;
    case F_TIMEOUT: return sbx_set_flag(&s->sbx, "timeout", v, err);
    case F_REPORT: return sbx_set_flag(&s->sbx, "report", v, err);
    case F_SECURITY_OPT:
        return rf_security_opt(&s->rf, v) ? 0 : sbx_set_flag(&s->sbx, "security-opt", v, err);
    case F_VOLUME: return sbx_set_flag(&s->sbx, "volume", v, err);
    case F_TMPFS: return sbx_set_flag(&s->sbx, "tmpfs", v, err);
    case F_MOUNT: return sbx_set_flag(&s->sbx, "mount", v, err);
    }
    for (size_t i = 0; id >= F_NSFLAG_FIRST && run_opts[i].name; i++) {
        int rc;
        if (run_opts[i].id == id && (ns_flags_flag(&s->ns, run_opts[i].name, v, err, &rc) ||
                                     log_opts_flag(&s->log, run_opts[i].name, v, err, &rc) ||
                                     health_flag(&s->health, run_opts[i].name, v, err, &rc) ||
                                     blkio_flag(&s->blkio, run_opts[i].name, v, err, &rc)))
            return rc;
    }
    for (size_t i = 0; id >= F_NETFLAG_FIRST && run_opts[i].name; i++) {
        int rc;
        if (run_opts[i].id == id && net_req_flag(&s->net, run_opts[i].name, v, err, &rc))
            return rc;
    }
    for (size_t i = 0; id >= F_RUNFLAG_FIRST && run_opts[i].name; i++)
        if (run_opts[i].id == id)
            return rf_set_flag(&s->rf, run_opts[i].name, v, err);
    return 0;
}

/* The flags up to IMAGE (argv[*image] then; tests/fuzz/fuzz_flags.c runs this part). */
static int parse_flags(int argc, char **argv, bool run, struct run_req *r, int *image,
                       rbox_err **err)
{
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = run ? "rbox run" : "rbox create"
    };
    r->spec.stop_timeout = 10;
    const char *arg;
    int id;
    while ((id = margs_next(&p, run_opts, &arg, err)) != 0) {
        if (id == MOPT_HELP)
            return MOPT_HELP;
        if (id < 0)
            return -1;
        if (id == F_DETACH && !run)
            return rbox_error(err, 0, "rbox create: unknown flag -d (see 'rbox create --help')");
        if (id == F_DETACH_KEYS && !run)
            return rbox_error(err, 0,
                              "rbox create: unknown flag --detach-keys (see 'rbox create --help')");
        if (set_flag(r, id, arg, err) < 0)
            return -1;
    }
    if (margs_require(&p, 1, -1, "an IMAGE", err) < 0 ||
        sbx_finish(&r->spec.sbx, run, r->detach, err) < 0)
        return -1;
    if (net_req_finish(&r->spec.net, &r->spec.network, err) < 0 ||
        log_opts_finish(&r->spec.log, err) < 0 || health_finish(&r->spec.health, err) < 0)
        return -1;
    if (r->spec.auto_remove && r->spec.rf.restart && strcmp(r->spec.rf.restart, "no") != 0)
        return rbox_error(err, 0, "conflicting options: --restart and --rm");
    if (rf_finish(&r->spec.rf, r->spec.memory, r->spec.network, err) < 0)
        return -1;
    blkio_finish(&r->spec.blkio, &r->spec.rf.notes);
    *image = p.i;
    return 0;
}

static int resolve_image(struct store *s, struct run_req *r, struct image *img, rbox_err **err)
{
    return image_resolve_pull(s, r->spec.image, r->pull ? r->pull : "missing", img, err);
}

/* Parse run/create flags and IMAGE [CMD...]; then the image. Nothing is created here. */
static int parse_request(struct cmd_ctx *c, int argc, char **argv, bool run, struct run_req *r,
                         struct image *img, rbox_err **err)
{
    int image = 0;
    int f = parse_flags(argc, argv, run, r, &image, err);
    if (f != 0)
        return f;
    /* docker's StdinOnce: -i with the client attached (run in the foreground, or create) */
    r->spec.stdin_once = r->spec.open_stdin && !r->detach;
    if (run && !r->detach && r->spec.tty && r->spec.open_stdin && !isatty(STDIN_FILENO))
        return rbox_error(err, 0, "the input device is not a TTY");
    r->spec.image = xstrdup(argv[image]);
    if (image + 1 < argc)
        r->spec.cmd = strv_dup(argv + image + 1);
    const char *cgp = getenv("RBOX_CGROUP_PARENT");
    const struct rbox_conf *conf;
    if (rbox_conf_get(&conf, err) < 0)
        return -1;
    if (r->spec.cgroup_parent == NULL)
        r->spec.cgroup_parent = xstrdup(cgp && *cgp ? cgp : conf->cgroup_parent);
    if (rootless_spec_check(&r->spec, err) < 0 || net_create_check(c->s, &r->spec, err) < 0 ||
        ns_flags_check(c->s, &r->spec.ns, r->spec.hostname != NULL, err) < 0 ||
        resolve_image(c->s, r, img, err) < 0 ||
        net_req_publish_all(&r->spec.net, img->config, err) < 0)
        return -1;
    return spec_resolve(&r->spec, c->s, img, err);
}

/* Start (or, for start -a on a running one, attach) and stream until the container exits or
 * the user detaches (then 0, as docker). */
static int foreground(struct store *s, const char *id, const struct attach_opts *ao,
                      bool remove_refused)
{
    int sfd = attach_signals(); /* before the start: no signal is lost meanwhile */
    int afd = -1, code;
    rbox_err *err = NULL;
    int r = ctr_start(s, id, attach_flags(ao), &afd, &code, &err);
    if (r == 1) /* already running (start -a): attach to it */
        afd = attach_connect(s, id, attach_flags(ao), &err);
    if (r == CTR_START_REFUSED && remove_refused)
        ctr_remove(s, id, true, NULL); /* run: nothing of a refused run is left */
    if (r < 0 || afd < 0) {
        sbx_report_failed(code, err); /* --report - */
        log_err_free(err);
        close(sfd);
        return r < 0 ? code : EXIT_RBOX;
    }
    r = attach_stream(s, id, afd, sfd, ao);
    close(afd);
    close(sfd);
    return r == ATTACH_DETACHED ? 0 : r;
}

static int start_new(struct cmd_ctx *c, struct run_req *r, const char *id);

int create_parse_args(struct store *s, int argc, char **argv, struct ctr_spec *spec,
                      struct image *img, rbox_err **err)
{
    struct run_req r;
    memset(&r, 0, sizeof(r));
    struct cmd_ctx c = { .s = s };
    int ret = parse_request(&c, argc, argv, false, &r, img, err);
    *spec = r.spec; /* handed over whole: the caller clears it */
    return ret;
}

static int run_or_create(struct cmd_ctx *c, int argc, char **argv, bool run)
{
    struct run_req r;
    memset(&r, 0, sizeof(r));
    r.run = run;
    struct image img = { 0 };
    rbox_err *err = NULL;
    int ret = parse_request(c, argc, argv, run, &r, &img, &err);
    if (ret == MOPT_HELP) {
        ret = cmd_help(run ? run_usage : create_usage);
        goto out;
    }
    for (size_t i = 0; ret == 0 && r.spec.rf.notes && r.spec.rf.notes[i]; i++)
        fprintf(stderr, "WARNING: %s\n", r.spec.rf.notes[i]);
    if (ret < 0 || ctr_create(c->s, &r.spec, &img, &err) < 0) {
        ret = cmd_fail(err);
        goto out;
    }
    char id[ID_LEN + 1];
    ctr_copy(id, sizeof(id), r.spec.id);
    ret = start_new(c, &r, id);
out:
    spec_clear(&r.spec);
    image_clear(&img);
    return ret;
}

/* --rm after a failed start: the monitor removes the container; wait for it (briefly). */
static void wait_removed(struct store *s, const char *id)
{
    for (int i = 0; i < 500; i++) {
        _cleanup_close_ int fd = ctr_open_dir(s, id, NULL);
        if (fd < 0)
            return;
        usleep(10000);
    }
}

static int start_new(struct cmd_ctx *c, struct run_req *r, const char *id)
{
    rbox_err *err = NULL;
    int ret;
    if (!r->run) {
        printf("%s\n", id);
        return 0;
    }
    if (r->detach) {
        int code, sr = ctr_start(c->s, id, 0, NULL, &code, &err);
        if (sr == CTR_START_REFUSED) {
            ctr_remove(c->s, id, true, NULL); /* nothing of a refused run is left */
            log_err_free(err);
            ret = code;
        } else if (sr < 0) {
            log_err_free(err);
            ret = code;
        } else {
            printf("%s\n", id);
            ret = 0;
        }
    } else {
        fflush(stdout);
        struct attach_opts *ao = &r->ao;
        if (r->detach_keys == NULL || *r->detach_keys == '\0')
            detach_keys_parse(DETACH_KEYS_DEFAULT, ao->keys, &ao->nkeys, NULL);
        ao->tty = r->spec.tty;
        ao->in = r->spec.open_stdin;
        ao->stdin_once = r->spec.stdin_once && !r->spec.tty;
        ret = foreground(c->s, id, ao, true);
        if (str_eq(r->spec.sbx.report, "-"))
            sbx_report_print(id, r->spec.name);
    }
    if (ret != 0 && r->spec.auto_remove)
        wait_removed(c->s, id);
    return ret;
}

int cmd_run(struct cmd_ctx *c, int argc, char **argv)
{
    return run_or_create(c, argc, argv, true);
}

int cmd_create(struct cmd_ctx *c, int argc, char **argv)
{
    return run_or_create(c, argc, argv, false);
}

int cmd_start(struct cmd_ctx *c, int argc, char **argv)
{
    enum { S_ATTACH = 1, S_INTERACTIVE, S_KEYS };
    static const struct mopt opts[] = { { "attach", 'a', false, S_ATTACH },
                                        { "interactive", 'i', false, S_INTERACTIVE },
                                        { "detach-keys", 0, true, S_KEYS },
                                        { NULL, 0, false, 0 } };
    struct margs p = {
        .argc = argc, .argv = argv, .i = 1, .cmd = "rbox start", .interspersed = true
    };
    rbox_err *err = NULL;
    const char *arg, *keys = NULL;
    bool attach = false, interactive = false;
    int id, ret = 0;
    while ((id = margs_next(&p, opts, &arg, &err)) != 0) {
        if (id == MOPT_HELP || id < 0) {
            margs_free(&p);
            return id == MOPT_HELP ? cmd_help(start_usage) : cmd_fail(err);
        }
        attach = attach || id == S_ATTACH || id == S_INTERACTIVE;
        interactive = interactive || id == S_INTERACTIVE;
        keys = id == S_KEYS ? arg : keys;
    }
    if (margs_require(&p, 1, attach ? 1 : -1, "at least one CONTAINER", &err) < 0) {
        margs_free(&p);
        return cmd_fail(err);
    }
    for (int k = 0; k < margs_count(&p); k++) {
        char cid[ID_LEN + 1];
        int code = EXIT_RBOX;
        if (ctr_resolve(c->s, margs_at(&p, k), cid, &err) < 0) {
            ret = cmd_fail(err);
            err = NULL;
        } else if (attach) {
            struct attach_opts ao;
            if (attach_opts_for(c->s, cid, interactive, keys, &ao, &err) < 0) {
                ret = cmd_fail(err);
                err = NULL;
            } else {
                ret = foreground(c->s, cid, &ao, false);
            }
        } else if (ctr_start(c->s, cid, 0, NULL, &code, &err) < 0) {
            log_err_free(err);
            err = NULL;
            ret = code;
        } else {
            printf("%s\n", margs_at(&p, k));
        }
    }
    margs_free(&p);
    return ret;
}

/* rbox build's RUN steps (build/): a container made exactly as `rbox create` makes it from
 * argv ("create" first), then run in the foreground without stdin. */
int run_create_argv(struct cmd_ctx *c, int argc, char **argv, char id[ID_LEN + 1], rbox_err **err)
{
    struct run_req r;
    memset(&r, 0, sizeof(r));
    struct image img = { 0 };
    int ret = parse_request(c, argc, argv, false, &r, &img, err);
    if (ret == 0 && ctr_create(c->s, &r.spec, &img, err) < 0)
        ret = -1;
    if (ret == 0)
        ctr_copy(id, ID_LEN + 1, r.spec.id);
    spec_clear(&r.spec);
    image_clear(&img);
    return ret == 0 ? 0 : -1;
}

int run_foreground_id(struct cmd_ctx *c, const char *id)
{
    struct attach_opts ao = { 0 };
    detach_keys_parse(DETACH_KEYS_DEFAULT, ao.keys, &ao.nkeys, NULL);
    fflush(stdout);
    return foreground(c->s, id, &ao, false);
}
