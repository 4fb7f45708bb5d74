/* update.c - rbox-runtime update: change the resource limits of a live container. */
#define _GNU_SOURCE
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: rbox-runtime update [flags] ID [flags]\n"
    "\n"
    "Change the cgroup limits of a created, running or paused container.\n"
    "\n"
    "Flags:\n"
    "  -r, --resources FILE      a JSON linux.resources object (\"-\": read it from stdin, as\n"
    "                            go-runc sends it); the flags below apply on top of it\n"
    "  --memory SIZE             memory limit (bytes, or with a k/m/g/t suffix; -1: none)\n"
    "  --memory-reservation SIZE memory soft limit\n"
    "  --memory-swap SIZE        memory + swap limit (-1: unlimited swap)\n"
    "  --kernel-memory SIZE      kernel memory limit (cgroup v1 only; obsolete)\n"
    "  --kernel-memory-tcp SIZE  kernel TCP buffer limit (cgroup v1 only; obsolete)\n"
    "  --cpu-period N            CPU CFS period (microseconds)\n"
    "  --cpu-quota N             CPU CFS quota per period (microseconds; -1: none)\n"
    "  --cpu-burst N             CPU CFS burst (microseconds)\n"
    "  --cpu-share N             CPU shares (also --cpu-shares; a weight on cgroup v2)\n"
    "  --cpu-rt-period N         real-time period (microseconds; cgroup v1 only)\n"
    "  --cpu-rt-runtime N        real-time runtime (microseconds; cgroup v1 only)\n"
    "  --cpuset-cpus LIST        CPUs to run on (\"0-2,4\")\n"
    "  --cpuset-mems LIST        memory nodes to use\n"
    "  --pids-limit N            maximum number of tasks (-1: none)\n"
    "  --blkio-weight N          block IO weight (10..1000)\n"
    "\n"
    "A value of 0 leaves a limit as it is. Device rules are not changed by update.\n";

enum {
    U_RESOURCES = 1,
    U_MEMORY,
    U_MEM_RES,
    U_SWAP,
    U_KMEM,
    U_KMEM_TCP,
    U_CPU_PERIOD,
    U_CPU_QUOTA,
    U_CPU_BURST,
    U_CPU_SHARE,
    U_RT_PERIOD,
    U_RT_RUNTIME,
    U_CPUS,
    U_MEMS,
    U_PIDS,
    U_BLKIO,
    U_RDT,
};

static const struct cli_opt flags[] = {
    { "resources", 'r', true, U_RESOURCES },      { "memory", 0, true, U_MEMORY },
    { "memory-reservation", 0, true, U_MEM_RES }, { "memory-swap", 0, true, U_SWAP },
    { "kernel-memory", 0, true, U_KMEM },         { "kernel-memory-tcp", 0, true, U_KMEM_TCP },
    { "cpu-period", 0, true, U_CPU_PERIOD },      { "cpu-quota", 0, true, U_CPU_QUOTA },
    { "cpu-burst", 0, true, U_CPU_BURST },        { "cpu-share", 0, true, U_CPU_SHARE },
    { "cpu-shares", 0, true, U_CPU_SHARE },       { "cpu-rt-period", 0, true, U_RT_PERIOD },
    { "cpu-rt-runtime", 0, true, U_RT_RUNTIME },  { "cpuset-cpus", 0, true, U_CPUS },
    { "cpuset-mems", 0, true, U_MEMS },           { "pids-limit", 0, true, U_PIDS },
    { "blkio-weight", 0, true, U_BLKIO },         { "l3-cache-schema", 0, true, U_RDT },
    { "mem-bw-schema", 0, true, U_RDT },          { NULL, 0, false, 0 },
};

