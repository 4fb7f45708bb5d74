/* resources.c - linux.resources (also read on its own by `update --resources FILE`):
 * device rules, memory, cpu, pids, blockIO, hugepage limits, network, unified.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"
#include "config_internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* --- devices --------------------------------------------------------------------------------- */

static int parse_rule_type(struct pctx *c, yajl_val v, void *dst)
{
    if (!YAJL_IS_STRING(v))
        return pc_fail(c, "expected a string");
    const char *s = v->u.string;
    if (s[0] == '\0' || s[1] != '\0' || strchr("abc", s[0]) == NULL)
        return pc_fail_quoted(c, "unknown device type", s, " (expected a, b or c)");
    *(char *)dst = s[0];
    return 0;
}

/* A non-empty subset of "rwm", stored in that order. */
static int parse_rule_access(struct pctx *c, yajl_val v, void *dst)
{
    char *access = dst;
    if (!YAJL_IS_STRING(v))
        return pc_fail(c, "expected a string");
    const char *s = v->u.string;
    bool ok = s[0] != '\0' && strspn(s, "rwm") == strlen(s);
    if (!ok)
        return pc_fail_quoted(c, "invalid access", s, " (expected a subset of \"rwm\")");
    size_t n = 0;
    for (const char *p = "rwm"; *p; p++)
        if (strchr(s, *p))
            access[n++] = *p;
    access[n] = '\0';
    return 0;
}

#define DR(k, t, m) FLD(struct rbox_device_rule, k, t, m)
static const struct field device_rule_fields[] = {
    { DR("allow", F_BOOL, allow), REQUIRED },
    { DR("type", F_FN, type), .fn = parse_rule_type },
    { DR("major", F_I64, major), RANGE(-1, INT64_MAX) },
    { DR("minor", F_I64, minor), RANGE(-1, INT64_MAX) },
    { DR("access", F_FN, access), .fn = parse_rule_access },
};

static int parse_device_rule(struct pctx *c, yajl_val v, void *elem)
{
    struct rbox_device_rule *d = elem;
    d->type = 'a';
    d->major = d->minor = -1;
    memcpy(d->access, "rwm", 4);
    return pc_fields(c, v, device_rule_fields, ARRAY_SIZE(device_rule_fields), d);
}

static int parse_device_rules(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_resources *r = dst;
    return pv_array(c, v, sizeof(struct rbox_device_rule), &r->devices, &r->n_devices,
                    parse_device_rule);
}

/* --- memory, cpu, pids ----------------------------------------------------------------------- */

/* 0..100; 2^64-1 is what some tools send for "not set". */
static int parse_swappiness(struct pctx *c, yajl_val v, void *dst)
{
    opt_u64 *o = dst;
    uint64_t x;
    if (YAJL_IS_NUMBER(v) && strcmp(v->u.number.r, "18446744073709551615") == 0)
        return 0;
    if (pv_u64(c, v, 0, 100, &x) < 0)
        return -1;
    o->set = true;
    o->v = x;
    return 0;
}

#define R(k, t, m) FLD(struct rbox_resources, k, t, m)
static const struct field memory_fields[] = {
    { R("limit", F_OI64, memory.limit), RANGE(-1, INT64_MAX) },
    { R("reservation", F_OI64, memory.reservation), RANGE(-1, INT64_MAX) },
    { R("swap", F_OI64, memory.swap), RANGE(-1, INT64_MAX) },
    { R("kernel", F_OI64, memory.kernel), RANGE(-1, INT64_MAX) },
    { R("kernelTCP", F_OI64, memory.kernel_tcp), RANGE(-1, INT64_MAX) },
    { R("swappiness", F_FN, memory.swappiness), .fn = parse_swappiness },
    { R("disableOOMKiller", F_OBOOL, memory.disable_oom_killer) },
    { R("useHierarchy", F_OBOOL, memory.use_hierarchy) },
    { R("checkBeforeUpdate", F_OBOOL, memory.check_before_update) },
};

