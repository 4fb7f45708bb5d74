/* fuzz_seccomp.c - seccomp profiles: the shared validator (lib/seccomp_check.c) in both modes,
 * the runtime's linux.seccomp parser and libseccomp compilation (seccomp_compile, not loaded),
 * and rbox's profile resolution (seccomp_profile_write). Input: a profile's JSON text.
 *
 * Properties: the runtime's parser accepts exactly what the validator accepts; a profile rbox
 * accepts at flag time (docker mode) turns, for any capability set, into a linux.seccomp the
 * runtime accepts ("cannot fail later", sandbox.h). */
#define _GNU_SOURCE
#include "bundle.h"
#include "config.h"
#include "fuzz.h"
#include "json.h"
#include "sandbox.h"
#include "seccomp.h"
#include "seccomp_check.h"
#include "util.h"

static const char head[] = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
                           "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"linux\":{";

/* config_parse of a minimal config with linux.seccomp = the object text (jw output or input) */
static int runtime_parse(const char *obj, size_t len, bool key_included, struct rbox_config **cfg,
                         rbox_err **err)
{
    char *text = NULL;
    if (asprintf(&text, "%s%s%.*s}}", head, key_included ? "" : "\"seccomp\":", (int)len, obj) < 0)
        abort();
    int r = config_parse(text, "config.json", cfg, err);
    free(text);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size);
    yajl_val v = NULL;
    if (json_parse(text, "profile", &v, NULL) < 0) {
        free(text);
        return 0;
    }
    struct seccomp_problem p;
    bool oci_ok = seccomp_check(v, false, &p) == 0;
    if (!oci_ok)
        FUZZ_ASSERT(p.msg[0] != '\0', "no message");
    bool docker_ok = seccomp_check(v, true, &p) == 0;
    yajl_tree_free(v);

    /* the runtime: same verdict as the validator */
    struct rbox_config *cfg = NULL;
    rbox_err *err = NULL;
    int r = runtime_parse(text, strlen(text), false, &cfg, &err);
    FUZZ_ASSERT((r == 0) == oci_ok, "validator %s, runtime %s", oci_ok ? "accepts" : "refuses",
                r == 0 ? "accepts" : err->msg);
    if (r == 0) {
        struct seccomp_prog *prog = NULL;
        if (seccomp_compile(&cfg->linux.seccomp, NULL, &prog, &err) == 0)
            seccomp_prog_free(prog);
        else
            rbox_err_free(steal_pointer(&err));
        config_free(cfg);
    } else {
        rbox_err_free(steal_pointer(&err));
    }

    /* rbox: what it accepted, resolved for no capabilities and for all of them */
    if (docker_ok) {
        for (int k = 0; k < 2; k++) {
            json_w w;
            jw_init(&w, false);
            jw_obj_open(&w);
            bundle_seccomp_profile(&w, text, k ? ~UINT64_C(0) : 0);
            jw_obj_close(&w);
            size_t len;
            const char *out = jw_text(&w, &len);
            /* out is {"seccomp":{...}}: the key and the object, without the braces */
            cfg = NULL;
            r = runtime_parse(out + 1, len - 2, true, &cfg, &err);
            FUZZ_ASSERT(r == 0, "rbox accepted, the runtime refuses: %s", err->msg);
            config_free(cfg);
            jw_free(&w);
        }
    }
    free(text);
    return 0;
}
