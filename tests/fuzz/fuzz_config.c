/* fuzz_config.c - rbox-runtime's config.json parser and validator (config_parse), the mount
 * options it pre-parses, and linux.cgroupsPath (cgroup_path_parse, both forms). Input: the
 * config.json text. */
#define _GNU_SOURCE
#include "cgroup.h"
#include "config.h"
#include "fuzz.h"
#include "util.h"

/* No "." or ".." component: a cgroup path must not climb out of where it is placed. */
static bool clean_path(const char *p)
{
    for (const char *c = p; *c;) {
        while (*c == '/')
            c++;
        size_t n = strcspn(c, "/");
        if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        c += n;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size);
    struct rbox_config *cfg = NULL;
    rbox_err *err = NULL;
    if (config_parse(text, "config.json", &cfg, &err) == 0) {
        FUZZ_ASSERT(err == NULL, "error set on success");
        for (int systemd = 0; systemd < 2; systemd++) {
            char *rel = NULL;
            bool absolute = false;
            rbox_err *e = NULL;
            if (cgroup_path_parse(cfg->linux.cgroups_path, "ctr", systemd, &rel, &absolute, &e) ==
                0)
                FUZZ_ASSERT(rel != NULL && clean_path(rel), "cgroup path %s", rel);
            else
                FUZZ_ASSERT(e && e->msg && strchr(e->msg, '\n') == NULL, "error message");
            free(rel);
            rbox_err_free(e);
        }
        config_free(cfg);
    } else {
        /* one line naming the file */
        FUZZ_ASSERT(err && err->msg && strncmp(err->msg, "config.json: ", 13) == 0, "%s",
                    err && err->msg ? err->msg : "(no message)");
        rbox_err_free(steal_pointer(&err));
    }
    /* exec --process FILE and update --resources FILE read the same way */
    struct rbox_process proc = { 0 };
    if (config_parse_process(text, "process.json", &proc, &err) < 0)
        rbox_err_free(steal_pointer(&err));
    config_process_clear(&proc);
    struct rbox_resources res = { 0 };
    if (config_parse_resources(text, "resources.json", &res, &err) < 0)
        rbox_err_free(steal_pointer(&err));
    config_resources_clear(&res);
    free(text);
    return 0;
}