/* "512m", "1G", "1024", "2kb", "-1" (when negative is allowed) -> bytes */
static int parse_size(const char *flag, const char *v, opt_i64 *out, rbox_err **err)
{
    if (strcmp(v, "-1") == 0) {
        *out = (opt_i64){ true, -1 };
        return 0;
    }
    char *end;
    errno = 0;
    double num = isdigit((unsigned char)v[0]) ? strtod(v, &end) : -1;
    int shift = 0;
    if (num >= 0 && errno == 0) {
        const char *units = "bkmgtp";
        const char *u = *end ? strchr(units, tolower((unsigned char)*end)) : NULL;
        if (u) {
            shift = (int)(u - units) * 10;
            end++;
            if (shift && (*end == 'b' || *end == 'B'))
                end++;
            else if (shift && strcasecmp(end, "ib") == 0)
                end += 2;
        }
    }
    double bytes = num * (double)(1ull << shift);
    if (num < 0 || errno != 0 || *end != '\0' || bytes >= 9.2e18)
        return rbox_error(err, 0,
                          "update: %s: invalid size \"%s\" (bytes, or a number with a k, m, g or t "
                          "suffix; -1 for unlimited)",
                          flag, v);
    *out = (opt_i64){ true, (int64_t)bytes };
    return 0;
}

static int parse_num(const char *flag, const char *v, bool negative_ok, int64_t *out,
                     rbox_err **err)
{
    if (parse_i64(v, out) < 0 || (*out < 0 && !(negative_ok && *out == -1)))
        return rbox_error(err, 0, "update: %s: invalid value \"%s\" (expected %s)", flag, v,
                          negative_ok ? "an integer >= -1" : "a non-negative integer");
    return 0;
}

static int parse_list(const char *flag, const char *v, char **out, rbox_err **err)
{
    if (*v == '\0' || strspn(v, "0123456789,-") != strlen(v))
        return rbox_error(err, 0, "update: %s: invalid list \"%s\" (expected e.g. \"0-2,4\")", flag,
                          v);
    free(*out);
    *out = xstrdup(v);
    return 0;
}

/* One flag into r. */
static int apply_flag(int id, const char *flag, const char *v, struct rbox_resources *r,
                      rbox_err **err)
{
    int64_t n = 0;
    switch (id) {
    case U_MEMORY: return parse_size(flag, v, &r->memory.limit, err);
    case U_MEM_RES: return parse_size(flag, v, &r->memory.reservation, err);
    case U_SWAP: return parse_size(flag, v, &r->memory.swap, err);
    case U_KMEM: return parse_size(flag, v, &r->memory.kernel, err);
    case U_KMEM_TCP: return parse_size(flag, v, &r->memory.kernel_tcp, err);
    case U_CPUS: return parse_list(flag, v, &r->cpu.cpus, err);
    case U_MEMS: return parse_list(flag, v, &r->cpu.mems, err);
    case U_RDT: return rbox_error(err, 0, "update: %s: Intel RDT is not supported", flag);
    }
    bool neg = id == U_CPU_QUOTA || id == U_PIDS || id == U_RT_RUNTIME;
    if (parse_num(flag, v, neg, &n, err) < 0)
        return -1;
    switch (id) {
    case U_CPU_PERIOD: r->cpu.period = (opt_u64){ true, (uint64_t)n }; break;
    case U_CPU_QUOTA: r->cpu.quota = (opt_i64){ true, n }; break;
    case U_CPU_BURST: r->cpu.burst = (opt_u64){ true, (uint64_t)n }; break;
    case U_CPU_SHARE: r->cpu.shares = (opt_u64){ true, (uint64_t)n }; break;
    case U_RT_PERIOD: r->cpu.realtime_period = (opt_u64){ true, (uint64_t)n }; break;
    case U_RT_RUNTIME: r->cpu.realtime_runtime = (opt_i64){ true, n }; break;
    case U_PIDS: r->pids.limit = (opt_i64){ true, n }; break;
    case U_BLKIO:
        if (n != 0 && (n < 10 || n > 1000))
            return rbox_error(err, 0, "update: %s: invalid weight \"%s\" (10..1000)", flag, v);
        if (n != 0)
            r->block_io.weight = (opt_u64){ true, (uint64_t)n };
        break;
    }
    return 0;
}

