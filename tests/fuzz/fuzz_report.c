/* fuzz_report.c - the verdict (--report, inspect's State.Report): report_format's JSON, and the
 * reader of the cgroup counters in `rbox-runtime events --stats` (verdict_from_stats). Input:
 * NUL-separated fields: id, name, error, then the stats line.
 *
 * Properties: the verdict is always valid JSON, its strings are the fields (cut at a character
 * boundary, bytes that are not UTF-8 replaced); the reader never reads past the text. */
#define _GNU_SOURCE
#include "fuzz.h"
#include "json.h"
#include "report.h"
#include "util.h"

static const char *field(const uint8_t **p, const uint8_t *end, char *buf, size_t len)
{
    size_t n = 0;
    while (*p < end && **p && n + 1 < len)
        buf[n++] = (char)*(*p)++;
    while (*p < end && **p) /* the rest of an overlong field */
        (*p)++;
    if (*p < end)
        (*p)++;
    buf[n] = '\0';
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    static char id[256], name[256], error[1024], stats[8192];
    field(&p, end, id, sizeof(id));
    field(&p, end, name, sizeof(name));
    field(&p, end, error, sizeof(error));
    field(&p, end, stats, sizeof(stats));
    struct verdict v;
    verdict_init(&v, id, name);
    CTR_SET(v.error, error);
    v.started = size & 1;
    if (verdict_from_stats(&v, stats))
        FUZZ_ASSERT(v.memory_peak != 0, "memory_peak 0 means unknown");
    char buf[REPORT_MAXLEN];
    int n = report_format(&v, buf, sizeof(buf));
    FUZZ_ASSERT(n > 0, "the verdict does not fit %zu bytes", sizeof(buf));
    yajl_val j = NULL;
    rbox_err *err = NULL;
    FUZZ_ASSERT(json_parse(buf, "report", &j, &err) == 0, "%s", err->msg);
    FUZZ_ASSERT(YAJL_IS_STRING(json_get(j, "id")) && YAJL_IS_STRING(json_get(j, "name")),
                "id, name");
    yajl_tree_free(j);
    return 0;
}
