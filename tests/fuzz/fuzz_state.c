/* fuzz_state.c - rbox's own small JSON files: a container's state file (ctr_state_parse /
 * ctr_state_format) and the monitor's sandbox.conf (sandbox_conf_parse / sandbox_conf_format).
 * Input: the file's text; the first byte picks the format (even: state, odd: sandbox.conf).
 *
 * Property (round trip): parse -> write -> parse gives the same value (written
 * the same: the writer writes every field), and whatever the
 * parser produced fits the buffer the writer uses. */
#define _GNU_SOURCE
#include "ctrstate.h"
#include "fuzz.h"
#include "report.h"

static void state(char *text)
{
    struct ctr_state a, b;
    if (ctr_state_parse(text, &a) < 0)
        return;
    char buf[4096], again[4096]; /* ctr_state_write's */
    int n = ctr_state_format(&a, buf, sizeof(buf));
    FUZZ_ASSERT(n > 0, "the parsed state does not fit the writer's buffer");
    char copy[4096];
    memcpy(copy, buf, (size_t)n + 1);
    FUZZ_ASSERT(ctr_state_parse(copy, &b) == 0, "the written state does not parse");
    /* every field is written: the same text is the same value */
    FUZZ_ASSERT(ctr_state_format(&b, again, sizeof(again)) == n && strcmp(buf, again) == 0,
                "round trip differs:\n%s\n---\n%s", buf, again);
}

static void sandbox_conf(char *text)
{
    struct sandbox_conf a, b;
    sandbox_conf_parse(text, &a);
    char buf[REPORT_PATH_MAX + 128]; /* sbx_create_extras's and sandbox_conf_read's */
    int n = sandbox_conf_format(&a, buf, sizeof(buf));
    FUZZ_ASSERT(n > 0, "the parsed sandbox.conf does not fit");
    sandbox_conf_parse(buf, &b);
    FUZZ_ASSERT(a.timeout_ns == b.timeout_ns && strcmp(a.report, b.report) == 0,
                "round trip differs: report \"%s\" / \"%s\"", a.report, b.report);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 4095) /* the readers take one buffer of 4 kB at most */
        return 0;
    char *text = fuzz_str(data + 1, size - 1);
    if (data[0] & 1)
        sandbox_conf(text);
    else
        state(text);
    free(text);
    return 0;
}
