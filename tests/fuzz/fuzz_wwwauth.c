/* fuzz_wwwauth.c - the WWW-Authenticate parser (manager/rbox/registry/auth.c): a registry's
 * challenge is input from the network. Input: the header value.
 *
 * Properties: an accepted challenge has a lower-case token scheme; parameters are plain
 * strings (no NUL inside, bounded by the input's length). */
#define _GNU_SOURCE
#include "auth.h"
#include "fuzz.h"
#include "util.h"

#include <ctype.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    size_t n = strlen(s);
    struct www_auth a;
    rbox_err *err = NULL;
    if (www_auth_parse(s, &a, &err) == 0) {
        FUZZ_ASSERT(a.scheme && *a.scheme, "no scheme: %s", s);
        for (const char *c = a.scheme; *c; c++)
            FUZZ_ASSERT(!isupper((unsigned char)*c) && !isspace((unsigned char)*c), "scheme %s",
                        a.scheme);
        const char *params[] = { a.realm, a.service, a.scope, a.error };
        for (size_t i = 0; i < ARRAY_SIZE(params); i++)
            FUZZ_ASSERT(!params[i] || strlen(params[i]) <= n, "param %zu longer than input", i);
        www_auth_clear(&a);
    } else {
        FUZZ_ASSERT(err && err->msg, "no message");
        rbox_err_free(err);
    }
    free(s);
    return 0;
}
