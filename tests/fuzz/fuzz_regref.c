/* fuzz_regref.c - the registry reference parser (manager/rbox/registry/ref.c) and registry host
 * normalization (login, logout, auth.json keys). Input: the reference.
 *
 * Properties: an accepted reference has a domain, a path and a tag or a digest; its canonical
 * string parses back to itself; the name fits REF_NAME_MAX; a digest is sha256 and 64 hex. */
#define _GNU_SOURCE
#include "fuzz.h"
#include "ref.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    struct image_ref r;
    rbox_err *err = NULL;
    if (image_ref_parse(s, &r, &err) == 0) {
        FUZZ_ASSERT(r.domain && *r.domain && r.path && *r.path, "%s", s);
        FUZZ_ASSERT(r.tag || r.digest, "%s: neither tag nor digest", s);
        FUZZ_ASSERT(!r.digest || ref_digest_valid(r.digest), "%s: digest %s", s, r.digest);
        FUZZ_ASSERT(strlen(r.domain) + 1 + strlen(r.path) <= REF_NAME_MAX, "%s", s);
        FUZZ_ASSERT(!strchr(r.path, ':') && !strchr(r.path, '@'), "%s: path %s", s, r.path);
        char *canon = image_ref_string(&r);
        struct image_ref again;
        FUZZ_ASSERT(image_ref_parse(canon, &again, NULL) == 0, "%s -> %s refused", s, canon);
        char *c2 = image_ref_string(&again);
        FUZZ_ASSERT(strcmp(canon, c2) == 0, "%s -> %s -> %s", s, canon, c2);
        free(c2);
        free(canon);
        image_ref_clear(&again);
        image_ref_clear(&r);
    } else {
        FUZZ_ASSERT(err && err->msg, "no message");
        rbox_err_free(steal_pointer(&err));
    }
    char *h = registry_host_normalize(s, &err);
    if (h) {
        FUZZ_ASSERT(*h && !strchr(h, '/'), "host %s from %s", h, s);
        char *h2 = registry_host_normalize(h, NULL);
        FUZZ_ASSERT(h2 && strcmp(h, h2) == 0, "host %s -> %s", h, h2 ? h2 : "(refused)");
        free(h2);
        free(h);
    } else {
        rbox_err_free(steal_pointer(&err));
    }
    free(s);
    return 0;
}