static const struct field cpu_fields[] = {
    { R("shares", F_OU64, cpu.shares) },
    { R("quota", F_OI64, cpu.quota) },
    { R("burst", F_OU64, cpu.burst) },
    { R("period", F_OU64, cpu.period) },
    { R("realtimeRuntime", F_OI64, cpu.realtime_runtime) },
    { R("realtimePeriod", F_OU64, cpu.realtime_period) },
    { R("cpus", F_CPUS, cpu.cpus) },
    { R("mems", F_CPUS, cpu.mems) },
    { R("idle", F_OI64, cpu.idle), RANGE(0, 1) },
};

static const struct field pids_fields[] = {
    { R("limit", F_OI64, pids.limit) },
};

/* --- blockIO --------------------------------------------------------------------------------- */

#define WD(k, t, m) FLD(struct rbox_weight_device, k, t, m)
static const struct field weight_device_fields[] = {
    { WD("major", F_I64, major), REQUIRED, RANGE(0, INT64_MAX) },
    { WD("minor", F_I64, minor), REQUIRED, RANGE(0, INT64_MAX) },
    { WD("weight", F_OU64, weight), RANGE(10, 1000) },
    { WD("leafWeight", F_OU64, leaf_weight), RANGE(10, 1000) },
};

static int parse_weight_device(struct pctx *c, yajl_val v, void *elem)
{
    return pc_fields(c, v, weight_device_fields, ARRAY_SIZE(weight_device_fields), elem);
}

static int parse_weight_devices(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_resources *r = dst;
    return pv_array(c, v, sizeof(struct rbox_weight_device), &r->block_io.weight_device,
                    &r->block_io.n_weight_device, parse_weight_device);
}

#define TD(k, t, m) FLD(struct rbox_throttle_device, k, t, m)
static const struct field throttle_fields[] = {
    { TD("major", F_I64, major), REQUIRED, RANGE(0, INT64_MAX) },
    { TD("minor", F_I64, minor), REQUIRED, RANGE(0, INT64_MAX) },
    { TD("rate", F_U64, rate), REQUIRED },
};

static int parse_throttle(struct pctx *c, yajl_val v, void *elem)
{
    return pc_fields(c, v, throttle_fields, ARRAY_SIZE(throttle_fields), elem);
}