static int load_resources(const char *path, struct rbox_resources *r, rbox_err **err)
{
    _cleanup_free_ char *text = NULL;
    bool in = strcmp(path, "-") == 0;
    if (read_file_at(AT_FDCWD, in ? "/dev/stdin" : path, &text, NULL) < 0)
        return rbox_error(err, errno, "update: reading %s", in ? "resources from stdin" : path);
    return config_parse_resources(text, in ? "resources (stdin)" : path, r, err);
}

/* Flags are collected first (the JSON, when given, is the base they apply to). */
struct flag_val {
    int id;
    const char *value;
};

static const char *flag_name(int id)
{
    for (const struct cli_opt *o = flags; o->name; o++)
        if (o->id == id)
            return o->name;
    return "?";
}

/* Flags may come before and after the ID ("update ID --memory 1g", as runc's callers write it);
 * "--" ends them. */
static int parse_args(struct cli_parser *p, struct rbox_resources *r, const char **cid, bool *help,
                      rbox_err **err)
{
    const char *arg, *resources = NULL;
    struct flag_val vals[64];
    size_t nv = 0;
    int id;
    *cid = NULL;
    for (;;) {
        bool dashdash = p->i < p->argc && strcmp(p->argv[p->i], "--") == 0;
        id = dashdash ? 0 : cli_next(p, flags, &arg, err);
        if (id == 0) {
            p->i += dashdash;
            if (p->i >= p->argc)
                break;
            if (*cid || (dashdash && p->i + 1 < p->argc))
                return rbox_error(err, 0,
                                  "update: unexpected argument \"%s\" (see 'update --help')",
                                  p->argv[*cid ? p->i : p->i + 1]);
            *cid = p->argv[p->i++];
            if (dashdash)
                break;
            continue;
        }
        if (id == CLI_HELP) {
            *help = true;
            return 0;
        }
        if (id < 0)
            return -1;
        if (id == U_RESOURCES)
            resources = arg;
        else if (nv < ARRAY_SIZE(vals))
            vals[nv++] = (struct flag_val){ id, arg };
    }
    if (*cid == NULL)
        return rbox_error(err, 0, "update: missing container ID (see 'update --help')");
    if (resources && load_resources(resources, r, err) < 0)
        return -1;
    for (size_t i = 0; i < nv; i++) {
        _cleanup_free_ char *flag = xasprintf("--%s", flag_name(vals[i].id));
        if (apply_flag(vals[i].id, flag, vals[i].value, r, err) < 0)
            return -1;
    }
    return 0;
}

int cmd_update(const struct global_opts *g, int argc, char **argv)
{
    rbox_err *err = NULL;
    struct cli_parser p = { .argc = argc, .argv = argv, .i = 1, .verb = "update" };
    struct rbox_resources r;
    memset(&r, 0, sizeof(r));
    bool help = false;
    const char *cid = NULL;
    int pr = parse_args(&p, &r, &cid, &help, &err);
    if (pr < 0 || help) {
        config_resources_clear(&r);
        return help ? cli_usage(usage) : cli_fail(err);
    }
    struct container_ref ref;
    int ret = container_ref_open(g->root, cid, true, &ref, &err);
    if (ret == 0) {
        enum container_status status = state_status(ref.dirfd, ref.st);
        if (status == ST_STOPPED)
            ret = rbox_error(&err, 0, "cannot update container \"%s\": it is stopped", ref.st->id);
        else if (ref.st->cgroup == NULL)
            ret =
                rbox_error(&err, 0, "cannot update container \"%s\": it has no cgroup", ref.st->id);
        else if (cgroup_apply(ref.st->cgroup, &r, true, &err) < 0)
            ret = rbox_error_prefix(&err, "updating container \"%s\"", ref.st->id);
        container_ref_close(&ref);
    }
    config_resources_clear(&r);
    return ret < 0 ? cli_fail(err) : 0;
}
