/* fuzz_imageref.c - image references (image_normalize_ref) and the names rbox checks
 * (container names, volume names). Input: the reference.
 *
 * Properties: a normalized reference is NAME:TAG, fits the state file's image field, and
 * normalizes to itself. */
#define _GNU_SOURCE
#include "ctrstate.h"
#include "fuzz.h"
#include "image.h"
#include "store.h"
#include "util.h"
#include "volume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *ref = fuzz_str(data, size);
    rbox_err *err = NULL;
    char *norm = image_normalize_ref(ref, &err);
    if (norm) {
        FUZZ_ASSERT(strlen(norm) <= IMAGE_MAXLEN, "%zu bytes", strlen(norm));
        FUZZ_ASSERT(strchr(norm, ':'), "no tag: %s", norm);
        char *again = image_normalize_ref(norm, NULL);
        FUZZ_ASSERT(again && strcmp(again, norm) == 0, "%s -> %s -> %s", ref, norm,
                    again ? again : "(refused)");
        free(again);
        free(norm);
    } else {
        FUZZ_ASSERT(err && err->msg, "no message");
        rbox_err_free(steal_pointer(&err));
    }
    if (name_validate(ref, &err) < 0)
        rbox_err_free(steal_pointer(&err));
    else
        FUZZ_ASSERT(strlen(ref) <= NAME_MAXLEN && !strchr(ref, '/'), "name %s", ref);
    if (volume_name_validate(ref, &err) < 0)
        rbox_err_free(steal_pointer(&err));
    else
        FUZZ_ASSERT(ref[0] != '.' && !strchr(ref, '/'), "volume name %s", ref);
    free(ref);
    return 0;
}