#define THROTTLE_LIST(fn, member)                                                       \
    static int fn(struct pctx *c, yajl_val v, void *dst)                                \
    {                                                                                   \
        struct rbox_resources *r = dst;                                                 \
        return pv_array(c, v, sizeof(struct rbox_throttle_device), &r->block_io.member, \
                        &r->block_io.n_##member, parse_throttle);                       \
    }
THROTTLE_LIST(parse_throttle_read_bps, throttle_read_bps)
THROTTLE_LIST(parse_throttle_write_bps, throttle_write_bps)
THROTTLE_LIST(parse_throttle_read_iops, throttle_read_iops)
THROTTLE_LIST(parse_throttle_write_iops, throttle_write_iops)

static const struct field blkio_fields[] = {
    { R("weight", F_OU64, block_io.weight), RANGE(10, 1000) },
    { R("leafWeight", F_OU64, block_io.leaf_weight), RANGE(10, 1000) },
    { WHOLE("weightDevice", F_FN), .fn = parse_weight_devices },
    { WHOLE("throttleReadBpsDevice", F_FN), .fn = parse_throttle_read_bps },
    { WHOLE("throttleWriteBpsDevice", F_FN), .fn = parse_throttle_write_bps },
    { WHOLE("throttleReadIOPSDevice", F_FN), .fn = parse_throttle_read_iops },
    { WHOLE("throttleWriteIOPSDevice", F_FN), .fn = parse_throttle_write_iops },
};

/* --- hugepages, network, unified ------------------------------------------------------------- */

/* "2MB", "1GB", "64KB": digits and a unit, as in the hugetlb cgroup file names. */
static int parse_page_size(struct pctx *c, yajl_val v, void *dst)
{
    if (!YAJL_IS_STRING(v))
        return pc_fail(c, "expected a string");
    const char *s = v->u.string;
    size_t digits = strspn(s, "0123456789");
    bool ok = digits > 0 && s[digits] != '\0' && strchr("KMGTP", s[digits]) &&
              strcmp(s + digits + 1, "B") == 0;
    if (!ok)
        return pc_fail_quoted(c, "invalid page size", s, " (expected e.g. \"2MB\")");
    return pv_str(c, v, dst);
}

static const struct field hugepage_fields[] = {
    { FLD(struct rbox_hugepage_limit, "pageSize", F_FN, page_size), REQUIRED,
      .fn = parse_page_size },
    { FLD(struct rbox_hugepage_limit, "limit", F_U64, limit), REQUIRED },
};

static int parse_hugepage(struct pctx *c, yajl_val v, void *elem)
{
    return pc_fields(c, v, hugepage_fields, ARRAY_SIZE(hugepage_fields), elem);
}

static int parse_hugepages(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_resources *r = dst;
    return pv_array(c, v, sizeof(struct rbox_hugepage_limit), &r->hugepage_limits,
                    &r->n_hugepage_limits, parse_hugepage);
}

struct priority_entry {
    char *name;
    uint32_t priority;
};

static const struct field priority_fields[] = {
    { FLD(struct priority_entry, "name", F_STR, name), REQUIRED },
    { FLD(struct priority_entry, "priority", F_U32, priority), REQUIRED },
};

static int parse_priority(struct pctx *c, yajl_val v, void *elem)
{
    struct rbox_kv *kv = elem;
    struct priority_entry e = { .name = NULL, .priority = 0 };
    int r = pc_fields(c, v, priority_fields, ARRAY_SIZE(priority_fields), &e);
    kv->key = e.name;
    if (r == 0)
        kv->value = xasprintf("%" PRIu32, e.priority);
    return r;
}

static int parse_priorities(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_resources *r = dst;
    return pv_array(c, v, sizeof(struct rbox_kv), &r->network.priorities, &r->network.n_priorities,
                    parse_priority);
}

static const struct field network_fields[] = {
    { R("classID", F_OU64, network.class_id), RANGE(0, UINT32_MAX) },
    { WHOLE("priorities", F_FN), .fn = parse_priorities },
};

/* Keys name files in the container's cgroup directory: "memory.high", never a path. */
static int parse_unified(struct pctx *c, yajl_val v, void *dst)
{
    struct rbox_resources *r = dst;
    if (pv_strmap(c, v, &r->unified, &r->n_unified) < 0)
        return -1;
    for (size_t i = 0; i < r->n_unified; i++) {
        const char *key = r->unified[i].key;
        if (key[0] == '\0' || key[0] == '.' || strchr(key, '/'))
            return pc_fail_quoted(c, "invalid key", key, NULL);
    }
    return 0;
}

static const struct field resources_fields[] = {
    { WHOLE("devices", F_FN), .fn = parse_device_rules },
    { WHOLE("memory", F_SUB), SUB(memory_fields) },
    { WHOLE("cpu", F_SUB), SUB(cpu_fields) },
    { WHOLE("pids", F_SUB), SUB(pids_fields) },
    { WHOLE("blockIO", F_SUB), SUB(blkio_fields) },
    { WHOLE("hugepageLimits", F_FN), .fn = parse_hugepages },
    { WHOLE("network", F_SUB), SUB(network_fields) },
    { WHOLE("unified", F_FN), .fn = parse_unified },
};

int resources_parse(struct pctx *c, yajl_val v, void *dst)
{
    return pc_fields(c, v, resources_fields, ARRAY_SIZE(resources_fields), dst);
}

int config_parse_resources(const char *text, const char *what, struct rbox_resources *out,
                           rbox_err **err)
{
    memset(out, 0, sizeof(*out));
    if (pc_parse_document(text, what, resources_fields, ARRAY_SIZE(resources_fields), out, NULL,
                          err) < 0) {
        config_resources_clear(out);
        return -1;
    }
    return 0;
}

void config_resources_clear(struct rbox_resources *r)
{
    free(r->devices);
    free(r->cpu.cpus);
    free(r->cpu.mems);
    free(r->block_io.weight_device);
    free(r->block_io.throttle_read_bps);
    free(r->block_io.throttle_write_bps);
    free(r->block_io.throttle_read_iops);
    free(r->block_io.throttle_write_iops);
    for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
        free(r->hugepage_limits[i].page_size);
    free(r->hugepage_limits);
    kv_free(r->network.priorities, r->network.n_priorities);
    kv_free(r->unified, r->n_unified);
    memset(r, 0, sizeof(*r));
}
