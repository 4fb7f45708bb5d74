/* fuzz_mounts.c - rbox's -v/--volume and --tmpfs values (parse_volume_flag, parse_tmpfs_flag;
 * rbox has no --mount flag). Input: the flag's value; its first byte picks the flag (even: -v,
 * odd: --tmpfs).
 *
 * Properties: an accepted mount has an absolute, clean destination (no ".", "..", "//", not
 * "/"); a tmpfs's options start with the four flags; the error is one line. */
#define _GNU_SOURCE
#include "fuzz.h"
#include "sandbox.h"
#include "util.h"

static bool clean_dest(const char *d)
{
    if (d[0] != '/' || d[1] == '\0' || strstr(d, "//") || d[strlen(d) - 1] == '/')
        return false;
    for (const char *c = d + 1; *c;) {
        size_t n = strcspn(c, "/");
        if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        c += n + (c[n] == '/');
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *v = fuzz_str(data + 1, size - 1);
    bool tmpfs = data[0] & 1;
    struct sbx_mount m;
    rbox_err *err = NULL;
    int r = tmpfs ? parse_tmpfs_flag(v, &m, &err) : parse_volume_flag(v, &m, &err);
    if (r == 0) {
        FUZZ_ASSERT(m.dest && clean_dest(m.dest), "destination %s", m.dest);
        if (tmpfs) {
            FUZZ_ASSERT(m.type == SBX_TMPFS && m.options && m.source == NULL, "tmpfs");
            FUZZ_ASSERT(strncmp(m.options, m.ro ? "ro," : "rw,", 3) == 0, "options %s", m.options);
        } else {
            FUZZ_ASSERT(m.source && *m.source && (m.type == SBX_BIND) == (m.source[0] == '/'),
                        "source");
        }
        free(m.source);
        free(m.dest);
        free(m.options);
    } else {
        FUZZ_ASSERT(err && err->msg, "no message");
        rbox_err_free(err);
    }
    free(v);
    return 0;
}
